/**
 * The virtual module's MBIM services: Basic Connect (device caps, subscriber ready, device
 * services, subscribe list), Microsoft UICC low-level access (ATR, channels, APDUs, reset) and the
 * MBIMEx version exchange. Pure request -> answer functions over the same card as the AT port.
 */
import { CommandType } from '../../mbim/codec.js';
import { buildInfo, InfoReader } from '../../mbim/info.js';
import { BasicConnect, BasicConnectExtensions, MbimStatus, ReadyState, Service, Uicc, subscriberReadyInfo, uiccStatus } from '../../mbim/messages.js';
import { channelApdu, closeCardChannel, openCardChannel } from '../cardChannel.js';
import type { CardCommandResult, VirtualModem } from '../modem.js';
import { mbimDataClass, vendorRadio } from '../radio.js';

/** ATR of the card (a UICC offering T=0; transport-facts 4). */
const ATR = Uint8Array.from(Buffer.from('3B9F96801F878031E073FE211B674A357530350265F8', 'hex'));

export interface MbimState {
  /** Open UICC channels -> channel group. */
  channels: Map<number, number>;
  /** Subscribe list set by the host (service -> CIDs); undefined = the device's default (all). */
  subscriptions: Map<string, Set<number>> | undefined;
  /** Negotiated MBIMEx version, BCD (0x0100 until a host asks for more). */
  mbimex: number;
}

export interface CommandAnswer {
  status: number;
  info: Uint8Array;
  apdus?: { channel: string; apdu: Uint8Array }[];
  responses?: Uint8Array[];
  /** The card saw a command: tell the module once the answer is out. */
  cardCommand?: boolean;
  /** Runs once the answer is out. */
  after?: () => void;
}

const EMPTY = new Uint8Array(0);
const done = (info: Uint8Array = EMPTY): CommandAnswer => ({ status: 0, info });
const failed = (status: number): CommandAnswer => ({ status, info: EMPTY });

/** MBIM status for a card command the module could not run. */
function refusal(r: Exclude<CardCommandResult, { kind: 'response' }>): number {
  const code = r.kind === 'not-ready' ? r.cme : r.failure;
  if (code === 14) return MbimStatus.busy;
  if (code === 13) return MbimStatus.notInitialized;
  if (code === 10) return MbimStatus.simNotInserted;
  return MbimStatus.failure;
}

/** Subscriber ready state as the module reports it now. */
export function readyStateOf(modem: VirtualModem): number {
  if (modem.simState === 'resetting') return ReadyState.notInitialized;
  if (modem.simState === 'off') return ReadyState.failure;
  return modem.card.activeIccid() ? ReadyState.initialized : ReadyState.noEsimProfile;
}

export function subscriberReady(modem: VirtualModem, st: MbimState): Uint8Array {
  const state = readyStateOf(modem);
  const iccid = state === ReadyState.initialized ? (modem.card.activeIccid() ?? '') : '';
  return subscriberReadyInfo(state, iccid ? '001010123456789' : '', iccid, st.mbimex >= 0x0300);
}

function deviceServices(): Uint8Array {
  const element = (uuid: string, cids: number[]): Uint8Array => buildInfo([{ uuid }, { u32: 0 }, { u32: 0 }, { u32: cids.length }, ...cids.map((c) => ({ u32: c }))]);
  const list = [
    element(Service.basicConnect, [BasicConnect.deviceCaps, BasicConnect.subscriberReadyStatus, BasicConnect.deviceServices, BasicConnect.deviceServiceSubscribeList]),
    element(Service.msUiccLowLevelAccess, [Uicc.atr, Uicc.openChannel, Uicc.closeChannel, Uicc.apdu, Uicc.terminalCapability, Uicc.reset]),
    element(Service.msBasicConnectExtensions, [BasicConnectExtensions.version]),
  ];
  return buildInfo([{ u32: list.length }, { u32: 0 }, ...list.map((bytes) => ({ bytes }))]);
}

/** Device Service Subscribe List set: remembered, and echoed as the answer. */
function subscribe(st: MbimState, info: Uint8Array): CommandAnswer {
  const r = new InfoReader(info, 'Device Service Subscribe List');
  const count = r.u32(0, 'EventsCount');
  if (count > 64) return failed(MbimStatus.invalidParameters);
  const subs = new Map<string, Set<number>>();
  for (let i = 0; i < count; i++) {
    const e = new InfoReader(r.bytes(4 + i * 8, 'Events', 4096), 'event entry');
    const n = e.u32(16, 'CidsCount');
    if (n > 256) return failed(MbimStatus.invalidParameters);
    subs.set(e.uuid(0, 'DeviceServiceId'), new Set(Array.from({ length: n }, (_, k) => e.u32(20 + 4 * k, 'Cids'))));
  }
  st.subscriptions = subs;
  return done(info);
}

