import { isHex, toHex } from '../../src/util/hex.js';
import type { AtCommand } from './lines.js';
import { answer, cme, ERROR, OK, SILENT, type Answer, type ModemState } from './state.js';

/**
 * The module's side of the eUICC commands: +CCHO / +CGLA / +CCHC (logical channels owned by the
 * module), +CSIM (raw APDUs, the card sees the CLA as sent) and +CRSM READ BINARY of EF_ICCID.
 */

/** CME number for a logical-channel operation the module refuses (no channel, unknown session, SELECT failed). */
export const CME_NOT_ALLOWED = 3;
/** Longest short APDU: 5 header bytes + 255 data + Le. */
const MAX_APDU = 261;
const MAX_GET_RESPONSE_ROUNDS = 16;

/** Class byte for `cla` moved to logical channel `ch` (ISO 7816-4 first / further interindustry). */
export function claForChannel(cla: number, ch: number): number {
  const proprietary = cla & 0x80;
  const chaining = cla & 0x10;
  const secure = cla & 0x40 ? (cla & 0x20) !== 0 : (cla & 0x0c) !== 0;
  if (ch <= 3) return proprietary | chaining | (secure ? 0x0c : 0) | ch;
  return proprietary | 0x40 | (secure ? 0x20 : 0) | chaining | (ch - 4);
}

/** Sends one APDU to the card through the module's gates (terminal capability, EC20F fault). Undefined = plain ERROR. */
export function cardTransmit(state: ModemState, apdu: Uint8Array): Uint8Array | undefined {
  const ins = apdu[1];
  const q = state.quirks;
  if (ins === 0xe2 && (apdu[2]! & 0x80) !== 0 && q.failLastStoreDataBlocks > 0) {
    q.failLastStoreDataBlocks--;
    return undefined;
  }
  if (q.needsTerminalCapability) {
    if (ins === 0xaa) {
      state.terminalCapability = true;
      return Uint8Array.of(0x90, 0x00);
    }
    if (ins === 0xe2 && !state.terminalCapability) return Uint8Array.of(0x69, 0x85);
  }
  try {
    const r = state.card.transmit(apdu);
    return r.length >= 2 ? r : Uint8Array.of(0x6f, 0x00);
  } catch {
    // the card contract says it never throws; a module would report a technical problem
    return Uint8Array.of(0x6f, 0x00);
  }
}

function sw(r: Uint8Array): number {
  return (r[r.length - 2]! << 8) | r[r.length - 1]!;
}

function hexOut(state: ModemState, bytes: Uint8Array): string {
  const h = toHex(bytes);
  return state.quirks.cglaShape.lowerCase ? h.toLowerCase() : h;
}

function shapedApduAnswer(state: ModemState, prefix: '+CGLA' | '+CSIM', resp: Uint8Array): string {
  const s = state.quirks.cglaShape;
  const hex = hexOut(state, resp);
  return `${prefix}:${s.space ? ' ' : ''}${hex.length},${s.quoted ? `"${hex}"` : hex}`;
}

/** Parses `<len>,"<hex>"` as +CGLA / +CSIM carry it; undefined on any syntax error. */
function parseApduArgs(lenArg: string | undefined, hexArg: string | undefined): Uint8Array | undefined {
  if (lenArg === undefined || hexArg === undefined || !/^\d{1,4}$/.test(lenArg)) return undefined;
  if (Number(lenArg) !== hexArg.length || hexArg.length < 8 || !isHex(hexArg)) return undefined;
  const apdu = new Uint8Array(Buffer.from(hexArg, 'hex'));
  return apdu.length <= MAX_APDU ? apdu : undefined;
}

function openHandle(state: ModemState, ch: number): string {
  if (state.quirks.cchoShape !== 'handle16') return String(ch);
  state.handleCounter++;
  const n = 0x0385a7c0 + state.handleCounter * 0x100 + ch;
  return n.toString(16).padStart(16, '0');
}

function lookupSession(state: ModemState, id: string | undefined): [string, number] | undefined {
  if (id === undefined || id === '') return undefined;
  const key = /^\d{1,3}$/.test(id) ? String(Number(id)) : id.toLowerCase();
  const ch = state.sessions.get(key);
  return ch === undefined ? undefined : [key, ch];
}

export function ccho(state: ModemState, cmd: AtCommand): Answer {
  const aid = cmd.args[0]?.value;
  if (cmd.args.length !== 1 || aid === undefined || aid.length < 10 || aid.length > 32 || !isHex(aid)) return answer([], ERROR);
  const open = cardTransmit(state, Uint8Array.of(0x00, 0x70, 0x00, 0x00, 0x01));
  if (!open || open.length !== 3 || sw(open) !== 0x9000 || open[0]! < 1 || open[0]! > 19) return answer([], cme(CME_NOT_ALLOWED));
  const ch = open[0]!;
  const aidBytes = Buffer.from(aid, 'hex');
  let sel = cardTransmit(state, Uint8Array.of(claForChannel(0x00, ch), 0xa4, 0x04, 0x00, aidBytes.length, ...aidBytes));
  for (let i = 0; sel && sel[sel.length - 2] === 0x61 && i < MAX_GET_RESPONSE_ROUNDS; i++) {
    sel = cardTransmit(state, Uint8Array.of(claForChannel(0x00, ch), 0xc0, 0x00, 0x00, sel[sel.length - 1]!));
  }
  if (!sel || sw(sel) !== 0x9000) {
    cardTransmit(state, Uint8Array.of(0x00, 0x70, 0x80, ch, 0x00));
    return answer([], cme(CME_NOT_ALLOWED));
  }
  const id = openHandle(state, ch);
  state.sessions.set(id, ch);
  switch (state.quirks.cchoShape) {
    case 'spec-bare':
      return answer([id]);
    case 'colon-nospace':
      return answer([`+CCHO:${id}`]);
    default:
      return answer([`+CCHO: ${id}`]);
  }
}

