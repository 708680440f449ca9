/**
 * The virtual module's UIM and DMS services over QMI: card status (and its indications), logical
 * channels and APDUs to the same card the AT port reaches (`VirtualModem.cardCommand`), SIM power,
 * and the identity strings. Pure request -> answer functions; the endpoint owns framing and timing.
 */
import { QmiError } from '../../qmi/errors.js';
import { tlv, u16, u32, u8, findTlv, type QmiMessage, type QmiTlv } from '../../qmi/codec.js';
import { AppState, AppType, CardState, DMS, UIM, encodeCardStatus, type CardInfo } from '../../qmi/messages.js';
import type { CardCommandResult, VirtualModem } from '../modem.js';
import { qmiRadioInterfaces, vendorRadio } from '../radio.js';
import { channelApdu, closeCardChannel, openCardChannel } from '../cardChannel.js';
import type { InjectedFailure } from '../quirks.js';

/** USIM AID the card status shows for the enabled profile. */
const USIM_AID = Uint8Array.from(Buffer.from('A0000000871002FFFFFFFF89', 'hex'));

/** What a handler answers: result (0 = success, else a QMI error) and TLVs; APDUs for the link model. */
export interface ServiceAnswer {
  error: number;
  tlvs: QmiTlv[];
  apdus?: { channel: string; apdu: Uint8Array }[];
  responses?: Uint8Array[];
  /** The answer carried a card command: tell the module once it is sent. */
  cardCommand?: boolean;
}

/** Per-endpoint UIM state: channels the module opened on the card, event registrations. */
export interface UimState {
  /** Logical channel -> owning client id. */
  channels: Map<number, number>;
  /** Client id -> Register Events mask. */
  events: Map<number, number>;
}

export function ok(tlvs: QmiTlv[] = []): ServiceAnswer {
  return { error: 0, tlvs };
}
export function fail(error: number, tlvs: QmiTlv[] = []): ServiceAnswer {
  return { error, tlvs };
}

/** QMI error for a card command the module could not run. */
export function qmiErrorFor(r: Exclude<CardCommandResult, { kind: 'response' }>): number {
  const code: InjectedFailure = r.kind === 'not-ready' ? r.cme : r.failure;
  if (code === 14) return QmiError.deviceNotReady;
  if (code === 13) return QmiError.uimUninitialized;
  if (code === 10) return QmiError.noSim;
  return QmiError.internal;
}

/** Card status as the module reports it now. */
export function cardInfo(modem: VirtualModem): CardInfo {
  const sim = modem.simState;
  if (sim === 'off') return { cardState: CardState.error, errorCode: 1, apps: [] };
  if (sim === 'resetting') return { cardState: CardState.present, errorCode: 0, apps: [{ type: AppType.usim, state: AppState.detected, aid: USIM_AID }] };
  const active = modem.card.activeIccid() !== undefined;
  return { cardState: CardState.present, errorCode: 0, apps: active ? [{ type: AppType.usim, state: AppState.ready, aid: USIM_AID }] : [] };
}

/** Open Logical Channel: MANAGE CHANNEL + SELECT by AID, as a module does. */
function openChannel(modem: VirtualModem, st: UimState, cid: number, aidTlv: Uint8Array | undefined): ServiceAnswer {
  if (!aidTlv || aidTlv.length < 1 || aidTlv[0]! + 1 > aidTlv.length || aidTlv[0]! < 5 || aidTlv[0]! > 16) return fail(QmiError.invalidArgument);
  const r = openCardChannel(modem, aidTlv.subarray(1, 1 + aidTlv[0]!));
  if (r.kind === 'refused') return { ...fail(qmiErrorFor(r.result)), cardCommand: true };
  if (r.kind === 'no-channel') return { ...fail(QmiError.insufficientResources), cardCommand: true };
  if (r.kind === 'select-failed') return { ...fail(r.sw === 0x6a82 ? QmiError.simFileNotFound : QmiError.internal, [tlv(0x11, [r.sw >> 8, r.sw & 0xff])]), cardCommand: true };
  st.channels.set(r.channel, cid);
  const fci = r.selectResponse.subarray(0, 255);
  return { ...ok([tlv(0x10, u8(r.channel)), tlv(0x11, [0x90, 0x00]), tlv(0x12, [fci.length, ...fci])]), cardCommand: true };
}

