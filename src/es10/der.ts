/**
 * Reading values out of walked TLVs, and building DER.
 *
 * Readers take a `Tlv` from src/util/tlv.ts (structure already validated) and check the value: primitive
 * or constructed as the type wants, sizes, encodings. INTEGER and OBJECT IDENTIFIER values are
 * converted with asn1js (src/util/asn1Values.ts). Builders are a small explicit TLV writer (SGP.22 is
 * mostly context/application/private tags, which a generic ASN.1 object model makes verbose).
 */

import { LpaError } from '../errors.js';
import { decodeIntegerValue, decodeOid, encodeIntegerValue, encodeOidValue } from '../util/asn1Values.js';
import { asn1Error, encodeTlv as tlv, expectTag, parseTlv, tagHex, type Tlv } from '../util/tlv.js';

/** The shared TLV writer and tag check (src/util/tlv.ts), under the names the ES10 codecs use. */
export { expectTag, tlv };

// ---------------------------------------------------------------------------------------------
// reading

/** Parses `der` as exactly one element with tag `tag`. */
export function decodeRoot(der: Uint8Array, tag: number, what: string): Tlv {
  const t = parseTlv(der, what);
  expectTag(t, tag, what);
  return t;
}

function needConstructed(t: Tlv, what: string): void {
  if (!t.constructed) throw asn1Error(what, `tag ${tagHex(t.tag)} must be constructed`, t.offset);
}

function needPrimitive(t: Tlv, what: string): void {
  if (t.constructed) throw asn1Error(what, `tag ${tagHex(t.tag)} must be primitive`, t.offset);
}

/** First child with `tag`, or undefined. */
export function find(t: Tlv, tag: number): Tlv | undefined {
  return t.children.find((c) => c.tag === tag);
}

/** All children with `tag`, in order. */
export function findAll(t: Tlv, tag: number): Tlv[] {
  return t.children.filter((c) => c.tag === tag);
}

/** The required child with `tag`; `what` names the field. */
export function need(t: Tlv, tag: number, what: string): Tlv {
  needConstructed(t, what);
  const c = find(t, tag);
  if (c === undefined) throw asn1Error(what, `missing (tag ${tagHex(tag)} inside ${tagHex(t.tag)})`, t.offset);
  return c;
}

/** The only child of a constructed element (CHOICE wrappers). */
export function single(t: Tlv, what: string): Tlv {
  needConstructed(t, what);
  if (t.children.length !== 1) throw asn1Error(what, `expected one element inside ${tagHex(t.tag)}, found ${t.children.length}`, t.offset);
  return t.children[0]!;
}

/** The children of a constructed element (SEQUENCE OF), checked for tag. */
export function listOf(t: Tlv, itemTag: number, what: string): Tlv[] {
  needConstructed(t, what);
  for (const c of t.children) expectTag(c, itemTag, what);
  return t.children;
}

/** INTEGER as a JS number (up to 6 bytes, two's complement). */
export function readInt(t: Tlv, what: string): number {
  needPrimitive(t, what);
  const v = t.value;
  if (v.length === 0) throw asn1Error(what, 'empty INTEGER', t.offset);
  if (v.length > 6) throw asn1Error(what, `INTEGER of ${v.length} bytes is out of range`, t.offset);
  return decodeIntegerValue(v, what);
}

export function readBool(t: Tlv, what: string): boolean {
  needPrimitive(t, what);
  if (t.value.length !== 1) throw asn1Error(what, `BOOLEAN of ${t.value.length} bytes`, t.offset);
  return t.value[0] !== 0;
}

// ignoreBOM: a leading U+FEFF is part of the value (a nickname may start with it), not a marker to drop
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function readUtf8(t: Tlv, what: string, maxBytes = 4096): string {
  needPrimitive(t, what);
  if (t.value.length > maxBytes) throw asn1Error(what, `string of ${t.value.length} bytes exceeds ${maxBytes}`, t.offset);
  try {
    return utf8.decode(t.value);
  } catch (e) {
    throw new LpaError('ASN1_DECODE', `cannot decode ${what}: invalid UTF-8 at offset ${t.offset}`, { what, offset: t.offset }, { cause: e });
  }
}

/** OCTET STRING value (a copy), with optional size bounds. */
export function readOctets(t: Tlv, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): Uint8Array {
  needPrimitive(t, what);
  const n = t.value.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : `${min}..${max === Number.MAX_SAFE_INTEGER ? 'n' : max}`;
    throw asn1Error(what, `${n} bytes, expected ${want}`, t.offset);
  }
  return t.value.slice();
}

/** A copy of the whole element (tag, length, value): for signed parts and certificates. */
export function rawCopy(t: Tlv): Uint8Array {
  return t.raw.slice();
}

