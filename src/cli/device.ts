import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { ApduChannel, ChannelStats, EuiccTransport, ModemControl, ModuleInfo, TransportKind } from '../apdu/channel.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import { imeiFromModule } from '../ids/imei.js';
import { buildDeviceInfo } from '../lpa/deviceInfo.js';
import { defaultLockPath, LockFile } from '../agent/lock.js';
import { LpaError } from '../errors.js';
import { Es10Client } from '../es10/client.js';
import { DEFAULT_VIRTUAL_STATE, formatDeviceSpec, parseDeviceSpec, type DeviceSpec } from '../../drivers/spec.js';
import type { AutoEvent, OpenedTransport } from '../../drivers/open.js';
import type { AutoChoice, DetectOptions } from '../../drivers/detect/index.js';
import type { Globals } from './globals.js';
import type { Output } from './output.js';

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
  /** Which device this is and how it was chosen (for progress lines and `info`). */
  choice: DeviceChoice;
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
export type DeviceOptions = Pick<Globals, 'device' | 'modem' | 'baudRate' | 'trace'> & Partial<Pick<Globals, 'apduSize' | 'imei' | 'isdrAid'>> & {
  /** Where `device` came from: --device, LPA_AGENT_DEVICE, the config file. */
  deviceFrom?: string;
  /** --lock-file; default: the device's own lock (defaultLockPath). */
  lockFile?: string;
};

/** A path given as a serial port must be a character device (a tty, or the pty link of serve-modem). */
function checkSerialPath(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // missing: the driver says "no such port" with its hints
  }
  if (st.isCharacterDevice()) return;
  const what = st.isDirectory() ? 'a folder' : st.isFile() ? 'a regular file' : st.isSocket() ? 'a socket' : st.isFIFO() ? 'a FIFO' : 'not a device';
  throw new LpaError('PORT_NOT_FOUND', `${path} is not a serial port (it is ${what}); give the module's AT port, e.g. /dev/serial/by-id/...-if02-port0 or /dev/ttyUSB2`, {
    path,
  });
}

/** Takes the lock of the device (one per module, whatever its name): a second agent gets LOCKED. */
export function lockDevice(spec: DeviceSpec, lockFile?: string): LockFile {
  return LockFile.acquire(lockFile ?? defaultLockPath(spec));
}

/** How the device in use was chosen. */
export interface DeviceChoice {
  /** The `--device` value opened (auto resolved), e.g. "qmi:/dev/cdc-wdm0". */
  device: string;
  by: 'given' | 'auto';
  /** "given by --device", or for auto the module and the reason. */
  how: string;
}

/** What the CLI adds to opening: a place for progress lines, and auto's inputs. */
export interface OpenHooks {
  progress?: (step: string, message: string, data?: Record<string, unknown>) => void;
  /** A decision `auto` already made (provision decides first, to lock the chosen port). */
  autoChoice?: AutoChoice;
  detect?: DetectOptions;
}

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
 * Where `auto` looks: the real system, unless LPA_AGENT_SYSFS_ROOT names a fixture tree (tests:
 * <dir> stands for /sys; udev data, /dev and /proc are read next to it).
 */
export function detectOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DetectOptions {
  if (env.LPA_AGENT_SYSFS_ROOT) return { sysfsRoot: env.LPA_AGENT_SYSFS_ROOT };
  // PC/SC readers of the real system (none without pcscd); a fixture tree stands alone
  return { readers: async () => (await import('../../drivers/pcsc/list.js')).readersForDetect() };
}

/** `auto`'s decision without opening anything (throws DEVICE_NOT_FOUND / DEVICE_AMBIGUOUS / PORT_MODEMMANAGER). */
export async function decideAuto(detect: DetectOptions = detectOptionsFromEnv()): Promise<AutoChoice> {
  const { detectDevices, chooseAuto } = await import('../../drivers/detect/index.js');
  return chooseAuto(await detectDevices(detect));
}

/** The progress line of an auto decision or fallback. */
export function autoEventLine(e: AutoEvent): { message: string; data: Record<string, unknown> } {
  if (e.type === 'chosen') {
    const c = e.choice.candidates[0]!;
    return {
      message: `auto: using ${c.device} (${c.transport.toUpperCase()}) of ${e.choice.module}: ${e.choice.reason}`,
      data: { device: c.device, transport: c.transport, module: e.choice.module, reason: e.choice.reason, candidates: e.choice.candidates.map((x) => x.device) },
    };
  }
  return {
    message: `auto: ${e.failed.device} did not open (${e.error.message}); trying ${e.next.device}`,
    data: { failed: e.failed.device, code: e.error.code, next: e.next.device },
  };
}

