/**
 * Opens the transport a `--device` spec names: the one place that maps specs to drivers. Each
 * driver is imported only when used, so `eid` over AT never loads QMI, MBIM or PC/SC code.
 * `qmi:` and `mbim:` go through qmi-proxy / mbim-proxy when it runs (ModemManager keeps the modem).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EuiccTransport, TransportOptions } from '../src/apdu/channel.js';
import { LpaError, toLpaError } from '../src/errors.js';
import type { AtEuiccChannelOptions } from './at/channel.js';
import type { AutoCandidate, AutoChoice, DetectOptions } from './detect/index.js';
import { DEFAULT_VIRTUAL_STATE, type DeviceSpec } from './spec.js';
import type { ProxyMode } from './wwan/proxy.js';

export interface OpenTransportOptions extends TransportOptions {
  /** AT: vendor profile name (detected when absent); virtual: the dialect (default generic). */
  modem?: string;
  /** AT: UART baud rate. */
  baudRate?: number;
  /** AT: what a previous run left open (stale channel id or "nothing"). */
  atChannel?: AtEuiccChannelOptions;
  /** QMI / MBIM: through qmi-proxy / mbim-proxy (auto: when it runs; default from LPA_AGENT_WWAN_PROXY). */
  proxy?: ProxyMode;
  /** QMI / MBIM: aborts opening (client ids / the MBIM session are released). */
  signal?: AbortSignal;
  /** auto: where to look (tests point it at a fixture tree); default the real /sys, /dev, /proc. */
  detect?: DetectOptions;
  /** auto: a decision already made (the CLI decides first, to lock the chosen port). */
  autoChoice?: AutoChoice;
  /** auto: told the decision and every fallback as they happen (progress lines). */
  onAuto?: (event: AutoEvent) => void;
  /** auto: options of one candidate (e.g. the AT channel memory of that port). */
  optionsFor?: (spec: DeviceSpec) => Partial<OpenTransportOptions>;
}

