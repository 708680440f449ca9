/**
 * QMUX framing (libqmi qmi-message.c layout; transport-facts 1.1):
 *
 *   01 | length u16 (bytes after this marker) | control flags u8 (host 00, modem 80) | service u8 | client id u8
 *   SDU, CTL:      flags u8 | transaction u8  | message id u16 | TLV length u16 | TLVs
 *   SDU, services: flags u8 | transaction u16 | message id u16 | TLV length u16 | TLVs
 *   TLV: type u8 | length u16 | value
 *
 * Little-endian. Decoders take untrusted bytes: every length is checked against the bytes present
 * and against MAX_QMUX_FRAME; a broken frame is a TRANSPORT_BAD_FRAME error, never an exception of
 * another kind, and the stream reader resynchronises on the next marker.
 */
import { LpaError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';
import { HeldBytesReader } from '../wwan/framing.js';

export const QMUX_MARKER = 0x01;

export const QmiService = { CTL: 0x00, WDS: 0x01, DMS: 0x02, NAS: 0x03, UIM: 0x0b } as const;

/** Largest frame accepted (marker included). UIM answers are a few hundred bytes. */
export const MAX_QMUX_FRAME = 8192;
/** Most TLVs in one message. */
const MAX_TLVS = 64;

export const CTL_FLAG = { request: 0x00, response: 0x01, indication: 0x02 } as const;
export const SERVICE_FLAG = { request: 0x00, response: 0x02, indication: 0x04 } as const;

export interface QmiTlv {
  type: number;
  value: Uint8Array;
}

export interface QmiMessage {
  service: number;
  clientId: number;
  /** SDU flags (CTL_FLAG / SERVICE_FLAG). */
  flags: number;
  transaction: number;
  messageId: number;
  tlvs: QmiTlv[];
  /** QMUX control flags: 0x00 from the host, 0x80 from the modem (set by encodeQmi from `fromModem`). */
  control?: number;
}

export type QmiKind = 'request' | 'response' | 'indication';

export function kindOf(m: QmiMessage): QmiKind {
  if (m.service === QmiService.CTL) return m.flags & CTL_FLAG.indication ? 'indication' : m.flags & CTL_FLAG.response ? 'response' : 'request';
  return m.flags & SERVICE_FLAG.indication ? 'indication' : m.flags & SERVICE_FLAG.response ? 'response' : 'request';
}

function bad(problem: string, frame?: Uint8Array): LpaError {
  const shown = frame ? ` (${toHex(frame.subarray(0, 24))}${frame.length > 24 ? '...' : ''})` : '';
  return new LpaError('TRANSPORT_BAD_FRAME', `bad QMI frame: ${problem}${shown}`);
}

export function tlv(type: number, value: Uint8Array | number[]): QmiTlv {
  return { type, value: value instanceof Uint8Array ? value : Uint8Array.from(value) };
}

export function u8(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff);
}
export function u16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >> 8) & 0xff);
}
export function u32(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

/** One whole frame for `m` (marker included). */
export function encodeQmi(m: QmiMessage, fromModem = false): Uint8Array {
  const ctl = m.service === QmiService.CTL;
  const sduHeader = ctl ? 6 : 7;
  const tlvBytes = m.tlvs.reduce((n, t) => n + 3 + t.value.length, 0);
  const total = 6 + sduHeader + tlvBytes;
  if (total > 0xffff + 1) throw new LpaError('INTERNAL', `QMI message of ${total} bytes is too long for QMUX`);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out[0] = QMUX_MARKER;
  dv.setUint16(1, total - 1, true);
  out[3] = m.control ?? (fromModem ? 0x80 : 0x00);
  out[4] = m.service;
  out[5] = m.clientId;
  let p = 6;
  out[p++] = m.flags;
  if (ctl) out[p++] = m.transaction & 0xff;
  else {
    dv.setUint16(p, m.transaction & 0xffff, true);
    p += 2;
  }
  dv.setUint16(p, m.messageId, true);
  dv.setUint16(p + 2, tlvBytes, true);
  p += 4;
  for (const t of m.tlvs) {
    out[p] = t.type;
    dv.setUint16(p + 1, t.value.length, true);
    out.set(t.value, p + 3);
    p += 3 + t.value.length;
  }
  return out;
}

/** Decodes one whole frame (marker included); TRANSPORT_BAD_FRAME when anything does not add up. */
export function decodeQmi(frame: Uint8Array): QmiMessage {
  if (frame.length < 12) throw bad(`${frame.length} bytes is shorter than a QMUX header`, frame);
  if (frame.length > MAX_QMUX_FRAME) throw bad(`frame of ${frame.length} bytes exceeds ${MAX_QMUX_FRAME}`);
  if (frame[0] !== QMUX_MARKER) throw bad(`marker 0x${frame[0]!.toString(16)} is not QMUX (0x01)`, frame);
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.length);
  const length = dv.getUint16(1, true);
  if (length !== frame.length - 1) throw bad(`length field ${length} does not match ${frame.length - 1} bytes`, frame);
  const service = frame[4]!;
  const ctl = service === QmiService.CTL;
  const sduHeader = ctl ? 6 : 7;
  if (frame.length < 6 + sduHeader) throw bad(`${frame.length} bytes is shorter than the SDU header`, frame);
  let p = 6;
  const flags = frame[p++]!;
  let transaction: number;
  if (ctl) transaction = frame[p++]!;
  else {
    transaction = dv.getUint16(p, true);
    p += 2;
  }
  const messageId = dv.getUint16(p, true);
  const tlvLength = dv.getUint16(p + 2, true);
  p += 4;
  if (tlvLength !== frame.length - p) throw bad(`TLV length ${tlvLength} does not match the ${frame.length - p} bytes left`, frame);
  const tlvs: QmiTlv[] = [];
  while (p < frame.length) {
    if (tlvs.length >= MAX_TLVS) throw bad(`more than ${MAX_TLVS} TLVs`, frame);
    if (frame.length - p < 3) throw bad('TLV header cut short', frame);
    const type = frame[p]!;
    const len = dv.getUint16(p + 1, true);
    if (p + 3 + len > frame.length) throw bad(`TLV 0x${type.toString(16)} claims ${len} bytes, ${frame.length - p - 3} left`, frame);
    tlvs.push({ type, value: frame.slice(p + 3, p + 3 + len) });
    p += 3 + len;
  }
  return { service, clientId: frame[5]!, flags, transaction, messageId, tlvs, control: frame[3]! };
}

