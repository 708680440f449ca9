/**
 * `--device auto`: from what `detectDevices` found, pick the way to the eUICC.
 *
 * - Exactly one module (or, with no module, exactly one reader); two or more refuse (USAGE) and
 *   list the `--device` value of each. None: say what was searched.
 * - ModemManager running and using the module: QMI, then MBIM (qmi-proxy / mbim-proxy share the
 *   device with it), then an AT port it leaves alone (udev ID_MM_PORT_IGNORE). Only AT ports it
 *   holds: refuse with exactly what to do (stop it, or the udev rule for this port).
 * - No ModemManager (or it ignores the module): the primary AT port first (the most proven
 *   transport, cheapest to open, nothing to release), then QMI, then MBIM, then an AT port on a
 *   WWAN character device; AT ports another program holds open go last.
 * The later candidates are fallbacks when an earlier one turns out busy at open time.
 */
import { LpaError } from '../../src/errors.js';
import { parseDeviceSpec, type DeviceSpec } from '../spec.js';
import type { DetectedInterface, DetectedModule, Inventory } from './types.js';

export interface AutoCandidate {
  /** `--device` value, e.g. "qmi:/dev/cdc-wdm0" or "/dev/serial/by-id/...-if02-port0". */
  device: string;
  spec: DeviceSpec;
  transport: 'at' | 'qmi' | 'mbim' | 'pcsc';
  /** Why this one, in a few words. */
  why: string;
}

export interface AutoChoice {
  /** "Quectel EC25/EG25 (2c7c:0125, usb 1-1.2)" or the reader's name. */
  module: string;
  /** Best first; the rest are tried when the first is busy. Never empty. */
  candidates: AutoCandidate[];
  /** One sentence: why the first candidate. */
  reason: string;
}

export type AutoVerdict = { ok: true; choice: AutoChoice } | { ok: false; error: LpaError };

export function moduleLabel(m: DetectedModule): string {
  return `${m.vendor} ${m.model} (${m.vid}:${m.pid}, ${m.bus} ${m.id})`;
}

const isAt = (i: DetectedInterface) => i.role === 'at-primary' || i.role === 'at' || i.role === 'at-secondary';
const atRank = (i: DetectedInterface) => (i.port.kind === 'wwan' ? 10 : 0) + (i.role === 'at-primary' ? 0 : i.role === 'at' ? 1 : 2);
const busyElsewhere = (i: DetectedInterface) => i.holders.some((h) => h.name !== 'ModemManager');

function candidate(i: DetectedInterface, why: string): AutoCandidate {
  const transport = i.role === 'qmi' ? 'qmi' : i.role === 'mbim' ? 'mbim' : 'at';
  return { device: i.device!, spec: parseDeviceSpec(i.device!), transport, why };
}

/** The udev rule that makes ModemManager leave one USB tty alone (needs systemd's 60-serial.rules). */
export function udevIgnoreRule(m: DetectedModule, i: DetectedInterface): string | undefined {
  if (m.bus !== 'usb' || i.number === undefined || i.port.kind !== 'tty') return undefined;
  const ifnum = i.number.toString(16).padStart(2, '0');
  return `ACTION=="add|change", SUBSYSTEM=="tty", ENV{ID_VENDOR_ID}=="${m.vid}", ENV{ID_MODEL_ID}=="${m.pid}", ENV{ID_USB_INTERFACE_NUM}=="${ifnum}", ENV{ID_MM_PORT_IGNORE}="1"`;
}

