/**
 * The QMI messages lpa-agent uses (ids and TLV layouts from libqmi's data/qmi-service-*.json;
 * transport-facts 1.2-1.3), as builders for requests and bounded parsers for answers. Shared by
 * the driver and the virtual endpoint.
 */
import type { RadioAccess } from '../../src/apdu/channel.js';
import { LpaError } from '../../src/errors.js';
import { tlv, u16, u8, type QmiTlv } from './codec.js';

export const CTL = {
  getVersionInfo: 0x0021,
  allocateCid: 0x0022,
  releaseCid: 0x0023,
  sync: 0x0027,
  internalProxyOpen: 0xff00,
} as const;

export const UIM = {
  reset: 0x0000,
  registerEvents: 0x002e,
  getCardStatus: 0x002f,
  powerOffSim: 0x0030,
  powerOnSim: 0x0031,
  cardStatusIndication: 0x0032,
  sendApdu: 0x003b,
  logicalChannel: 0x003f,
  openLogicalChannel: 0x0042,
} as const;

export const DMS = {
  getCapabilities: 0x0020,
  getManufacturer: 0x0021,
  getModel: 0x0022,
  getRevision: 0x0023,
  getIds: 0x0025,
  uimGetIccid: 0x003c,
} as const;

/** Register Events mask bit: card status indications. */
export const EVENT_CARD_STATUS = 0x1;

export const CardState = { absent: 0, present: 1, error: 2 } as const;
export const AppState = { unknown: 0, detected: 1, pin1Required: 2, puk1Required: 3, checkPersonalization: 4, pin1Blocked: 5, illegal: 6, ready: 7 } as const;
export const AppType = { unknown: 0, sim: 1, usim: 2, ruim: 3, csim: 4, isim: 5 } as const;

function badAnswer(what: string, problem: string): LpaError {
  return new LpaError('TRANSPORT_BAD_FRAME', `bad QMI ${what} answer: ${problem}`);
}

// ---- requests

export function allocateCidTlvs(service: number): QmiTlv[] {
  return [tlv(0x01, u8(service))];
}

export function releaseCidTlvs(service: number, cid: number): QmiTlv[] {
  return [tlv(0x01, [service, cid])];
}

export function proxyOpenTlvs(path: string): QmiTlv[] {
  return [tlv(0x01, new Uint8Array(Buffer.from(path, 'utf8')))];
}

export function openLogicalChannelTlvs(slot: number, aid: Uint8Array): QmiTlv[] {
  return [tlv(0x01, u8(slot)), tlv(0x10, [aid.length, ...aid])];
}

/** Logical Channel (0x3F) used to open: slot + AID. */
export function legacyOpenChannelTlvs(slot: number, aid: Uint8Array): QmiTlv[] {
  return [tlv(0x01, u8(slot)), tlv(0x10, [aid.length, ...aid])];
}

/** Logical Channel (0x3F) used to close: slot + channel id. */
export function closeChannelTlvs(slot: number, channel: number): QmiTlv[] {
  return [tlv(0x01, u8(slot)), tlv(0x11, u8(channel))];
}

export function sendApduTlvs(slot: number, channel: number, apdu: Uint8Array): QmiTlv[] {
  const body = new Uint8Array(2 + apdu.length);
  body.set(u16(apdu.length));
  body.set(apdu, 2);
  return [tlv(0x01, u8(slot)), tlv(0x02, body), tlv(0x10, u8(channel))];
}

export function slotTlvs(slot: number): QmiTlv[] {
  return [tlv(0x01, u8(slot))];
}

export function registerEventsTlvs(mask: number): QmiTlv[] {
  return [tlv(0x01, [mask & 0xff, (mask >>> 8) & 0xff, (mask >>> 16) & 0xff, (mask >>> 24) & 0xff])];
}

// ---- answers

/** Allocate/Release CID answer TLV 0x01: {service, cid}. */
export function parseCidInfo(v: Uint8Array | undefined): { service: number; cid: number } {
  if (!v || v.length < 2) throw badAnswer('Allocate CID', 'no allocation info');
  return { service: v[0]!, cid: v[1]! };
}

/** Open Logical Channel / Logical Channel answer: channel id, card result SW, select response. */
export interface ChannelAnswer {
  channel?: number;
  sw?: number;
  selectResponse?: Uint8Array;
}

export function parseChannelAnswer(tlvs: QmiTlv[]): ChannelAnswer {
  const out: ChannelAnswer = {};
  for (const t of tlvs) {
    if (t.type === 0x10 && t.value.length >= 1) out.channel = t.value[0]!;
    else if (t.type === 0x11 && t.value.length >= 2) out.sw = (t.value[0]! << 8) | t.value[1]!;
    else if (t.type === 0x12 && t.value.length >= 1) {
      const n = t.value[0]!;
      if (1 + n > t.value.length) throw badAnswer('Open Logical Channel', `select response claims ${n} bytes, ${t.value.length - 1} present`);
      out.selectResponse = t.value.slice(1, 1 + n);
    }
  }
  return out;
}

