import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ApduChannel, ChannelStats, ModemControl } from '../apdu/channel.js';
import { defaultLockPath } from '../agent/lock.js';
import { Es10Client } from '../es10/client.js';
import type { Globals } from './globals.js';

/** An opened module: the ES10 client over its ISD-R channel, plus module control for resets. */
export interface Device {
  /** What was opened, for messages: the port path or "virtual (<state file>)". */
  label: string;
  vendor: string;
  es10: Es10Client;
  channel: ApduChannel;
  modem: ModemControl;
  stats(): ChannelStats;
  /** Closes the logical channel (never left open), the port and the trace. */
  close(): Promise<void>;
}

/**
 * Where the agent remembers whether it left a logical channel open on a module: a crashed run's
 * channel is closed first; after a clean run nothing needs closing (no AT+CCHC scan of ids 1..4).
 * Missing file: unknown, so the channel scans.
 */
function channelMemoryPath(device: string, virtualState?: string): string {
  return virtualState ? `${virtualState}.channel` : `${defaultLockPath(device).replace(/\.lock$/, '')}.channel`;
}

function readChannelMemory(path: string): { staleChannelId?: string; staleScanIds?: string[] } {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as { open?: unknown };
    if (typeof m.open === 'string' && /^[0-9A-Fa-f]{1,16}$/.test(m.open)) return { staleChannelId: m.open };
    if (m.open === null) return { staleScanIds: [] };
  } catch {
    // missing or unreadable: scan
  }
  return {};
}

function writeChannelMemory(path: string, open: string | null): void {
  try {
    writeFileSync(path, `${JSON.stringify({ open })}\n`, { mode: 0o600 });
  } catch {
    // only an optimisation
  }
}

/** Default state file of `--device virtual`: in the working directory, so a demo is easy to inspect. */
export const DEFAULT_VIRTUAL_STATE = '.lpa-agent/virtual-euicc.json';

export interface VirtualSpec {
  statePath: string;
}

/** `virtual` or `virtual:<state-file>` -> the state file; anything else is a port path. */
export function parseVirtualDevice(device: string): VirtualSpec | undefined {
  if (device === 'virtual') return { statePath: resolve(DEFAULT_VIRTUAL_STATE) };
  if (device.startsWith('virtual:')) {
    const p = device.slice('virtual:'.length);
    return { statePath: resolve(p === '' ? DEFAULT_VIRTUAL_STATE : p) };
  }
  return undefined;
}

/**
 * Opens the module named by `--device` and a logical channel to the ISD-R.
 * `virtual[:<state-file>]` runs the virtual module in-process behind a serialport binding, so the
 * real AT engine, channel and ES10 code paths run exactly as on hardware.
 */
/** What opening a device needs of the global options. */
export type DeviceOptions = Pick<Globals, 'device' | 'modem' | 'baudRate' | 'trace'>;

export async function openDevice(globals: DeviceOptions): Promise<Device> {
  const { LpaError } = await import('../errors.js');
  if (globals.device === undefined) {
    throw new LpaError('USAGE', 'no device given: use --device <AT port> (e.g. /dev/ttyUSB2) or --device virtual[:<state-file>] (or set LPA_AGENT_DEVICE)');
  }
  const { openAtModem } = await import('../../drivers/at/modem.js');
  const virtual = parseVirtualDevice(globals.device);
  let binding: Parameters<typeof openAtModem>[0]['binding'];
  let dispose: (() => void) | undefined;
  let label = globals.device;
  let path = globals.device;
  if (virtual) {
    mkdirSync(dirname(virtual.statePath), { recursive: true });
    const [{ openVirtualEuicc }, { VirtualModem }, { createVirtualBinding }, { isVendorName, VENDOR_NAMES }] = await Promise.all([
      import('../sim/euicc/index.js'),
      import('../../drivers/virtual/modem.js'),
      import('../../drivers/virtual/binding.js'),
      import('../../drivers/virtual/vendors.js'),
    ]);
    const vendor = globals.modem ?? 'generic';
    if (!isVendorName(vendor)) throw new LpaError('USAGE', `unknown modem vendor "${vendor}" (one of: ${VENDOR_NAMES.join(', ')})`);
    const card = openVirtualEuicc({ statePath: virtual.statePath });
    const modem = new VirtualModem({ card, vendor });
    binding = createVirtualBinding(() => modem);
    dispose = () => modem.dispose();
    label = `virtual (${virtual.statePath})`;
    path = 'virtual';
  }
  const memory = channelMemoryPath(globals.device, virtual?.statePath);
  const opts: Parameters<typeof openAtModem>[0] = { path, baudRate: globals.baudRate, channel: readChannelMemory(memory) };
  if (binding) opts.binding = binding;
  if (globals.modem !== undefined) opts.vendor = globals.modem;
  if (globals.trace !== undefined) opts.tracePath = globals.trace;
  const at = await openAtModem(opts);
  try {
    await at.channel.open();
    writeChannelMemory(memory, at.channel.channelId ?? null);
  } catch (e) {
    await at.close().catch(() => undefined);
    dispose?.();
    throw e;
  }
  return {
    label,
    vendor: at.vendor.name,
    es10: new Es10Client(at.channel),
    channel: at.channel,
    modem: at.channel,
    stats: () => at.channel.stats(),
    close: async () => {
      try {
        await at.close();
        writeChannelMemory(memory, null);
      } finally {
        dispose?.();
      }
    },
  };
}

/** Opens the device, runs `fn`, always closes (channel included), and returns fn's result. */
export async function withDevice<T>(globals: DeviceOptions, fn: (d: Device) => Promise<T>): Promise<T> {
  const device = await openDevice(globals);
  try {
    return await fn(device);
  } finally {
    await device.close().catch(() => undefined);
  }
}
