/**
 * ASN.1 primitive values through asn1js: INTEGER and OBJECT IDENTIFIER contents (the value bytes,
 * without tag and length) to and from JS values.
 *
 * Structure is never parsed here: the bounded walker (src/util/tlv.ts) has already split the
 * untrusted bytes into elements. These functions check the value's size and shape first (asn1js
 * accepts some malformed contents silently), then let asn1js do the conversion.
 */

import * as asn1js from 'asn1js';
import { LpaError } from '../errors.js';
import { toHex } from './hex.js';

const view = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** INTEGER contents (1..6 bytes, two's complement) as a JS number. */
export function decodeIntegerValue(value: Uint8Array, what = 'INTEGER'): number {
  if (value.length === 0) throw new LpaError('ASN1_DECODE', `cannot decode ${what}: empty INTEGER`, { what });
  if (value.length > 6) throw new LpaError('ASN1_DECODE', `cannot decode ${what}: INTEGER of ${value.length} bytes is out of range`, { what });
  // toBigInt, not valueBlock.valueDec: asn1js 3 gives 0 for valueDec of 4 bytes and more
  return Number(new asn1js.Integer({ valueHex: view(value) }).toBigInt());
}

/** Minimal two's-complement contents of a safe integer. */
export function encodeIntegerValue(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new LpaError('ASN1_ENCODE', `INTEGER ${n} is not a safe integer`);
  return new Uint8Array(new asn1js.Integer({ value: n }).valueBlock.valueHexView);
}

/** Dotted OID string from the value bytes of an OBJECT IDENTIFIER (at most 64 bytes, arcs of at most 49 bits). */
export function decodeOid(value: Uint8Array): string {
  if (value.length === 0 || value.length > 64) throw new LpaError('ASN1_DECODE', `bad OID length ${value.length}`);
  let bits = 0;
  for (const b of value) {
    bits = b & 0x80 ? bits + 7 : 0;
    if (bits > 42) throw new LpaError('ASN1_DECODE', `OID arc too large in ${toHex(value)}`);
  }
  if (value[value.length - 1]! & 0x80) throw new LpaError('ASN1_DECODE', `truncated OID ${toHex(value)}`);
  const oid = new asn1js.ObjectIdentifier();
  if (oid.valueBlock.fromBER(view(value), 0, value.length) < 0) {
    throw new LpaError('ASN1_DECODE', `bad OID ${toHex(value)}: ${oid.valueBlock.error}`);
  }
  return oid.valueBlock.toString();
}

/**
 * Value bytes of an OBJECT IDENTIFIER from its dotted form: first arc 0..2, second at most 39 under
 * 0 and 1, every arc a safe integer.
 */
export function encodeOidValue(oid: string): Uint8Array {
  const bad = (): LpaError => new LpaError('ASN1_ENCODE', `bad OBJECT IDENTIFIER "${oid}"`);
  if (!/^[0-2]\.\d+(\.\d+)*$/.test(oid)) throw bad();
  const arcs = oid.split('.').map(Number);
  if (arcs.some((a) => !Number.isSafeInteger(a)) || (arcs[0]! < 2 && arcs[1]! > 39) || arcs[0]! * 40 + arcs[1]! > Number.MAX_SAFE_INTEGER) throw bad();
  const der = new asn1js.ObjectIdentifier({ value: oid }).valueBlock.toBER(false);
  if (der.byteLength === 0) throw bad();
  return new Uint8Array(der);
}
