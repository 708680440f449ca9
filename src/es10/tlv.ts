/**
 * The bounded BER-TLV walker every ES10 decoder starts with. It reads untrusted bytes from the
 * eUICC (or, in the simulator, from the LPA) and validates the whole structure before anything
 * looks at a value: tags of at most 4 bytes, definite lengths only (at most 4 length bytes),
 * every length within its enclosing element, nesting at most MAX_DEPTH, input at most MAX_SIZE,
 * at most MAX_ELEMENTS elements. Each element keeps its exact byte range (`raw`), so signed
 * parts can be forwarded byte-for-byte. Failures are LpaError ASN1_DECODE saying what and where.
 */

import { LpaError } from '../errors.js';

export const TLV_LIMITS = {
  /** Deepest nesting accepted (the top element is depth 1). */
  maxDepth: 16,
  /** Largest input accepted, in bytes. */
  maxSize: 1024 * 1024,
  /** Most elements (constructed and primitive) in one input. */
  maxElements: 50_000,
} as const;

export interface Tlv {
  /** The tag as the number of its raw bytes, e.g. 0xBF3E, 0x5A, 0x30. */
  tag: number;
  constructed: boolean;
  /** Offset of the first tag byte in the decoded input. */
  offset: number;
  /** Tag + length + value: a view into the input. */
  raw: Uint8Array;
  /** Value bytes: a view into the input. */
  value: Uint8Array;
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

interface State {
  bytes: Uint8Array;
  what: string;
  elements: number;
}

function readOne(st: State, pos: number, end: number, depth: number): Tlv {
  const { bytes, what } = st;
  if (depth > TLV_LIMITS.maxDepth) throw asn1Error(what, `nesting deeper than ${TLV_LIMITS.maxDepth} levels`, pos);
  if (++st.elements > TLV_LIMITS.maxElements) throw asn1Error(what, `more than ${TLV_LIMITS.maxElements} elements`, pos);
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
  let length: number;
  if (l0 < 0x80) {
    length = l0;
  } else if (l0 === 0x80) {
    throw asn1Error(what, `indefinite length (tag ${tagHex(tag)}) is not allowed`, start);
  } else {
    const n = l0 & 0x7f;
    if (n > 4) throw asn1Error(what, `length field of ${n} bytes (tag ${tagHex(tag)})`, start);
    if (pos + n > end) throw asn1Error(what, `truncated length of tag ${tagHex(tag)}`, start);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[pos++]!;
  }
  if (length > end - pos) {
    throw asn1Error(what, `tag ${tagHex(tag)} claims ${length} bytes but only ${end - pos} remain`, start);
  }
  const valueEnd = pos + length;
  const constructed = (first & 0x20) !== 0;
  const children: Tlv[] = [];
  if (constructed) {
    let p = pos;
    while (p < valueEnd) {
      const child = readOne(st, p, valueEnd, depth + 1);
      children.push(child);
      p = child.offset + child.raw.length;
    }
  }
  return {
    tag,
    constructed,
    offset: start,
    raw: bytes.subarray(start, valueEnd),
    value: bytes.subarray(pos, valueEnd),
    children,
  };
}

function checkInput(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw asn1Error(what, 'input is not bytes');
  if (bytes.length > TLV_LIMITS.maxSize) throw asn1Error(what, `input of ${bytes.length} bytes exceeds ${TLV_LIMITS.maxSize}`);
}

/** Parses a concatenation of TLVs covering all of `bytes` (may be empty). */
export function parseTlvs(bytes: Uint8Array, what: string): Tlv[] {
  checkInput(bytes, what);
  const st: State = { bytes, what, elements: 0 };
  const out: Tlv[] = [];
  let p = 0;
  while (p < bytes.length) {
    const t = readOne(st, p, bytes.length, 1);
    out.push(t);
    p += t.raw.length;
  }
  return out;
}

/** Parses exactly one TLV spanning all of `bytes` (no trailing bytes). */
export function parseTlv(bytes: Uint8Array, what: string): Tlv {
  checkInput(bytes, what);
  if (bytes.length === 0) throw asn1Error(what, 'empty input');
  const st: State = { bytes, what, elements: 0 };
  const t = readOne(st, 0, bytes.length, 1);
  if (t.raw.length !== bytes.length) {
    throw asn1Error(what, `${bytes.length - t.raw.length} trailing bytes after tag ${tagHex(t.tag)}`, t.raw.length);
  }
  return t;
}