function wwanOptions(opts: OpenTransportOptions): Record<string, unknown> {
  return {
    ...(opts.isdrAid ? { isdrAid: opts.isdrAid } : {}),
    ...(opts.tracePath !== undefined ? { tracePath: opts.tracePath } : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

export type AutoEvent =
  | { type: 'chosen'; choice: AutoChoice }
  | { type: 'fallback'; failed: AutoCandidate; error: LpaError; next: AutoCandidate };

/** What `auto` opened: the decision and the candidate that worked. */
export interface AutoOpened {
  choice: AutoChoice;
  opened: AutoCandidate;
}

/** A transport; `auto` says what it chose. */
export type OpenedTransport = EuiccTransport & { auto?: AutoOpened };

async function openAt(path: string, opts: OpenTransportOptions, binding?: unknown, label?: string, dispose?: () => void): Promise<EuiccTransport> {
  const { openAtModem } = await import('./at/modem.js');
  const at = await openAtModem({
    path,
    ...(opts.baudRate !== undefined ? { baudRate: opts.baudRate } : {}),
    ...(binding ? { binding: binding as NonNullable<Parameters<typeof openAtModem>[0]['binding']> } : {}),
    ...(opts.modem !== undefined ? { vendor: opts.modem } : {}),
    ...(opts.tracePath !== undefined ? { tracePath: opts.tracePath } : {}),
    ...(opts.atChannel || opts.isdrAid ? { channel: { ...opts.atChannel, ...(opts.isdrAid ? { isdrAid: opts.isdrAid } : {}) } } : {}),
  }).catch((e: unknown) => {
    dispose?.();
    throw e;
  });
  return {
    kind: 'at',
    label: label ?? path,
    vendor: at.vendor.name,
    channel: at.channel,
    moduleInfo: (fields) => at.moduleInfo(fields),
    async close() {
      try {
        await at.close();
      } finally {
        dispose?.();
      }
    },
  };
}

/**
 * A virtual eUICC state file is created when missing, its folder never: a typo in a path must not
 * create folders (`--device virtual:<file>`, `serve-modem --state`, `serve-card --state`). USAGE naming `what`.
 */
export function checkVirtualStateFolder(statePath: string, what: string): void {
  const folder = dirname(statePath);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new LpaError('USAGE', `${what}: the folder ${folder} does not exist (the state file is created, its folder is not)`, { path: statePath });
  }
}

/** `virtual[:<state>]`: the virtual module in-process behind a serialport binding, so the real AT engine runs. */
async function openVirtual(statePath: string, opts: OpenTransportOptions): Promise<EuiccTransport> {
  const [{ openVirtualEuicc }, { VirtualModem }, { createVirtualBinding }, { isVendorName, VENDOR_NAMES }] = await Promise.all([
    import('../src/sim/euicc/index.js'),
    import('./virtual/modem.js'),
    import('./virtual/binding.js'),
    import('./virtual/vendors.js'),
  ]);
  const vendor = opts.modem ?? 'generic';
  if (!isVendorName(vendor)) throw new LpaError('USAGE', `unknown modem vendor "${vendor}" (one of: ${VENDOR_NAMES.join(', ')})`);
  if (statePath === resolve(DEFAULT_VIRTUAL_STATE)) {
    mkdirSync(dirname(statePath), { recursive: true }); // the default .lpa-agent/ of the working directory
  } else {
    checkVirtualStateFolder(statePath, `--device virtual:${statePath}`);
  }
  const card = openVirtualEuicc({ statePath });
  const modem = new VirtualModem({ card, vendor });
  const binding = createVirtualBinding(() => modem);
  return openAt('virtual', opts, binding, `virtual (${statePath})`, () => modem.dispose());
}

/**
 * An AT port ModemManager holds (PORT_MODEMMANAGER): say exactly what to do for this module —
 * its QMI/MBIM port if it has one, or the udev rule for this port. Any other error is unchanged.
 */
async function explainHeldPort(e: unknown, path: string, detect: DetectOptions | undefined): Promise<unknown> {
  if (!(e instanceof LpaError) || e.code !== 'PORT_MODEMMANAGER') return e;
  try {
    const [{ detectDevices, modemManagerAdvice }, { realpathSync }, { basename }] = await Promise.all([import('./detect/index.js'), import('node:fs'), import('node:path')]);
    let resolved: string | undefined;
    try {
      resolved = basename(realpathSync(path));
    } catch {
      // a vanished port: match by the name given
    }
    const advice = modemManagerAdvice(await detectDevices(detect), path, resolved);
    return advice ? new LpaError(advice.code, advice.message, { ...advice.details, path }, { cause: e }) : e;
  } catch {
    return e;
  }
}

/**
 * `auto`: find the module (drivers/detect), choose, and open the chosen spec through
 * openTransport. A candidate that fails to open with a module/port error (busy, held, no answer)
 * hands over to the next one; when all fail, the first candidate's error is thrown.
 */
async function openAuto(opts: OpenTransportOptions): Promise<OpenedTransport> {
  let choice = opts.autoChoice;
  if (!choice) {
    const { detectDevices, chooseAuto } = await import('./detect/index.js');
    choice = chooseAuto(await detectDevices(opts.detect));
  }
  opts.onAuto?.({ type: 'chosen', choice });
  const { autoChoice: _c, onAuto: _o, optionsFor, ...base } = opts;
  const failures: { device: string; error: LpaError }[] = [];
  for (const [i, c] of choice.candidates.entries()) {
    try {
      const transport = await openTransport(c.spec, { ...base, ...optionsFor?.(c.spec) });
      return Object.assign(transport, { auto: { choice, opened: c } });
    } catch (e) {
      const error = toLpaError(e);
      const next = choice.candidates[i + 1];
      if (error.category !== 'module') throw error;
      failures.push({ device: c.device, error });
      if (next) {
        opts.onAuto?.({ type: 'fallback', failed: c, error, next });
        continue;
      }
      if (failures.length === 1) throw error;
      const first = failures[0]!.error;
      const alsoTried = failures.slice(1).map((f) => ({ device: f.device, code: f.error.code, message: f.error.message }));
      throw new LpaError(first.code, `${first.message} (also tried ${alsoTried.map((f) => f.device).join(', ')})`, { ...first.details, alsoTried }, { cause: first });
    }
  }
  throw new LpaError('INTERNAL', 'auto chose no candidate');
}

export async function openTransport(spec: DeviceSpec, opts: OpenTransportOptions = {}): Promise<OpenedTransport> {
  switch (spec.kind) {
    case 'at':
      return openAt(spec.path, opts).catch(async (e: unknown) => {
        throw await explainHeldPort(e, spec.path, opts.detect);
      });
    case 'virtual':
      return openVirtual(spec.statePath, opts);
    case 'auto':
      return openAuto(opts);
    case 'pcsc': {
      const { openPcscTransport } = await import('./pcsc/index.js');
      return openPcscTransport(spec.reader, opts);
    }
    case 'qmi':
      return (await import('./qmi/open.js')).openQmiTransport(spec.path, wwanOptions(opts));
    case 'mbim':
      return (await import('./mbim/open.js')).openMbimTransport(spec.path, wwanOptions(opts));
  }
}