/** Send APDU answer TLV 0x10: {u16 length, R-APDU with SW1 SW2}. */
export function parseApduResponse(v: Uint8Array | undefined): Uint8Array {
  if (!v || v.length < 2) throw badAnswer('Send APDU', 'no APDU response');
  const n = v[0]! | (v[1]! << 8);
  if (n + 2 > v.length) throw badAnswer('Send APDU', `response claims ${n} bytes, ${v.length - 2} present`);
  if (n < 2) throw badAnswer('Send APDU', `response of ${n} bytes has no status word`);
  return v.slice(2, 2 + n);
}

/** QMI DMS radio interface -> the access technology deviceInfo names. */
const RADIO: Record<number, RadioAccess> = { 4: 'gsm', 5: 'utran', 9: 'utran', 8: 'eutran', 10: 'nr' };

/** Radio interfaces of DMS Get Capabilities (TLV 0x01: tx u32, rx u32, data u8, SIM u8, u8 n, n x u8). */
export function parseRadioInterfaces(v: Uint8Array | undefined): RadioAccess[] {
  if (!v || v.length < 11) return [];
  const n = v[10]!;
  const out = new Set<RadioAccess>();
  for (let i = 0; i < n && 11 + i < v.length; i++) {
    const r = RADIO[v[11 + i]!];
    if (r) out.add(r);
  }
  return [...out];
}

/** A whole-TLV string (no length prefix, no NUL); printable ASCII kept, at most 128 characters. */
export function parseQmiString(v: Uint8Array | undefined): string | undefined {
  if (!v || v.length === 0) return undefined;
  const text = Buffer.from(v.subarray(0, 128)).toString('latin1').replace(/\0+$/, '');
  const clean = text.replace(/[^\x20-\x7e]/g, '?').trim();
  return clean === '' ? undefined : clean;
}

export interface CardApp {
  type: number;
  state: number;
  aid: Uint8Array;
}

export interface CardInfo {
  cardState: number;
  errorCode: number;
  apps: CardApp[];
}

export interface CardStatus {
  cards: CardInfo[];
}

/** Card status TLV 0x10 (Get Card Status answer and indication), bounded. */
export function parseCardStatus(v: Uint8Array | undefined): CardStatus {
  if (!v) throw badAnswer('Get Card Status', 'no card status');
  let p = 8;
  const need = (n: number, what: string): void => {
    if (p + n > v.length) throw badAnswer('Get Card Status', `${what} cut short at byte ${p}`);
  };
  need(1, 'card count');
  const nCards = v[p++]!;
  if (nCards > 8) throw badAnswer('Get Card Status', `${nCards} cards`);
  const cards: CardInfo[] = [];
  for (let c = 0; c < nCards; c++) {
    need(6, 'card');
    const cardState = v[p]!;
    const errorCode = v[p + 4]!;
    const nApps = v[p + 5]!;
    p += 6;
    if (nApps > 16) throw badAnswer('Get Card Status', `${nApps} applications`);
    const apps: CardApp[] = [];
    for (let a = 0; a < nApps; a++) {
      need(7, 'application');
      const type = v[p]!;
      const state = v[p + 1]!;
      const aidLen = v[p + 6]!;
      p += 7;
      need(aidLen + 7, 'application');
      apps.push({ type, state, aid: v.slice(p, p + aidLen) });
      p += aidLen + 7;
    }
    cards.push({ cardState, errorCode, apps });
  }
  return { cards };
}

/** Card status TLV 0x10 for the virtual endpoint: one card in slot 1. */
export function encodeCardStatus(card: CardInfo | undefined): Uint8Array {
  const bytes: number[] = [];
  const usim = card?.apps.findIndex((a) => a.type === AppType.usim) ?? -1;
  // GW primary index: card 0, application `usim`
  bytes.push(...u16(usim >= 0 ? usim : 0xffff), ...u16(0xffff), ...u16(0xffff), ...u16(0xffff));
  if (!card) {
    bytes.push(0);
    return Uint8Array.from(bytes);
  }
  bytes.push(1, card.cardState, 3, 3, 10, card.errorCode, card.apps.length);
  // PIN1/PIN2 disabled (state 3), 3 PIN and 10 PUK retries
  for (const a of card.apps) bytes.push(a.type, a.state, 0, 0, 0, 0, a.aid.length, ...a.aid, 0, 3, 3, 10, 3, 3, 10);
  return Uint8Array.from(bytes);
}

/**
 * Whether the card in `slot` (1-based) is usable for ISD-R work: present, and no application
 * still being detected. A PIN-locked USIM does not stop the ISD-R, so it counts as ready.
 */
export function cardReady(status: CardStatus, slot: number): { ready: boolean; why: string } {
  const card = status.cards[slot - 1];
  if (!card) return { ready: false, why: `no card in slot ${slot}` };
  if (card.cardState === CardState.absent) return { ready: false, why: 'card absent' };
  if (card.cardState !== CardState.present) return { ready: false, why: `card error ${card.errorCode}` };
  const busy = card.apps.find((a) => a.state === AppState.unknown || a.state === AppState.detected);
  if (busy) return { ready: false, why: 'application still initialising' };
  return { ready: true, why: 'ready' };
}
