/**
 * The one bounded BER-TLV reader and writer (ES10 messages, X.509 certificates, the bound profile
 * package, SAIP packages). It reads untrusted bytes: tags of at most 4 bytes (never 00), definite
 * lengths only (at most 4 length bytes), every length within its enclosing element. Values are
 * sub-array views of the input, so signed parts keep their exact bytes. Failures are LpaError
 * ASN1_DECODE saying what and where.
 *
 * Two ways in, one reader underneath:
 * - `parseTlv`/`parseTlvs` walk the whole tree up front (`children`), bounded by TLV_LIMITS
 *   (depth, input size, element count);
 * - `readTlv`/`readTlvs`/`readSingleTlv`/`childrenOf` read one level at a time (no `children`),
 *   each list bounded by a count the caller gives.
 */

import { LpaError } from '../errors.js';
import { concatBytes } from './hex.js';

export const TLV_LIMITS = {
  /** Deepest nesting a tree walk accepts (the top element is depth 1). */
  maxDepth: 16,
  /** Largest input a tree walk accepts, in bytes. */
  maxSize: 1024 * 1024,
  /** Most elements (constructed and primitive) in one tree walk. */
  maxElements: 50_000,
} as const;

/** Largest single element a one-level read accepts (16 MiB): far above any BPP, certificate or profile. */
export const MAX_TLV_LENGTH = 16 * 1024 * 1024;

/** One element, read one level at a time. */
export interface TlvElement {
  /** The tag as the number of its raw bytes, e.g. 0xBF3E, 0x5F49, 0x30. */
  tag: number;
  /** True when bit 6 of the first tag byte is set. */
  constructed: boolean;
  /** Offset of the first tag byte in the input. */
  offset: number;
  /** Offset just past the value. */
  end: number;
  /** Tag and length bytes only: a view into the input. */
  header: Uint8Array;
  /** Value bytes: a view into the input. */
  value: Uint8Array;
  /** Tag + length + value: a view into the input. */
  raw: Uint8Array;
}

/** One element of a walked tree. */
export interface Tlv extends TlvElement {
  /** Child elements of a constructed element, in order (empty for primitive ones). */
  children: Tlv[];
}

/** Tag as hex for messages, e.g. "BF3E". */
export function tagHex(tag: number): string {
  const s = tag.toString(16).toUpperCase();
  return s.length % 2 === 0 ? s : `0${s}`;
}

export function asn1Error(what: string, problem: string, offset?: number, extra: Record<string, unknown> = {}): LpaError {
  const where = offset === undefined ? '' : ` at offset ${offset}`;
  return new LpaError('ASN1_DECODE', `cannot decode ${what}: ${problem}${where}`, {
    what,
    ...(offset === undefined ? {} : { offset }),
    ...extra,
  });
}

export interface TlvHeader {
  tag: number;
  constructed: boolean;
  /** Bytes of tag and length. */
  headerLength: number;
  /** The length the header announces (the value need not be in the input). */
  length: number;
}

/** Reads the tag and length at `pos` (before `end`); the value itself need not follow. */
export function readTlvHeader(bytes: Uint8Array, pos: number, end: number, what: string): TlvHeader {
  const start = pos;
  if (pos >= end) throw asn1Error(what, 'truncated: tag expected', pos);
  const first = bytes[pos++]!;
  if (first === 0x00) throw asn1Error(what, 'tag 00 (end-of-contents) outside an indefinite length', start);
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    let n = 0;
    for (;;) {
      if (pos >= end) throw asn1Error(what, 'truncated multi-byte tag', start);
      const b = bytes[pos++]!;
      tag = tag * 256 + b;
      if (++n > 3) throw asn1Error(what, 'tag longer than 4 bytes', start);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= end) throw asn1Error(what, `truncated: length of tag ${tagHex(tag)} expected`, start);
  const l0 = bytes[pos++]!;
  let length = l0;
  if (l0 === 0x80) throw asn1Error(what, `indefinite length (tag ${tagHex(tag)}) is not allowed`, start);
  if (l0 > 0x80) {
    const n = l0 & 0x7f;
    if (n > 4) throw asn1Error(what, `length field of ${n} bytes (tag ${tagHex(tag)})`, start);
    if (pos + n > end) throw asn1Error(what, `truncated length of tag ${tagHex(tag)}`, start);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[pos++]!;
  }
  return { tag, constructed: (first & 0x20) !== 0, headerLength: pos - start, length };
}

/** One whole element at `pos`, its value within `end`. */
function element(bytes: Uint8Array, pos: number, end: number, what: string): TlvElement {
  const h = readTlvHeader(bytes, pos, end, what);
  const valueStart = pos + h.headerLength;
  if (h.length > end - valueStart) {
    throw asn1Error(what, `tag ${tagHex(h.tag)} claims ${h.length} bytes but only ${end - valueStart} remain`, pos);
  }
  const valueEnd = valueStart + h.length;
  return {
    tag: h.tag,
    constructed: h.constructed,
    offset: pos,
    end: valueEnd,
    header: bytes.subarray(pos, valueStart),
    value: bytes.subarray(valueStart, valueEnd),
    raw: bytes.subarray(pos, valueEnd),
  };
}

// ---------------------------------------------------------------------------------------------
// one level at a time