export function cgla(state: ModemState, cmd: AtCommand): Answer {
  if (cmd.args.length !== 3) return answer([], ERROR);
  const apdu = parseApduArgs(cmd.args[1]!.value, cmd.args[2]!.value);
  if (!apdu) return answer([], ERROR);
  const session = lookupSession(state, cmd.args[0]!.value);
  if (!session) return answer([], cme(CME_NOT_ALLOWED));
  apdu[0] = claForChannel(apdu[0]!, session[1]);
  const storeData = apdu[1] === 0xe2;
  const resp = cardTransmit(state, apdu);
  if (!resp) return { info: [], final: ERROR, apduBytes: apdu.length, storeData };
  return { info: [shapedApduAnswer(state, '+CGLA', resp)], final: OK, apduBytes: apdu.length, storeData };
}

export function cchc(state: ModemState, cmd: AtCommand): Answer {
  if (cmd.args.length !== 1) return answer([], ERROR);
  const session = lookupSession(state, cmd.args[0]!.value);
  if (!session) return answer([], state.quirks.cchcFailsUnknown ? cme(CME_NOT_ALLOWED) : OK);
  state.sessions.delete(session[0]);
  cardTransmit(state, Uint8Array.of(0x00, 0x70, 0x80, session[1], 0x00));
  return answer([]);
}

export function csim(state: ModemState, cmd: AtCommand): Answer {
  if (cmd.args.length !== 2) return answer([], ERROR);
  const limit = state.quirks.lineLimit;
  const hexArg = cmd.args[1]!.value;
  if (limit && hexArg.length / 2 > limit.maxApduBytes) {
    if (limit.mode === 'freeze') state.frozen = true;
    return answer([], SILENT);
  }
  const apdu = parseApduArgs(cmd.args[0]!.value, hexArg);
  if (!apdu) return answer([], ERROR);
  const storeData = apdu[1] === 0xe2;
  const resp = cardTransmit(state, apdu);
  if (!resp) return { info: [], final: ERROR, apduBytes: apdu.length, storeData };
  return { info: [shapedApduAnswer(state, '+CSIM', resp)], final: OK, apduBytes: apdu.length, storeData };
}

/** ICCID digits F-padded to 20 (EF_ICCID content order). */
export function paddedIccid(iccid: string): string {
  return iccid.toUpperCase().padEnd(20, 'F');
}

/** EF_ICCID as stored on the card: BCD with swapped nibbles. */
export function efIccidHex(iccid: string): string {
  const p = paddedIccid(iccid);
  let out = '';
  for (let i = 0; i < p.length; i += 2) out += p[i + 1]! + p[i]!;
  return out;
}

export function crsm(state: ModemState, cmd: AtCommand): Answer {
  const [command, fileId, p1, p2, p3] = cmd.args.map((a) => a.value);
  if (!command || !/^\d+$/.test(command) || (fileId !== undefined && !/^\d+$/.test(fileId))) return answer([], ERROR);
  if (command !== '176') return answer([], cme(4));
  if (fileId !== '12258') return answer(['+CRSM: 106,130,""']);
  const iccid = state.card.activeIccid();
  if (!iccid) return answer(['+CRSM: 106,130,""']);
  const offset = Number(p1 ?? 0) * 256 + Number(p2 ?? 0);
  const len = p3 === undefined || p3 === '' ? 10 : Number(p3);
  const data = efIccidHex(iccid).slice(offset * 2, offset * 2 + Math.min(len, 10) * 2);
  return answer([`+CRSM: 144,0,"${data}"`]);
}

/** Vendor ICCID commands: AT+QCCID, AT+CICCID, AT%XICCID, AT+CCID, AT#CCID. */
export function iccidCommand(state: ModemState, name: string): Answer {
  const iccid = state.card.activeIccid();
  if (!iccid) return answer([], cme(10));
  switch (name) {
    case '+QCCID':
      return answer([`+QCCID: ${paddedIccid(iccid)}`]);
    case '+CICCID':
      return answer([`+ICCID: ${iccid}`]);
    case '%XICCID':
      return answer([`%XICCID: ${paddedIccid(iccid)}`]);
    case '#CCID':
      return answer([`#CCID: ${iccid}`]);
    default:
      return answer([`+CCID: ${iccid}`]);
  }
}
