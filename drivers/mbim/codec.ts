/**
 * MBIM control messages (libmbim mbim-message-private.h layout; transport-facts 2.1):
 *
 *   header: type u32 | length u32 (this message or fragment) | transaction id u32
 *   COMMAND, COMMAND_DONE, INDICATE_STATUS add: fragment total u32 | fragment current u32, then
 *   UUID (16) | CID u32 | [command type u32 | status u32] | InfoBuffer length u32 | InfoBuffer
 *
 * Little-endian. A message longer than MaxControlTransfer travels as fragments, each repeating type,
 * its own length and the transaction id, with {total, current} and the next bytes of everything
 * after the original 20-byte header. Decoders take untrusted bytes: lengths, fragment counts and
 * the reassembled size are bounded; problems are TRANSPORT_BAD_FRAME errors.
 */
import { LpaError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';
import { HeldBytesReader } from '../wwan/framing.js';

export const MbimType = {
  open: 0x00000001,
  close: 0x00000002,
  command: 0x00000003,
  hostError: 0x00000004,
  openDone: 0x80000001,
  closeDone: 0x80000002,
  commandDone: 0x80000003,
  functionError: 0x80000004,
  indicateStatus: 0x80000007,
} as const;

const KNOWN_TYPES = new Set<number>(Object.values(MbimType));
const FRAGMENTED = new Set<number>([MbimType.command, MbimType.commandDone, MbimType.indicateStatus]);

/** Default MaxControlTransfer when the device does not say (libmbim's too). */
export const DEFAULT_MAX_CONTROL_TRANSFER = 4096;
/** Smallest MaxControlTransfer accepted (a fragment must hold its 20-byte header and some data). */
export const MIN_MAX_CONTROL_TRANSFER = 64;
/** Largest fragment and largest reassembled message accepted. */
export const MAX_FRAGMENT = 64 * 1024;
export const MAX_MESSAGE = 256 * 1024;

export const CommandType = { query: 0, set: 1 } as const;

export type MbimMessage =
  | { type: typeof MbimType.open; tid: number; maxControlTransfer: number }
  | { type: typeof MbimType.close; tid: number }
  | { type: typeof MbimType.command; tid: number; service: string; cid: number; commandType: number; info: Uint8Array }
  | { type: typeof MbimType.openDone | typeof MbimType.closeDone; tid: number; status: number }
  | { type: typeof MbimType.commandDone; tid: number; service: string; cid: number; status: number; info: Uint8Array }
  | { type: typeof MbimType.indicateStatus; tid: number; service: string; cid: number; info: Uint8Array }
  | { type: typeof MbimType.hostError | typeof MbimType.functionError; tid: number; error: number };

export function bad(problem: string, bytes?: Uint8Array): LpaError {
  const shown = bytes ? ` (${toHex(bytes.subarray(0, 24))}${bytes.length > 24 ? '...' : ''})` : '';
  return new LpaError('TRANSPORT_BAD_FRAME', `bad MBIM message: ${problem}${shown}`);
}

/** UUID text (as printed) <-> its 16 bytes, copied byte for byte. */
export function uuidBytes(uuid: string): Uint8Array {
  return new Uint8Array(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}
export function uuidText(b: Uint8Array): string {
  const h = toHex(b).toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function header(type: number, length: number, tid: number): Uint8Array {
  const out = new Uint8Array(length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, length, true);
  dv.setUint32(8, tid, true);
  return out;
}

/** The message as fragments of at most `maxTransfer` bytes (one fragment when it fits). */
export function encodeMbim(m: MbimMessage, maxTransfer = DEFAULT_MAX_CONTROL_TRANSFER): Uint8Array[] {
  if (!FRAGMENTED.has(m.type)) {
    const value = 'maxControlTransfer' in m ? m.maxControlTransfer : 'status' in m ? m.status : 'error' in m ? m.error : undefined;
    const out = header(m.type, value === undefined ? 12 : 16, m.tid);
    if (value !== undefined) new DataView(out.buffer).setUint32(12, value >>> 0, true);
    return [out];
  }
  const f = m as Extract<MbimMessage, { service: string }>;
  const middle = f.type === MbimType.indicateStatus ? 0 : 4;
  const payload = new Uint8Array(16 + 4 + middle + 4 + f.info.length);
  const dv = new DataView(payload.buffer);
  payload.set(uuidBytes(f.service), 0);
  dv.setUint32(16, f.cid, true);
  if (f.type === MbimType.command) dv.setUint32(20, f.commandType, true);
  if (f.type === MbimType.commandDone) dv.setUint32(20, f.status >>> 0, true);
  dv.setUint32(20 + middle, f.info.length, true);
  payload.set(f.info, 24 + middle);
  const room = Math.max(1, maxTransfer - 20);
  const total = Math.max(1, Math.ceil(payload.length / room));
  const out: Uint8Array[] = [];
  for (let i = 0; i < total; i++) {
    const chunk = payload.subarray(i * room, (i + 1) * room);
    const frag = header(f.type, 20 + chunk.length, f.tid);
    const fdv = new DataView(frag.buffer);
    fdv.setUint32(12, total, true);
    fdv.setUint32(16, i, true);
    frag.set(chunk, 20);
    out.push(frag);
  }
  return out;
}

/** One message or fragment as it came off the wire. */
export interface Fragment {
  type: number;
  tid: number;
  /** Fragmented types: {total, current}; others: 1 / 0. */
  total: number;
  current: number;
  /** Bytes after the (12- or 20-byte) header. */
  body: Uint8Array;
}

export interface ReadResult {
  fragments: Fragment[];
  errors: LpaError[];
}

/**
 * Splits a byte stream into MBIM messages/fragments by their length field (the device file gives
 * one per read; a pty or socket may merge or split them). Bytes that do not start a plausible
 * header are skipped and reported.
 */
export class MbimReader extends HeldBytesReader {
  constructor(private readonly maxFragment = MAX_FRAGMENT) {
    super();
  }

  private plausible(b: Uint8Array, p: number): 'yes' | 'no' | 'more' {
    if (b.length - p < 8) return 'more';
    const dv = new DataView(b.buffer, b.byteOffset + p);
    const type = dv.getUint32(0, true);
    const len = dv.getUint32(4, true);
    if (!KNOWN_TYPES.has(type)) return 'no';
    const min = FRAGMENTED.has(type) ? 20 : 12;
    return len >= min && len <= this.maxFragment ? 'yes' : 'no';
  }

  push(chunk: Uint8Array): ReadResult {
    const b = this.withHeld(chunk);
    const out: ReadResult = { fragments: [], errors: [] };
    let p = 0;
    while (p < b.length) {
      const ok = this.plausible(b, p);
      if (ok === 'more') break;
      if (ok === 'no') {
        let q = p + 1;
        while (q < b.length && this.plausible(b, q) === 'no') q++;
        const dv = new DataView(b.buffer, b.byteOffset + p);
        const len = b.length - p >= 8 ? dv.getUint32(4, true) : 0;
        const why = KNOWN_TYPES.has(dv.getUint32(0, true)) && len > this.maxFragment ? `a message of ${len} bytes exceeds ${this.maxFragment}` : `${q - p} byte(s) that are not MBIM messages`;
        out.errors.push(bad(why, b.subarray(p, Math.min(q, p + 24))));
        p = q;
        continue;
      }
      const dv = new DataView(b.buffer, b.byteOffset + p);
      const type = dv.getUint32(0, true);
      const len = dv.getUint32(4, true);
      if (b.length - p < len) break;
      const fragmented = FRAGMENTED.has(type);
      out.fragments.push({
        type,
        tid: dv.getUint32(8, true),
        total: fragmented ? dv.getUint32(12, true) : 1,
        current: fragmented ? dv.getUint32(16, true) : 0,
        body: b.slice(p + (fragmented ? 20 : 12), p + len),
      });
      p += len;
    }
    this.hold(b, p);
    return out;
  }
}

/** Decodes a whole message from its (reassembled) body. */
export function decodeBody(type: number, tid: number, body: Uint8Array): MbimMessage {
  const dv = new DataView(body.buffer, body.byteOffset, body.length);
  const u32 = (off: number, what: string): number => {
    if (off + 4 > body.length) throw bad(`message 0x${type.toString(16)} has no ${what}`, body);
    return dv.getUint32(off, true);
  };
  switch (type) {
    case MbimType.open:
      return { type, tid, maxControlTransfer: u32(0, 'MaxControlTransfer') };
    case MbimType.close:
      return { type, tid };
    case MbimType.openDone:
    case MbimType.closeDone:
      return { type, tid, status: u32(0, 'status') };
    case MbimType.hostError:
    case MbimType.functionError:
      return { type, tid, error: u32(0, 'error status') };
    default: {
      if (body.length < 24) throw bad(`message 0x${type.toString(16)} of ${body.length + 20} bytes is too short`, body);
      const service = uuidText(body.subarray(0, 16));
      const cid = u32(16, 'CID');
      const middle = type === MbimType.indicateStatus ? 0 : 4;
      const second = middle ? u32(20, 'status') : 0;
      const infoLen = u32(20 + middle, 'InfoBuffer length');
      const start = 24 + middle;
      if (infoLen > body.length - start) throw bad(`InfoBuffer claims ${infoLen} bytes, ${Math.max(0, body.length - start)} present`, body);
      const info = body.slice(start, start + infoLen);
      if (type === MbimType.command) return { type, tid, service, cid, commandType: second, info };
      if (type === MbimType.commandDone) return { type, tid, service, cid, status: second, info };
      return { type: MbimType.indicateStatus, tid, service, cid, info };
    }
  }
}

/**
 * Puts fragments back together (in order, per type and transaction) and decodes whole messages.
 * Out-of-sequence fragments drop the partial message with an error.
 */
export class MbimAssembler {
  private readonly partial = new Map<string, { total: number; next: number; parts: Uint8Array[]; size: number }>();

  push(f: Fragment): { message?: MbimMessage; error?: LpaError } {
    try {
      if (!FRAGMENTED.has(f.type)) return { message: decodeBody(f.type, f.tid, f.body) };
      if (f.total === 0 || f.total > MAX_MESSAGE / 16 || f.current >= f.total) {
        throw bad(`fragment ${f.current} of ${f.total} for transaction ${f.tid}`);
      }
      const key = `${f.type}/${f.tid}`;
      if (f.total === 1) {
        this.partial.delete(key);
        return { message: decodeBody(f.type, f.tid, f.body) };
      }
      let p = this.partial.get(key);
      if (f.current === 0) {
        p = { total: f.total, next: 0, parts: [], size: 0 };
        this.partial.set(key, p);
        if (this.partial.size > 16) this.partial.delete(this.partial.keys().next().value!);
      }
      if (!p || p.total !== f.total || p.next !== f.current) {
        this.partial.delete(key);
        throw bad(`fragment ${f.current} of ${f.total} for transaction ${f.tid} is out of sequence`);
      }
      p.parts.push(f.body);
      p.size += f.body.length;
      p.next++;
      if (p.size > MAX_MESSAGE) {
        this.partial.delete(key);
        throw bad(`reassembled message exceeds ${MAX_MESSAGE} bytes`);
      }
      if (p.next < p.total) return {};
      this.partial.delete(key);
      const body = new Uint8Array(p.size);
      let off = 0;
      for (const part of p.parts) {
        body.set(part, off);
        off += part.length;
      }
      return { message: decodeBody(f.type, f.tid, body) };
    } catch (e) {
      return { error: e as LpaError };
    }
  }
}