function basicConnect(modem: VirtualModem, st: MbimState, cid: number, type: number, info: Uint8Array): CommandAnswer {
  const v = modem.vendor;
  switch (cid) {
    case BasicConnect.deviceCaps:
      if (type !== CommandType.query) return failed(MbimStatus.invalidParameters);
      // embedded device, GSM class, no voice, removable/eUICC SIM, the vendor's data classes, SMS, reg. control
      return done(buildInfo([{ u32: 1 }, { u32: 1 }, { u32: 1 }, { u32: 2 }, { u32: mbimDataClass(vendorRadio(v)) }, { u32: 0x3 }, { u32: 1 }, { u32: 8 }, { string: '' }, { string: v.imei }, { string: v.revision }, { string: `${v.manufacturer} ${v.model}` }]));
    case BasicConnect.subscriberReadyStatus:
      return type === CommandType.query ? done(subscriberReady(modem, st)) : failed(MbimStatus.invalidParameters);
    case BasicConnect.deviceServices:
      return type === CommandType.query ? done(deviceServices()) : failed(MbimStatus.invalidParameters);
    case BasicConnect.deviceServiceSubscribeList:
      return type === CommandType.set ? subscribe(st, info) : failed(MbimStatus.invalidParameters);
    default:
      return failed(MbimStatus.noDeviceSupport);
  }
}

function uicc(modem: VirtualModem, st: MbimState, cid: number, type: number, info: Uint8Array): CommandAnswer {
  const r = new InfoReader(info, 'MS UICC low-level access');
  switch (cid) {
    case Uicc.atr:
      return done(buildInfo([{ uiccBytes: ATR }]));
    case Uicc.openChannel: {
      if (type !== CommandType.set) return failed(MbimStatus.invalidParameters);
      const aid = r.uiccBytes(0, 'AppId', 16);
      const group = r.u32(12, 'ChannelGroup');
      if (aid.length < 5) return failed(MbimStatus.invalidParameters);
      const o = openCardChannel(modem, aid);
      if (o.kind === 'refused') return { ...failed(refusal(o.result)), cardCommand: true };
      if (o.kind === 'no-channel') return { ...failed(MbimStatus.msNoLogicalChannels), cardCommand: true };
      if (o.kind === 'select-failed') return { ...failed(MbimStatus.msSelectFailed), cardCommand: true };
      st.channels.set(o.channel, group);
      return { ...done(buildInfo([{ u32: uiccStatus(0x90, 0x00) }, { u32: o.channel }, { uiccBytes: o.selectResponse }])), cardCommand: true };
    }
    case Uicc.closeChannel: {
      if (type !== CommandType.set) return failed(MbimStatus.invalidParameters);
      const ch = r.u32(0, 'Channel');
      if (!st.channels.has(ch)) return failed(MbimStatus.msInvalidLogicalChannel);
      st.channels.delete(ch);
      const c = closeCardChannel(modem, ch);
      return { ...(c.kind === 'response' ? done(buildInfo([{ u32: uiccStatus(c.data[c.data.length - 2]!, c.data[c.data.length - 1]!) }])) : failed(refusal(c))), cardCommand: true };
    }
    case Uicc.apdu: {
      if (type !== CommandType.set) return failed(MbimStatus.invalidParameters);
      const ch = r.u32(0, 'Channel');
      const command = r.uiccBytes(12, 'Command', 261);
      if (command.length < 4) return failed(MbimStatus.invalidParameters);
      if (!st.channels.has(ch)) return failed(MbimStatus.msInvalidLogicalChannel);
      const { apdu, result } = channelApdu(modem, ch, command);
      const apdus = [{ channel: `m${ch}`, apdu }];
      if (result.kind !== 'response') return { ...failed(refusal(result)), apdus, responses: [], cardCommand: true };
      const d = result.data;
      const answer = buildInfo([{ u32: uiccStatus(d[d.length - 2]!, d[d.length - 1]!) }, { uiccBytes: d.subarray(0, d.length - 2) }]);
      return { ...done(answer), apdus, responses: [d], cardCommand: true };
    }
    case Uicc.terminalCapability:
      return done(buildInfo([{ u32: 0 }]));
    case Uicc.reset:
      if (type === CommandType.query) return done(buildInfo([{ u32: 0 }]));
      // pass-through off: the card is reset and taken up normally, once the answer is out
      return { ...done(buildInfo([{ u32: 0 }])), after: () => modem.requestSimReset() };
    default:
      return failed(MbimStatus.noDeviceSupport);
  }
}

/** MBIMEx Version (a query carrying the host's versions): the device settles on at most 3.0. */
function version(st: MbimState, info: Uint8Array): CommandAnswer {
  const r = new InfoReader(info, 'Version');
  const wanted = r.u16(2, 'MbimExtendedVersion');
  st.mbimex = Math.min(Math.max(wanted, 0x0100), 0x0300);
  return done(buildInfo([{ u16: 0x0100 }, { u16: st.mbimex }]));
}

export function handleCommand(modem: VirtualModem, st: MbimState, service: string, cid: number, type: number, info: Uint8Array): CommandAnswer {
  try {
    if (service === Service.basicConnect) return basicConnect(modem, st, cid, type, info);
    if (service === Service.msUiccLowLevelAccess) return uicc(modem, st, cid, type, info);
    if (service === Service.msBasicConnectExtensions && cid === BasicConnectExtensions.version) return version(st, info);
    return failed(MbimStatus.noDeviceSupport);
  } catch {
    // an InfoBuffer that does not parse
    return failed(MbimStatus.invalidParameters);
  }
}
