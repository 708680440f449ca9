/**
 * The MBIM services and commands lpa-agent uses (UUIDs, CIDs and layouts from libmbim's
 * data/mbim-service-*.json and mbim-uuid.c; transport-facts 2.2-2.5): builders for requests and
 * bounded parsers for answers, shared by the driver and the virtual endpoint.
 */
import type { RadioAccess } from '../../src/apdu/channel.js';
import { LpaError } from '../../src/errors.js';
import { buildInfo, InfoReader } from './info.js';

export const Service = {
  basicConnect: 'a289cc33-bcbb-8b4f-b6b0-133ec2aae6df',
  msUiccLowLevelAccess: 'c2f6588e-f037-4bc9-8665-f4d44bd09367',
  proxyControl: '838cf7fb-8d0d-4d7f-871e-d71dbefbb39b',
  msBasicConnectExtensions: '3d01dcc5-fef5-4d05-0d3a-bef7058e9aaf',
} as const;

export const BasicConnect = { deviceCaps: 1, subscriberReadyStatus: 2, deviceServices: 16, deviceServiceSubscribeList: 19 } as const;
export const Uicc = { atr: 1, openChannel: 2, closeChannel: 3, apdu: 4, terminalCapability: 5, reset: 6, applicationList: 7 } as const;
export const ProxyControl = { configuration: 1, version: 2 } as const;
export const BasicConnectExtensions = { version: 15 } as const;

export const MbimStatus = {
  success: 0,
  busy: 1,
  failure: 2,
  simNotInserted: 3,
  badSim: 4,
  noDeviceSupport: 9,
  notInitialized: 14,
  invalidParameters: 21,
  msNoLogicalChannels: 0x87430001,
  msSelectFailed: 0x87430002,
  msInvalidLogicalChannel: 0x87430003,
} as const;

const STATUS_NAMES: Record<number, string> = {
  0: 'None',
  1: 'Busy',
  2: 'Failure',
  3: 'SimNotInserted',
  4: 'BadSim',
  5: 'PinRequired',
  9: 'NoDeviceSupport',
  14: 'NotInitialized',
  20: 'RadioPowerOff',
  21: 'InvalidParameters',
  0x87430001: 'MsNoLogicalChannels',
  0x87430002: 'MsSelectFailed',
  0x87430003: 'MsInvalidLogicalChannel',
};

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `status 0x${status.toString(16)}`;
}

/** The SIM is restarting or not there (the command did not reach the card). */
export function isSimNotReadyStatus(status: number): boolean {
  return status === MbimStatus.busy || status === MbimStatus.notInitialized || status === MbimStatus.simNotInserted || status === MbimStatus.badSim;
}

export function mbimFailure(what: string, status: number): LpaError {
  return new LpaError('MBIM_ERROR', `${what} failed: MBIM ${statusName(status)} (0x${status.toString(16)})`, { mbimStatus: status, mbimStatusName: statusName(status) });
}

/** The MBIM status an LpaError carries, if it is an MBIM_ERROR. */
export function mbimStatusOf(e: unknown): number | undefined {
  return e instanceof LpaError && e.code === 'MBIM_ERROR' && typeof e.details.mbimStatus === 'number' ? e.details.mbimStatus : undefined;
}

// ---- MS UICC low-level access

export function openChannelInfo(aid: Uint8Array, selectP2: number, channelGroup: number): Uint8Array {
  return buildInfo([{ uiccBytes: aid }, { u32: selectP2 }, { u32: channelGroup }]);
}

export function closeChannelInfo(channel: number, channelGroup: number): Uint8Array {
  return buildInfo([{ u32: channel }, { u32: channelGroup }]);
}

export function apduInfo(channel: number, secureMessaging: number, classByteType: number, command: Uint8Array): Uint8Array {
  return buildInfo([{ u32: channel }, { u32: secureMessaging }, { u32: classByteType }, { uiccBytes: command }]);
}

/** UICC RESET set: PassThroughAction 0 = reset the card and process it normally. */
export function resetInfo(passThroughAction: number): Uint8Array {
  return buildInfo([{ u32: passThroughAction }]);
}

/** SW1 SW2 of a UICC status (SW1 in bits 0-7, SW2 in bits 8-15); 0 counts as 9000. */
export function uiccSw(status: number): [number, number] {
  if (status === 0) return [0x90, 0x00];
  return [status & 0xff, (status >>> 8) & 0xff];
}