/**
 * Opens the device named by `--device` (drivers/spec.ts; `auto` when none is given) and a logical
 * channel to the ISD-R, holding the device lock until `close()`: every command that touches a
 * device, every transport (the virtual module included) takes it here, keyed by the device (for
 * `auto`: by the port it chose, decided before locking). `virtual[:<state-file>]` runs the virtual
 * module in-process behind a serialport binding, so the real AT engine, channel and ES10 code paths
 * run exactly as on hardware. `auto` reports its decision (and any fallback) through `hooks.progress`.
 */
export async function openDevice(globals: DeviceOptions, hooks: OpenHooks = {}): Promise<Device> {
  const spec = parseDeviceSpec(globals.device ?? 'auto');
  if (spec.kind === 'at') checkSerialPath(spec.path);
  const detect = hooks.detect ?? detectOptionsFromEnv();
  const autoChoice = spec.kind === 'auto' ? (hooks.autoChoice ?? (await decideAuto(detect))) : undefined;
  const lock = lockDevice(autoChoice ? autoChoice.candidates[0]!.spec : spec, globals.lockFile);
  let transport: OpenedTransport | undefined;
  try {
    const { openTransport } = await import('../../drivers/open.js');
    const memoryOf = (s: DeviceSpec) => {
      const path = channelMemoryPath(s);
      return path !== undefined ? { atChannel: readChannelMemory(path) } : {};
    };
    transport = await openTransport(spec, {
      baudRate: globals.baudRate,
      ...(globals.modem !== undefined ? { modem: globals.modem } : {}),
      ...(globals.trace !== undefined ? { tracePath: globals.trace } : {}),
      ...(globals.isdrAid !== undefined ? { isdrAid: globals.isdrAid } : {}),
      // auto looks here; an AT port ModemManager holds is explained with what is found here
      detect,
      ...(autoChoice
        ? {
            autoChoice,
            onAuto: (e: AutoEvent) => {
              const line = autoEventLine(e);
              hooks.progress?.('device', line.message, line.data);
            },
            optionsFor: memoryOf,
          }
        : memoryOf(spec)),
    });
  } catch (e) {
    lock.release();
    throw e;
  }
  const opened = transport;
  const openedSpec = opened.auto?.opened.spec ?? spec;
  const memory = channelMemoryPath(openedSpec);
  const choice: DeviceChoice = opened.auto
    ? { device: opened.auto.opened.device, by: 'auto', how: `auto: ${opened.auto.choice.module}; ${opened.auto.choice.reason}` }
    : { device: formatDeviceSpec(spec), by: 'given', how: `given by ${globals.deviceFrom ?? '--device'}` };
  const channel = opened.channel;
  try {
    await channel.open();
    writeChannelMemory(memory, (channel as { channelId?: string }).channelId ?? null);
  } catch (e) {
    await opened.close().catch(() => undefined);
    lock.release();
    throw e;
  }
  return {
    label: opened.label,
    kind: opened.kind,
    vendor: opened.vendor,
    es10: new Es10Client(channel, globals.apduSize !== undefined ? { blockSize: globals.apduSize } : {}),
    channel,
    modem: channel,
    transport: opened,
    deviceInfo: () => readDeviceInfo(opened, globals.imei),
    choice,
    stats: () => channel.stats(),
    close: async () => {
      try {
        await opened.close();
        writeChannelMemory(memory, null);
      } finally {
        lock.release();
      }
    },
  };
}

/** Opens the device, runs `fn`, always closes (channel included), and returns fn's result. */
export async function withDevice<T>(globals: DeviceOptions, fn: (d: Device) => Promise<T>, out?: Pick<Output, 'progress'>): Promise<T> {
  const device = await openDevice(globals, out ? { progress: (step, message, data) => out.progress(step, message, data) } : {});
  try {
    return await fn(device);
  } finally {
    await device.close().catch(() => undefined);
  }
}

export { formatDeviceSpec, parseDeviceSpec };