/** BIT STRING -> indexes of the bits that are set (bit 0 = MSB of the first byte). */
export function readBits(t: Tlv, what: string): number[] {
  needPrimitive(t, what);
  const v = t.value;
  if (v.length === 0) throw asn1Error(what, 'BIT STRING without unused-bits byte', t.offset);
  const unused = v[0]!;
  if (unused > 7 || (v.length === 1 && unused !== 0)) throw asn1Error(what, `BIT STRING with ${unused} unused bits`, t.offset);
  const total = (v.length - 1) * 8 - unused;
  const out: number[] = [];
  for (let i = 0; i < total; i++) if (v[1 + (i >> 3)]! & (0x80 >> (i & 7))) out.push(i);
  return out;
}

/** BIT STRING -> names of set bits (`bitN` for bits without a name). */
export function readNamedBits<N extends string>(t: Tlv, names: readonly N[], what: string): (N | `bit${number}`)[] {
  return readBits(t, what).map((i) => names[i] ?? (`bit${i}` as const));
}

/** VersionType (3 bytes) -> "major.minor.revision". */
export function readVersion(t: Tlv, what: string): string {
  const v = readOctets(t, what, 3, 3);
  return `${v[0]}.${v[1]}.${v[2]}`;
}

/** OBJECT IDENTIFIER (any tag) -> dotted string. */
export function readOid(t: Tlv, what: string): string {
  needPrimitive(t, what);
  try {
    return decodeOid(t.value);
  } catch (e) {
    throw new LpaError('ASN1_DECODE', `cannot decode ${what}: malformed OBJECT IDENTIFIER at offset ${t.offset}`, { what, offset: t.offset }, { cause: e });
  }
}

// ---------------------------------------------------------------------------------------------
// building

function encodeError(message: string): LpaError {
  return new LpaError('ASN1_ENCODE', message);
}

/** Nothing, for absent OPTIONAL fields in a `tlv(...)` call. */
export const NONE = new Uint8Array(0);

/** `build(v)` when `v` is defined, else nothing. */
export function opt<T>(v: T | undefined, build: (v: T) => Uint8Array): Uint8Array {
  return v === undefined ? NONE : build(v);
}

export function encInt(tag: number, n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw encodeError(`INTEGER ${n} is not a safe integer`);
  return tlv(tag, encodeIntegerValue(n));
}

export function encBool(tag: number, b: boolean): Uint8Array {
  return tlv(tag, Uint8Array.of(b ? 0xff : 0x00));
}

export function encUtf8(tag: number, s: string): Uint8Array {
  return tlv(tag, new TextEncoder().encode(s));
}

/** BIT STRING from indexes of set bits, DER named-bit form (trailing zero bits removed). */
export function encBits(tag: number, bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return tlv(tag, Uint8Array.of(0));
  const top = Math.max(...bits);
  const bytes = new Uint8Array((top >> 3) + 1);
  for (const i of bits) {
    if (!Number.isInteger(i) || i < 0) throw encodeError(`bad bit index ${i}`);
    bytes[i >> 3]! |= 0x80 >> (i & 7);
  }
  const unused = 7 - (top & 7);
  return tlv(tag, Uint8Array.of(unused), bytes);
}

/** BIT STRING from bit names (or `bitN`). */
export function encNamedBits(tag: number, set: readonly string[], names: readonly string[]): Uint8Array {
  return encBits(
    tag,
    set.map((n) => {
      const i = names.indexOf(n);
      if (i >= 0) return i;
      const m = /^bit(\d+)$/.exec(n);
      if (m) return Number(m[1]);
      throw encodeError(`unknown bit name "${n}"`);
    }),
  );
}

/** VersionType from "major.minor.revision". */
export function encVersion(tag: number, version: string): Uint8Array {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(version);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) throw encodeError(`bad version "${version}" (want x.y.z, each 0..255)`);
  return tlv(tag, Uint8Array.of(Number(m[1]), Number(m[2]), Number(m[3])));
}

/** OBJECT IDENTIFIER under `tag` (0x06 or an implicit tag) from a dotted string. */
export function encOid(tag: number, dotted: string): Uint8Array {
  return tlv(tag, encodeOidValue(dotted));
}

/** Checks that a byte field has an allowed size before encoding it. */
export function sized(bytes: Uint8Array, what: string, min: number, max = min): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length < min || bytes.length > max) {
    throw encodeError(`${what} must be ${min === max ? min : `${min}..${max}`} bytes`);
  }
  return bytes;
}

/** Checks that `raw` is one whole TLV with the expected tag (signed parts passed through). */
export function rawPart(raw: Uint8Array, tag: number, what: string): Uint8Array {
  let t: Tlv;
  try {
    t = parseTlv(raw, what);
  } catch (e) {
    throw new LpaError('ASN1_ENCODE', `${what} is not one DER element: ${(e as Error).message}`, {}, { cause: e });
  }
  if (t.tag !== tag) throw encodeError(`${what} must have tag ${tagHex(tag)}, has ${tagHex(t.tag)}`);
  return raw;
}