export function findTlv(m: QmiMessage, type: number): Uint8Array | undefined {
  return m.tlvs.find((t) => t.type === type)?.value;
}

/** Result TLV 0x02 of a response: status (0 success) and QMI error code. */
export function resultOf(m: QmiMessage): { status: number; error: number } | undefined {
  const v = findTlv(m, 0x02);
  if (!v || v.length < 4) return undefined;
  return { status: v[0]! | (v[1]! << 8), error: v[2]! | (v[3]! << 8) };
}

export interface ReadResult {
  messages: QmiMessage[];
  /** Framing problems met on the way (the reader skipped past them). */
  errors: LpaError[];
}

/**
 * Splits a byte stream into QMUX frames: whole frames only, several per chunk or one over several
 * chunks. Bytes that cannot start a frame are skipped up to the next marker and reported.
 */
export class QmuxReader extends HeldBytesReader {
  push(chunk: Uint8Array): ReadResult {
    const merged = this.withHeld(chunk);
    const out: ReadResult = { messages: [], errors: [] };
    let p = 0;
    while (p < merged.length) {
      if (merged[p] !== QMUX_MARKER) {
        let q = p;
        while (q < merged.length && merged[q] !== QMUX_MARKER) q++;
        out.errors.push(bad(`${q - p} byte(s) that are not QMUX frames`, merged.subarray(p, q)));
        p = q;
        continue;
      }
      if (merged.length - p < 3) break;
      const len = merged[p + 1]! | (merged[p + 2]! << 8);
      if (len + 1 > MAX_QMUX_FRAME || len < 11) {
        out.errors.push(bad(len < 11 ? `length field ${len} is too short for a QMUX frame` : `frame of ${len + 1} bytes exceeds ${MAX_QMUX_FRAME}`, merged.subarray(p, p + 12)));
        p++;
        continue;
      }
      if (merged.length - p < len + 1) break;
      const frame = merged.subarray(p, p + len + 1);
      try {
        out.messages.push(decodeQmi(frame));
      } catch (e) {
        out.errors.push(e as LpaError);
      }
      p += len + 1;
    }
    this.hold(merged, p);
    return out;
  }
}
