import type { AutoVerdict, DetectedInterface, DetectedModule, Inventory } from '../../../drivers/detect/index.js';
import { str } from '../args.js';
import type { Command } from '../command.js';
import { detectOptionsFromEnv } from '../device.js';
import { table } from '../output.js';

const ROLE: Record<DetectedInterface['role'], string> = {
  'at-primary': 'AT primary',
  'at-secondary': 'AT secondary',
  at: 'AT',
  qmi: 'QMI',
  mbim: 'MBIM',
  diag: 'DIAG (not used)',
  gps: 'GPS (not used)',
  audio: 'audio (not used)',
  ignore: 'other (not used)',
  unknown: 'unknown',
};

function mmColumn(i: DetectedInterface): string {
  const mm = i.modemManager;
  if (mm.state === 'not-running') return '-';
  if (mm.state === 'ignores') return 'ignores';
  return i.role === 'qmi' || i.role === 'mbim' ? 'uses (shared)' : 'uses';
}

function moduleText(m: DetectedModule, n: number): string {
  const head = `${n}. ${m.vendor} ${m.model}  ${m.vid}:${m.pid}  ${m.bus} ${m.id}${m.known ? '' : '  (layout not in the table)'}`;
  const lines = [head];
  const facts = [m.note, m.serial ? `serial ${m.serial}` : undefined, m.mmIgnored ? `ModemManager ignores it: ${m.mmIgnored}` : undefined].filter(Boolean);
  if (facts.length > 0) lines.push(`   ${facts.join('; ')}`);
  if (m.noPorts) lines.push(`   ${m.noPorts}`);
  if (m.interfaces.length > 0) {
    const rows = m.interfaces.map((i) => [
      i.number !== undefined ? i.number.toString(16).padStart(2, '0') : '-',
      i.port.path,
      ROLE[i.role],
      i.driver ?? '-',
      mmColumn(i),
      i.holders.map((h) => `${h.name} ${h.pid}`).join(', ') || '-',
      i.device ?? '-',
    ]);
    const t = table(['if', 'port', 'role', 'driver', 'ModemManager', 'open by', '--device'], rows);
    lines.push(...t.split('\n').map((l) => `   ${l}`));
  }
  return lines.join('\n');
}

function autoText(v: AutoVerdict): string {
  if (!v.ok) return `auto: refuses: ${v.error.message}`;
  const [first, ...rest] = v.choice.candidates;
  const lines = [`auto: ${first!.device} (${first!.transport.toUpperCase()}) of ${v.choice.module}`, `      because ${v.choice.reason}`];
  if (rest.length > 0) lines.push(`      if busy: ${rest.map((c) => c.device).join(', then ')}`);
  return lines.join('\n');
}

export function devicesText(inv: Inventory, verdict: AutoVerdict): string {
  const parts: string[] = [];
  if (inv.modules.length === 0) parts.push(`No cellular module found (searched ${inv.searched.join(', ')}).`);
  else parts.push(inv.modules.map((m, i) => moduleText(m, i + 1)).join('\n\n'));
  // reader names hold spaces: quote the value so it can be copied into a shell as it is
  const arg = (device: string) => (/\s/.test(device) ? `"${device}"` : device);
  if (inv.readers.length > 0) parts.push(['Readers:', ...inv.readers.map((r) => `   ${r.name}  --device ${arg(r.device)}${r.note ? `  (${r.note})` : ''}`)].join('\n'));
  if (inv.others.length > 0) {
    parts.push(['Not counted as modules:', ...inv.others.map((o) => `   ${o.vendor} ${o.model} ${o.vid}:${o.pid} (${o.interfaces.map((i) => i.port.path).join(', ')}): ${o.notModule}`)].join('\n'));
  }
  const mm = inv.modemManager;
  parts.push(`ModemManager: ${mm.running ? `running (pid ${mm.pids.join(', ')})` : 'not running'}`);
  parts.push(autoText(verdict));
  return parts.join('\n\n');
}

const command: Command = {
  name: 'devices',
  summary: 'List the modules and their ports (AT, QMI, MBIM), PC/SC card readers, what ModemManager holds, and what --device auto would pick.',
  usage: 'devices [--sysfs-root <dir>]',
  options: {
    'sysfs-root': {
      type: 'string',
      arg: '<dir>',
      description: 'for tests: read <dir> instead of /sys, and udev data, /dev and /proc next to it (<dir>/../run/udev/data, ...) [env LPA_AGENT_SYSFS_ROOT]',
    },
  },
  help: [
    'Reads /sys/bus/usb/devices, /sys/class/tty, /sys/class/usbmisc and /sys/class/wwan, udev\'s',
    'database (/run/udev/data) and /dev/serial/by-id; opens no module port. When pcscd runs, lists its',
    'readers with the ATR of each card and whether an eUICC answers (its EID). The --device column is',
    'the value to give lpa-agent for a port. How auto chooses: see README ("Choosing the device").',
    '',
    'Examples:',
    '  lpa-agent devices',
    '  lpa-agent --json devices',
  ].join('\n'),
  async run({ options, out }) {
    const { detectDevices, autoVerdict } = await import('../../../drivers/detect/index.js');
    const root = str(options, 'sysfs-root');
    const inv = await detectDevices(root !== undefined ? { sysfsRoot: root } : detectOptionsFromEnv());
    const verdict = autoVerdict(inv);
    const auto = verdict.ok
      ? {
          ok: true,
          device: verdict.choice.candidates[0]!.device,
          transport: verdict.choice.candidates[0]!.transport,
          module: verdict.choice.module,
          reason: verdict.choice.reason,
          candidates: verdict.choice.candidates.map((c) => ({ device: c.device, transport: c.transport, why: c.why })),
        }
      : { ok: false, error: verdict.error.toJSON() };
    out.result({ ...inv, auto }, () => devicesText(inv, verdict));
  },
};
export default command;
