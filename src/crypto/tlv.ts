/**
 * Minimal bounded BER/DER TLV reader and writer for the crypto layer (X.509 certificates, the bound
 * profile package). It reads untrusted bytes: every length is checked against the enclosing
 * element, only definite lengths of at most 4 bytes are accepted, tags are at most 4 bytes and
 * nesting is bounded by the callers (they walk a fixed structure). Values are sub-array views of
 * the input, so signed objects keep their exact bytes.
 */

import { LpaError } from '../errors.js';
import { concatBytes, toHex } from '../util/hex.js';

export interface Tlv {
  /** The tag as a number of its raw bytes, e.g. 0xBF36, 0x5F49, 0x30. */
  tag: number;
  /** True when bit 6 of the first tag byte is set. */
  constructed: boolean;
  /** Offset of the first tag byte in the input. */
  start: number;
  /** Offset of the first value byte. */
  valueStart: number;
  /** Offset just past the value. */
  end: number;
  /** The value bytes (a view into the input). */
  value: Uint8Array;
  /** Tag, length and value (a view into the input). */
  raw: Uint8Array;
  /** Tag and length bytes only (a view into the input). */
  header: Uint8Array;
}

/** Largest element this reader accepts (16 MiB): far above any BPP, certificate or profile. */
export const MAX_TLV_LENGTH = 16 * 1024 * 1024;

function decodeError(message: string, offset: number): LpaError {
  return new LpaError('ASN1_DECODE', `${message} at offset ${offset}`, { offset });
}

/**
 * Reads one TLV starting at `offset`, which must end at or before `limit` (default: end of input).
 */
export function readTlv(buf: Uint8Array, offset = 0, limit = buf.length): Tlv {
  if (limit > buf.length) limit = buf.length;
  const start = offset;
  if (offset >= limit) throw decodeError('TLV expected but data ended', offset);
  const first = buf[offset++]!;
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    let n = 0;
    for (;;) {
      if (offset >= limit) throw decodeError('truncated multi-byte tag', start);
      const b = buf[offset++]!;
      tag = tag * 256 + b;
      if (++n > 3) throw decodeError('tag longer than 4 bytes', start);
      if ((b & 0x80) === 0) break;
    }
  }
  if (offset >= limit) throw decodeError(`tag ${tag.toString(16).toUpperCase()} has no length`, start);
  let len = buf[offset++]!;
  if (len === 0x80) throw decodeError('indefinite length is not allowed', start);
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw decodeError(`length field of ${n} bytes is too long`, start);
    if (offset + n > limit) throw decodeError('truncated length field', start);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset++]!;
  }
  if (len > MAX_TLV_LENGTH) throw decodeError(`length ${len} exceeds the ${MAX_TLV_LENGTH}-byte limit`, start);
  const valueStart = offset;
  const end = valueStart + len;
  if (end > limit) {
    throw decodeError(`tag ${tag.toString(16).toUpperCase()} claims ${len} bytes but only ${limit - valueStart} remain`, start);
  }
  return {
    tag,
    constructed: (first & 0x20) !== 0,
    start,
    valueStart,
    end,
    value: buf.subarray(valueStart, end),
    raw: buf.subarray(start, end),
    header: buf.subarray(start, valueStart),
  };
}

/** Reads a TLV that must span exactly the whole input. */
export function readSingleTlv(buf: Uint8Array, what: string, expectedTag?: number): Tlv {
  const t = readTlv(buf, 0, buf.length);
  if (t.end !== buf.length) {
    throw new LpaError('ASN1_DECODE', `${what}: ${buf.length - t.end} trailing bytes after the TLV`, { what });
  }
  if (expectedTag !== undefined) expectTag(t, expectedTag, what);
  return t;
}

/** Splits `buf[start, end)` into consecutive TLVs (at most `maxCount`). */
export function readChildren(buf: Uint8Array, start = 0, end = buf.length, maxCount = 100_000): Tlv[] {
  const out: Tlv[] = [];
  let off = start;
  while (off < end) {
    if (out.length >= maxCount) throw decodeError(`more than ${maxCount} elements`, off);
    const t = readTlv(buf, off, end);
    out.push(t);
    off = t.end;
  }
  return out;
}

/** The children of a constructed TLV. */
export function childrenOf(t: Tlv, maxCount = 100_000): Tlv[] {
  return readChildren(t.value, 0, t.value.length, maxCount);
}

export function expectTag(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) {
    throw new LpaError(
      'ASN1_DECODE',
      `${what}: expected tag ${tag.toString(16).toUpperCase()}, found ${t.tag.toString(16).toUpperCase()}`,
      { what, expectedTag: tag.toString(16).toUpperCase(), tag: t.tag.toString(16).toUpperCase() },
    );
  }
  return t;
}

/** DER length octets for `len`. */
export function encodeLength(len: number): Uint8Array {
  if (!Number.isInteger(len) || len < 0 || len > 0xffffffff) {
    throw new LpaError('ASN1_ENCODE', `cannot encode length ${len}`);
  }
  if (len < 0x80) return Uint8Array.of(len);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

/** Raw bytes of a tag number as used in `Tlv.tag` (0x5F49 -> 5F 49). */
export function tagBytes(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffffff) throw new LpaError('ASN1_ENCODE', `bad tag ${tag}`);
  const bytes: number[] = [];
  let v = tag;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return Uint8Array.from(bytes);
}

/** Encodes one TLV; `value` may be several parts that are concatenated. */
export function encodeTlv(tag: number, ...value: Uint8Array[]): Uint8Array {
  const v = value.length === 1 ? value[0]! : concatBytes(...value);
  return concatBytes(tagBytes(tag), encodeLength(v.length), v);
}

/** Dotted OID string from the value bytes of an OBJECT IDENTIFIER (bounded to 32 arcs). */
export function decodeOid(value: Uint8Array): string {
  if (value.length === 0 || value.length > 64) throw new LpaError('ASN1_DECODE', `bad OID length ${value.length}`);
  const arcs: number[] = [];
  let v = 0;
  let bits = 0;
  for (const b of value) {
    v = v * 128 + (b & 0x7f);
    bits += 7;
    if (bits > 49) throw new LpaError('ASN1_DECODE', `OID arc too large in ${toHex(value)}`);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        const a = v < 40 ? 0 : v < 80 ? 1 : 2;
        arcs.push(a, v - a * 40);
      } else {
        arcs.push(v);
      }
      v = 0;
      bits = 0;
    }
  }
  if (bits !== 0) throw new LpaError('ASN1_DECODE', `truncated OID ${toHex(value)}`);
  return arcs.join('.');
}

/** Value bytes of an OBJECT IDENTIFIER from its dotted form. */
export function encodeOidValue(oid: string): Uint8Array {
  const arcs = oid.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new LpaError('ASN1_ENCODE', `bad OID ${oid}`);
    return Number(s);
  });
  if (arcs.length < 2) throw new LpaError('ASN1_ENCODE', `bad OID ${oid}`);
  const out: number[] = [];
  const push = (n: number): void => {
    const chunk: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return Uint8Array.from(out);
}
