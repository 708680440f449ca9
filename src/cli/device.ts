import { readFileSync, writeFileSync } from 'node:fs';
import type { ApduChannel, ChannelStats, EuiccTransport, ModemControl, ModuleInfo, TransportKind } from '../apdu/channel.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import { imeiFromModule } from '../ids/imei.js';
import { buildDeviceInfo } from '../lpa/deviceInfo.js';
import { defaultLockPath } from '../agent/lock.js';
import { Es10Client } from '../es10/client.js';
import { DEFAULT_VIRTUAL_STATE, formatDeviceSpec, parseDeviceSpec, type DeviceSpec } from '../../drivers/spec.js';
import type { Globals } from './globals.js';

export { DEFAULT_VIRTUAL_STATE };

/** An opened module: the ES10 client over its ISD-R channel, plus module control for resets. */
export interface Device {
  /** What was opened, for messages: the port path, "qmi:/dev/cdc-wdm0 (via qmi-proxy)", "virtual (<state file>)". */
  label: string;
  kind: TransportKind;
  vendor: string;
  es10: Es10Client;
  channel: ApduChannel;
  modem: ModemControl;
  transport: EuiccTransport;
  /** ctxParams1.deviceInfo for this device: `--imei` or the module's IMEI, the module's radio technologies. */
  deviceInfo(): Promise<DeviceInfo>;
  stats(): ChannelStats;
  /** Closes the logical channel (never left open), the port and the trace. */
  close(): Promise<void>;
}

/**
 * Where the agent remembers whether it left a logical channel open on an AT module: a crashed
 * run's channel is closed first; after a clean run nothing needs closing (no AT+CCHC scan of ids
 * 1..4). Missing file: unknown, so the channel scans.
 */
function channelMemoryPath(spec: DeviceSpec): string | undefined {
  if (spec.kind === 'virtual') return `${spec.statePath}.channel`;
  if (spec.kind === 'at') return `${defaultLockPath(spec.path).replace(/\.lock$/, '')}.channel`;
  return undefined;
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

function writeChannelMemory(path: string | undefined, open: string | null): void {
  if (path === undefined) return;
  try {
    writeFileSync(path, `${JSON.stringify({ open })}\n`, { mode: 0o600 });
  } catch {
    // only an optimisation
  }
}

export interface VirtualSpec {
  statePath: string;
}

/** `virtual` or `virtual:<state-file>` -> the state file; anything else is not virtual. */
export function parseVirtualDevice(device: string): VirtualSpec | undefined {
  const spec = parseDeviceSpec(device);
  return spec.kind === 'virtual' ? { statePath: spec.statePath } : undefined;
}

/** What opening a device needs of the global options. */
export type DeviceOptions = Pick<Globals, 'device' | 'modem' | 'baudRate' | 'trace'> & Partial<Pick<Globals, 'apduSize' | 'imei'>>;

/** deviceInfo from what the transport reports (IMEI, radio access), `imei` overriding the IMEI. */
export async function readDeviceInfo(transport: EuiccTransport, imei: string | undefined): Promise<DeviceInfo> {
  const fields: (keyof ModuleInfo)[] = imei ? ['radioAccess', 'release'] : ['imei', 'radioAccess', 'release'];
  let info: ModuleInfo = {};
  try {
    info = (await transport.moduleInfo?.(fields)) ?? {};
  } catch {
    // the module's identity is a nicety: the defaults stand in
  }
  const moduleImei = imeiFromModule(info.imei);
  return buildDeviceInfo({
    ...(imei ?? moduleImei ? { imei: imei ?? moduleImei } : {}),
    ...(info.radioAccess ? { radioAccess: info.radioAccess } : {}),
    ...(info.release !== undefined ? { release: info.release } : {}),
  });
}

/**
 * Opens the device named by `--device` (drivers/spec.ts) and a logical channel to the ISD-R.
 * `virtual[:<state-file>]` runs the virtual module in-process behind a serialport binding, so the
 * real AT engine, channel and ES10 code paths run exactly as on hardware.
 */
export async function openDevice(globals: DeviceOptions): Promise<Device> {
  const { LpaError } = await import('../errors.js');
  if (globals.device === undefined) {
    throw new LpaError('USAGE', 'no device given: use --device <AT port> (e.g. /dev/ttyUSB2) or --device virtual[:<state-file>] (or set LPA_AGENT_DEVICE)');
  }
  const spec = parseDeviceSpec(globals.device);
  const { openTransport } = await import('../../drivers/open.js');
  const memory = channelMemoryPath(spec);
  const transport = await openTransport(spec, {
    baudRate: globals.baudRate,
    ...(globals.modem !== undefined ? { modem: globals.modem } : {}),
    ...(globals.trace !== undefined ? { tracePath: globals.trace } : {}),
    ...(memory !== undefined ? { atChannel: readChannelMemory(memory) } : {}),
  });
  const channel = transport.channel;
  try {
    await channel.open();
    writeChannelMemory(memory, (channel as { channelId?: string }).channelId ?? null);
  } catch (e) {
    await transport.close().catch(() => undefined);
    throw e;
  }
  return {
    label: transport.label,
    kind: transport.kind,
    vendor: transport.vendor,
    es10: new Es10Client(channel, globals.apduSize !== undefined ? { blockSize: globals.apduSize } : {}),
    channel,
    modem: channel,
    transport,
    deviceInfo: () => readDeviceInfo(transport, globals.imei),
    stats: () => channel.stats(),
    close: async () => {
      await transport.close();
      writeChannelMemory(memory, null);
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

export { formatDeviceSpec, parseDeviceSpec };