/** Reads one element starting at `offset`, which must end at or before `limit` (default: end of input). */
export function readTlv(bytes: Uint8Array, offset = 0, limit = bytes.length, what = 'TLV'): TlvElement {
  const t = element(bytes, offset, Math.min(limit, bytes.length), what);
  if (t.value.length > MAX_TLV_LENGTH) throw asn1Error(what, `length ${t.value.length} exceeds the ${MAX_TLV_LENGTH}-byte limit`, offset);
  return t;
}

/** Splits `bytes[start, end)` into consecutive elements (at most `maxCount`). */
export function readTlvs(bytes: Uint8Array, what = 'TLV', maxCount: number = TLV_LIMITS.maxElements, start = 0, end = bytes.length): TlvElement[] {
  const out: TlvElement[] = [];
  let pos = start;
  while (pos < end) {
    if (out.length >= maxCount) throw asn1Error(what, `more than ${maxCount} elements`, pos);
    const t = readTlv(bytes, pos, end, what);
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Reads one element that must span exactly all of `bytes`, optionally with tag `expectedTag`. */
export function readSingleTlv(bytes: Uint8Array, what: string, expectedTag?: number): TlvElement {
  const t = readTlv(bytes, 0, bytes.length, what);
  if (t.end !== bytes.length) throw asn1Error(what, `${bytes.length - t.end} trailing bytes after tag ${tagHex(t.tag)}`, t.end);
  if (expectedTag !== undefined) expectTag(t, expectedTag, what);
  return t;
}

/** The elements inside `t`'s value (at most `maxCount`). */
export function childrenOf(t: TlvElement, maxCount: number = TLV_LIMITS.maxElements, what = 'TLV'): TlvElement[] {
  return readTlvs(t.value, what, maxCount);
}

export function expectTag<T extends TlvElement>(t: T, tag: number, what: string): T {
  if (t.tag !== tag) throw asn1Error(what, `expected tag ${tagHex(tag)}, found ${tagHex(t.tag)}`, t.offset, { tag: tagHex(t.tag) });
  return t;
}

// ---------------------------------------------------------------------------------------------
// the whole tree

interface WalkState {
  bytes: Uint8Array;
  what: string;
  elements: number;
}

function walk(st: WalkState, pos: number, end: number, depth: number): Tlv {
  const { what } = st;
  if (depth > TLV_LIMITS.maxDepth) throw asn1Error(what, `nesting deeper than ${TLV_LIMITS.maxDepth} levels`, pos);
  if (++st.elements > TLV_LIMITS.maxElements) throw asn1Error(what, `more than ${TLV_LIMITS.maxElements} elements`, pos);
  const t = element(st.bytes, pos, end, what);
  const children: Tlv[] = [];
  if (t.constructed) {
    for (let p = t.end - t.value.length; p < t.end; ) {
      const child = walk(st, p, t.end, depth + 1);
      children.push(child);
      p = child.end;
    }
  }
  return { ...t, children };
}

function checkInput(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw asn1Error(what, 'input is not bytes');
  if (bytes.length > TLV_LIMITS.maxSize) throw asn1Error(what, `input of ${bytes.length} bytes exceeds ${TLV_LIMITS.maxSize}`);
}

/** Walks a concatenation of elements covering all of `bytes` (may be empty). */
export function parseTlvs(bytes: Uint8Array, what: string): Tlv[] {
  checkInput(bytes, what);
  const st: WalkState = { bytes, what, elements: 0 };
  const out: Tlv[] = [];
  for (let p = 0; p < bytes.length; ) {
    const t = walk(st, p, bytes.length, 1);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** Walks exactly one element spanning all of `bytes` (no trailing bytes). */
export function parseTlv(bytes: Uint8Array, what: string): Tlv {
  checkInput(bytes, what);
  if (bytes.length === 0) throw asn1Error(what, 'empty input');
  const t = walk({ bytes, what, elements: 0 }, 0, bytes.length, 1);
  if (t.end !== bytes.length) throw asn1Error(what, `${bytes.length - t.end} trailing bytes after tag ${tagHex(t.tag)}`, t.end);
  return t;
}

// ---------------------------------------------------------------------------------------------
// writing

function encodeError(message: string): LpaError {
  return new LpaError('ASN1_ENCODE', message);
}

/** Raw bytes of a tag number as used in `tag` (0x5F49 -> 5F 49). */
export function tagBytes(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffffffff) throw encodeError(`bad tag ${tag}`);
  const out: number[] = [];
  for (let t = tag; t > 0; t = Math.floor(t / 256)) out.unshift(t % 256);
  return Uint8Array.from(out);
}

/** DER length octets for `len`. */
export function encodeLength(len: number): Uint8Array {
  if (!Number.isInteger(len) || len < 0 || len > 0xffffffff) throw encodeError(`cannot encode length ${len}`);
  if (len < 0x80) return Uint8Array.of(len);
  const out: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) out.unshift(l % 256);
  return Uint8Array.from([0x80 | out.length, ...out]);
}

/** One TLV whose value is the concatenation of `parts`. */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const value = parts.length === 1 ? parts[0]! : concatBytes(...parts);
  return concatBytes(tagBytes(tag), encodeLength(value.length), value);
}