function modemManagerHoldsAt(m: DetectedModule, at: DetectedInterface): LpaError {
  const rule = udevIgnoreRule(m, at);
  const tagging = rule
    ? `or make it leave the port with the udev rule '${rule}' in /etc/udev/rules.d/77-lpa-agent.rules (then udevadm control --reload; udevadm trigger --action=change --subsystem-match=tty; systemctl restart ModemManager)`
    : 'or make it leave the port with udev ENV{ID_MM_PORT_IGNORE}="1"';
  const shared = m.interfaces.find((i) => (i.role === 'qmi' || i.role === 'mbim') && i.device !== undefined);
  const head = shared
    ? `ModemManager is running and uses ${at.port.path}, the AT port of ${moduleLabel(m)}: use --device ${shared.device} (or auto), which goes through ${shared.role}-proxy alongside ModemManager, or `
    : `ModemManager is running and uses ${at.port.path}, the AT port of ${moduleLabel(m)}, which has no QMI or MBIM port to share with it: `;
  return new LpaError(
    'PORT_MODEMMANAGER',
    `${head}stop ModemManager while lpa-agent runs (systemctl stop ModemManager), ${tagging}; ` +
      'lpa-agent does not inhibit ModemManager, because that would also drop the data connection the download may need',
    { path: at.port.path, module: moduleLabel(m), ...(rule ? { udevRule: rule } : {}), ...(shared ? { alternative: shared.device } : {}) },
  );
}

/**
 * An AT port given with --device that ModemManager holds: the same advice as `auto` gives, for
 * the module that port belongs to (matched by path, by-id name or the node it resolves to).
 */
export function modemManagerAdvice(inv: Inventory, path: string, resolvedName?: string): LpaError | undefined {
  if (!inv.modemManager.running) return undefined;
  for (const m of inv.modules) {
    const at = m.interfaces.find((i) => isAt(i) && (i.port.path === path || i.port.byId === path || i.port.name === resolvedName));
    if (at) return modemManagerHoldsAt(m, at);
  }
  return undefined;
}

/** The ordered candidates of one module, or why it has none. */
export function moduleVerdict(m: DetectedModule, modemManagerRunning: boolean): AutoVerdict {
  const label = moduleLabel(m);
  if (m.noPorts) return { ok: false, error: new LpaError('DEVICE_NOT_FOUND', `found ${label} but it has ${m.noPorts}`, { module: label }) };
  const usable = m.interfaces.filter((i) => i.device !== undefined);
  const at = usable.filter(isAt).sort((a, b) => atRank(a) - atRank(b));
  const qmi = usable.filter((i) => i.role === 'qmi');
  const mbim = usable.filter((i) => i.role === 'mbim');
  const withMm = modemManagerRunning && !m.mmIgnored;
  let candidates: AutoCandidate[];
  let reason: string;
  if (withMm) {
    const freeAt = at.filter((i) => i.modemManager.state !== 'uses');
    candidates = [
      ...qmi.map((i) => candidate(i, 'QMI through qmi-proxy, shared with ModemManager')),
      ...mbim.map((i) => candidate(i, 'MBIM through mbim-proxy, shared with ModemManager')),
      ...freeAt.map((i) => candidate(i, `AT port ModemManager leaves alone (${i.modemManager.why})`)),
    ];
    if (candidates.length === 0 && at.length > 0) return { ok: false, error: modemManagerHoldsAt(m, at[0]!) };
    reason = qmi.length + mbim.length > 0
      ? `ModemManager is running, so ${candidates[0]?.transport.toUpperCase()} (its proxy shares the module with ModemManager) rather than an AT port it holds`
      : 'ModemManager is running but leaves this AT port alone';
  } else {
    const ttyAt = at.filter((i) => i.port.kind === 'tty' && !busyElsewhere(i));
    const wwanAt = at.filter((i) => i.port.kind === 'wwan' && !busyElsewhere(i));
    const busyAt = at.filter(busyElsewhere);
    candidates = [
      ...ttyAt.map((i) => candidate(i, 'AT port')),
      ...qmi.map((i) => candidate(i, 'QMI')),
      ...mbim.map((i) => candidate(i, 'MBIM')),
      ...wwanAt.map((i) => candidate(i, 'AT on a WWAN port')),
      ...busyAt.map((i) => candidate(i, `AT port held by ${i.holders.map((h) => `${h.name} (pid ${h.pid})`).join(', ')}`)),
    ];
    const why = m.mmIgnored ? `ModemManager ignores this module (${m.mmIgnored})` : 'ModemManager is not running';
    const first = candidates[0];
    reason = !first
      ? why
      : first.transport === 'at' && first.why === 'AT port'
        ? `${why}, so the AT port (the most proven transport, cheapest to open; QMI/MBIM are the fallbacks)`
        : `${why}; ${first.why} is the best way in this module offers`;
  }
  if (candidates.length === 0) {
    const unknown = m.interfaces.filter((i) => i.role === 'unknown').map((i) => i.port.path);
    const msg = unknown.length > 0
      ? `lpa-agent does not know which port of ${label} is its AT port (${unknown.join(', ')}): give it with --device <port>`
      : `${label} has no AT, QMI or MBIM port lpa-agent can use${m.note ? ` (${m.note})` : ''}`;
    return { ok: false, error: new LpaError(unknown.length > 0 ? 'DEVICE_AMBIGUOUS' : 'DEVICE_NOT_FOUND', msg, { module: label }) };
  }
  return { ok: true, choice: { module: label, candidates, reason } };
}

