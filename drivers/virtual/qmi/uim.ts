/**
 * The virtual module's UIM and DMS services over QMI: card status (and its indications), logical
 * channels and APDUs to the same card the AT port reaches (`VirtualModem.cardCommand`), SIM power,
 * and the identity strings. Pure request -> answer functions; the endpoint owns framing and timing.
 */
import { QmiError } from '../../qmi/errors.js';
import { tlv, u16, u32, u8, findTlv, type QmiMessage, type QmiTlv } from '../../qmi/codec.js';
import { AppState, AppType, CardState, DMS, UIM, encodeCardStatus, type CardInfo } from '../../qmi/messages.js';
import type { CardCommandResult, VirtualModem } from '../modem.js';
import { claForChannel } from '../simCommands.js';
import type { InjectedFailure } from '../quirks.js';

/** USIM AID the card status shows for the enabled profile. */
const USIM_AID = Uint8Array.from(Buffer.from('A0000000871002FFFFFFFF89', 'hex'));
const MAX_GET_RESPONSE_ROUNDS = 16;

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

function sw(r: Uint8Array): number {
  return (r[r.length - 2]! << 8) | r[r.length - 1]!;
}

/** MANAGE CHANNEL + SELECT by AID, as a module does for Open Logical Channel. */
function openChannel(modem: VirtualModem, st: UimState, cid: number, aidTlv: Uint8Array | undefined): ServiceAnswer {
  if (!aidTlv || aidTlv.length < 1 || aidTlv[0]! + 1 > aidTlv.length || aidTlv[0]! < 5 || aidTlv[0]! > 16) return fail(QmiError.invalidArgument);
  const aid = aidTlv.subarray(1, 1 + aidTlv[0]!);
  const open = modem.cardCommand(Uint8Array.of(0x00, 0x70, 0x00, 0x00, 0x01));
  if (open.kind !== 'response') return { ...fail(qmiErrorFor(open)), cardCommand: true };
  if (open.data.length !== 3 || sw(open.data) !== 0x9000) return { ...fail(QmiError.insufficientResources), cardCommand: true };
  const ch = open.data[0]!;
  let sel = modem.cardCommand(Uint8Array.of(claForChannel(0x00, ch), 0xa4, 0x04, 0x00, aid.length, ...aid));
  const body: number[] = [];
  for (let i = 0; sel.kind === 'response' && sel.data[sel.data.length - 2] === 0x61 && i < MAX_GET_RESPONSE_ROUNDS; i++) {
    body.push(...sel.data.subarray(0, sel.data.length - 2));
    sel = modem.cardCommand(Uint8Array.of(claForChannel(0x00, ch), 0xc0, 0x00, 0x00, sel.data[sel.data.length - 1]!));
  }
  if (sel.kind !== 'response' || sw(sel.data) !== 0x9000) {
    modem.cardCommand(Uint8Array.of(0x00, 0x70, 0x80, ch, 0x00));
    if (sel.kind !== 'response') return { ...fail(qmiErrorFor(sel)), cardCommand: true };
    return { ...fail(sw(sel.data) === 0x6a82 ? QmiError.simFileNotFound : QmiError.internal, [tlv(0x11, [sel.data[sel.data.length - 2]!, sel.data[sel.data.length - 1]!])]), cardCommand: true };
  }
  body.push(...sel.data.subarray(0, sel.data.length - 2));
  st.channels.set(ch, cid);
  const fci = body.slice(0, 255);
  return { ...ok([tlv(0x10, u8(ch)), tlv(0x11, [0x90, 0x00]), tlv(0x12, [fci.length, ...fci])]), cardCommand: true };
}

function closeChannel(modem: VirtualModem, st: UimState, ch: number): ServiceAnswer {
  if (!st.channels.has(ch)) return fail(QmiError.invalidArgument);
  st.channels.delete(ch);
  const r = modem.cardCommand(Uint8Array.of(0x00, 0x70, 0x80, ch, 0x00));
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
  const apdu = raw.slice(2);
  apdu[0] = claForChannel(apdu[0]!, ch);
  const r = modem.cardCommand(apdu);
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