/** The UICC status for SW1 SW2. */
export function uiccStatus(sw1: number, sw2: number): number {
  return sw1 | (sw2 << 8);
}

export function parseOpenChannel(info: Uint8Array): { status: number; channel: number; response: Uint8Array } {
  const r = new InfoReader(info, 'UICC Open Channel answer');
  return { status: r.u32(0, 'Status'), channel: r.u32(4, 'Channel'), response: r.uiccBytes(8, 'Response', 1024) };
}

export function parseApdu(info: Uint8Array): { status: number; response: Uint8Array } {
  const r = new InfoReader(info, 'UICC APDU answer');
  return { status: r.u32(0, 'Status'), response: r.uiccBytes(4, 'Response', 4096) };
}

export function parseCloseChannel(info: Uint8Array): { status: number } {
  return { status: new InfoReader(info, 'UICC Close Channel answer').u32(0, 'Status') };
}

// ---- Basic Connect

export const ReadyState = { notInitialized: 0, initialized: 1, simNotInserted: 2, badSim: 3, failure: 4, notActivated: 5, deviceLocked: 6, noEsimProfile: 7 } as const;

/** Ready states with a card the ISD-R can be reached on. */
export function isCardReady(state: number): boolean {
  return state === ReadyState.initialized || state === ReadyState.notActivated || state === ReadyState.deviceLocked || state === ReadyState.noEsimProfile;
}

/**
 * Subscriber Ready Status answer or notification. ReadyState leads both layouts; MBIMEx v3 puts a
 * Flags word after it, which moves the strings.
 */
export function parseSubscriberReady(info: Uint8Array, v3: boolean): { readyState: number; iccid?: string } {
  const r = new InfoReader(info, 'Subscriber Ready Status');
  const readyState = r.u32(0, 'ReadyState');
  let iccid: string | undefined;
  try {
    iccid = r.string(v3 ? 16 : 12, 'SimIccId') || undefined;
  } catch {
    iccid = undefined;
  }
  return iccid ? { readyState, iccid } : { readyState };
}

export function subscriberReadyInfo(readyState: number, subscriberId: string, iccid: string, v3: boolean): Uint8Array {
  return buildInfo([{ u32: readyState }, ...(v3 ? [{ u32: 0 }] : []), { string: subscriberId }, { string: iccid }, { u32: 0 }, { u32: 0 }]);
}

/** Radio access technologies of a Device Caps DataClass (GPRS/EDGE, UMTS/HSPA, LTE, 5G NSA/SA). */
export function radioOfDataClass(dataClass: number): RadioAccess[] {
  const out: RadioAccess[] = [];
  if (dataClass & 0x03) out.push('gsm');
  if (dataClass & 0x1c) out.push('utran');
  if (dataClass & 0x20) out.push('eutran');
  if (dataClass & 0xc0) out.push('nr');
  return out;
}

/** Device Caps answer (Basic Connect, MBIM 1.0 layout): DataClass and the strings after the eight words. */
export function parseDeviceCaps(info: Uint8Array): { deviceId?: string; firmware?: string; hardware?: string; radioAccess: RadioAccess[] } {
  const r = new InfoReader(info, 'Device Caps');
  const s = (off: number, f: string): string | undefined => r.string(off, f).trim() || undefined;
  const out: { deviceId?: string; firmware?: string; hardware?: string; radioAccess: RadioAccess[] } = { radioAccess: radioOfDataClass(r.u32(16, 'DataClass')) };
  const deviceId = s(40, 'DeviceId');
  const firmware = s(48, 'FirmwareInfo');
  const hardware = s(56, 'HardwareInfo');
  if (deviceId) out.deviceId = deviceId;
  if (firmware) out.firmware = firmware;
  if (hardware) out.hardware = hardware;
  return out;
}

// ---- mbim-proxy

/** Proxy Control Configuration set: the device path and the proxy's open timeout (s). */
export function proxyConfigInfo(path: string, timeoutSec: number): Uint8Array {
  return buildInfo([{ string: path }, { u32: timeoutSec }]);
}

/** Proxy Control Version notification: MBIM and MBIMEx versions as BCD (0x0100, 0x0300). */
export function parseProxyVersion(info: Uint8Array): { mbimVersion: number; extendedVersion: number } {
  const r = new InfoReader(info, 'Proxy Control Version');
  return { mbimVersion: r.u16(0, 'MbimVersion'), extendedVersion: r.u16(2, 'MbimExtendedVersion') };
}