function nothingFound(inv: Inventory): LpaError {
  const others = inv.others.map((o) => `${o.vendor} ${o.model} (${o.vid}:${o.pid}): ${o.notModule}`);
  return new LpaError(
    'DEVICE_NOT_FOUND',
    `no cellular module or eUICC reader found (searched ${inv.searched.join(', ')})` +
      (others.length > 0 ? `; not counted: ${others.join('; ')}` : '') +
      '. A module on a UART cannot be detected: give --device /dev/ttyS<n> (or its AT port); to rehearse without hardware use --device virtual',
    { searched: inv.searched },
  );
}

/** Readers `auto` may choose: those whose card answered as an eUICC. */
function euiccReaders(inv: Inventory): Inventory['readers'] {
  return inv.readers.filter((r) => r.euicc);
}

function ambiguous(inv: Inventory): LpaError {
  const choices = [
    ...inv.modules.map((m) => {
      const v = moduleVerdict(m, inv.modemManager.running);
      const first = m.interfaces.find((i) => i.device !== undefined);
      const device = v.ok ? v.choice.candidates[0]!.device : first?.device;
      return { what: moduleLabel(m), device };
    }),
    ...euiccReaders(inv).map((r) => ({ what: `reader ${r.name}`, device: r.device })),
  ];
  const list = choices.map((c) => (c.device ? `--device ${c.device} for ${c.what}` : `${c.what} (no usable port; see lpa-agent devices)`));
  return new LpaError('DEVICE_AMBIGUOUS', `found ${choices.length} modules or readers, so auto will not guess: choose one with ${list.join(', or ')}`, {
    choices: choices.map((c) => ({ module: c.what, ...(c.device ? { device: c.device } : {}) })),
  });
}

/** The `auto` decision for an inventory, as data (for `devices`) rather than a throw. */
export function autoVerdict(inv: Inventory): AutoVerdict {
  const readers = euiccReaders(inv);
  const count = inv.modules.length + readers.length;
  if (count === 0) return { ok: false, error: nothingFound(inv) };
  if (count > 1) return { ok: false, error: ambiguous(inv) };
  if (inv.modules.length === 1) return moduleVerdict(inv.modules[0]!, inv.modemManager.running);
  const r = readers[0]!;
  return {
    ok: true,
    choice: { module: `reader ${r.name}`, candidates: [{ device: r.device, spec: parseDeviceSpec(r.device), transport: 'pcsc', why: 'PC/SC reader' }], reason: 'no module, and this is the only eUICC reader' },
  };
}

/** `--device auto`: the choice, or the LpaError saying why there is none. */
export function chooseAuto(inv: Inventory): AutoChoice {
  const v = autoVerdict(inv);
  if (!v.ok) throw v.error;
  return v.choice;
}