function closeChannel(modem: VirtualModem, st: UimState, ch: number): ServiceAnswer {
  if (!st.channels.has(ch)) return fail(QmiError.invalidArgument);
  st.channels.delete(ch);
  const r = closeCardChannel(modem, ch);
  return { ...(r.kind === 'response' ? ok() : fail(qmiErrorFor(r))), cardCommand: true };
}

function sendApdu(modem: VirtualModem, st: UimState, m: QmiMessage): ServiceAnswer {
  const raw = findTlv(m, 0x02);
  const chTlv = findTlv(m, 0x10);
  if (!raw || raw.length < 2) return fail(QmiError.invalidArgument);
  const n = raw[0]! | (raw[1]! << 8);
  if (n + 2 !== raw.length || n < 4 || n > 261) return fail(QmiError.invalidArgument);
  const ch = chTlv && chTlv.length >= 1 ? chTlv[0]! : 0;
  if (ch !== 0 && !st.channels.has(ch)) return fail(QmiError.invalidArgument);
  const { apdu, result: r } = channelApdu(modem, ch, raw.subarray(2));
  const apdus = [{ channel: `q${ch}`, apdu }];
  if (r.kind !== 'response') return { ...fail(qmiErrorFor(r)), apdus, responses: [], cardCommand: true };
  return { ...ok([tlv(0x10, [...u16(r.data.length), ...r.data])]), apdus, responses: [r.data], cardCommand: true };
}

function slotOk(m: QmiMessage): boolean {
  const s = findTlv(m, 0x01);
  return !!s && s.length >= 1 && s[0] === 1;
}

export function handleUim(modem: VirtualModem, st: UimState, m: QmiMessage): ServiceAnswer {
  switch (m.messageId) {
    case UIM.reset:
      st.events.delete(m.clientId);
      return ok();
    case UIM.registerEvents: {
      const v = findTlv(m, 0x01);
      if (!v || v.length < 4) return fail(QmiError.invalidArgument);
      const mask = (v[0]! | (v[1]! << 8) | (v[2]! << 16) | (v[3]! << 24)) & 0x1;
      st.events.set(m.clientId, mask);
      return ok([tlv(0x10, u32(mask))]);
    }
    case UIM.getCardStatus:
      return ok([tlv(0x10, encodeCardStatus(cardInfo(modem)))]);
    case UIM.powerOffSim:
    case UIM.powerOnSim:
      if (!slotOk(m)) return fail(QmiError.invalidArgument);
      modem.setSimPower(m.messageId === UIM.powerOnSim);
      return ok();
    case UIM.openLogicalChannel:
      if (!slotOk(m)) return fail(QmiError.invalidArgument);
      return openChannel(modem, st, m.clientId, findTlv(m, 0x10));
    case UIM.logicalChannel: {
      if (!slotOk(m)) return fail(QmiError.invalidArgument);
      const ch = findTlv(m, 0x11);
      if (ch && ch.length >= 1) return closeChannel(modem, st, ch[0]!);
      return openChannel(modem, st, m.clientId, findTlv(m, 0x10));
    }
    case UIM.sendApdu:
      if (!slotOk(m)) return fail(QmiError.invalidArgument);
      return sendApdu(modem, st, m);
    default:
      return fail(QmiError.invalidQmiCommand);
  }
}

function text(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

export function handleDms(modem: VirtualModem, m: QmiMessage): ServiceAnswer {
  const v = modem.vendor;
  switch (m.messageId) {
    case DMS.getCapabilities: {
      // 50 / 150 Mbit/s, circuit and packet data, SIM supported, the vendor's radio interfaces
      const radio = qmiRadioInterfaces(vendorRadio(v));
      return ok([tlv(0x01, [...u32(50_000_000), ...u32(150_000_000), 3, 2, radio.length, ...radio])]);
    }
    case DMS.getManufacturer:
      return ok([tlv(0x01, text(v.manufacturer))]);
    case DMS.getModel:
      return ok([tlv(0x01, text(v.model))]);
    case DMS.getRevision:
      return ok([tlv(0x01, text(v.revision))]);
    case DMS.getIds:
      return ok([tlv(0x10, text('0')), tlv(0x11, text(v.imei))]);
    case DMS.uimGetIccid: {
      if (modem.simState !== 'ready') return fail(QmiError.uimUninitialized);
      const iccid = modem.card.activeIccid();
      return iccid ? ok([tlv(0x01, text(iccid))]) : fail(QmiError.simFileNotFound);
    }
    default:
      return fail(QmiError.invalidQmiCommand);
  }
}
