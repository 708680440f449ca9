/**
 * OBJECT IDENTIFIER contents (the value bytes, without tag and length) to and from the dotted form.
 * Decoding reads untrusted bytes: at most 64 bytes, arcs of at most 49 bits. Used by the X.509
 * reader and the ES10 codecs alike.
 */

import { LpaError } from '../errors.js';
import { toHex } from './hex.js';

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

/**
 * Value bytes of an OBJECT IDENTIFIER from its dotted form: first arc 0..2, second at most 39 under
 * 0 and 1, every arc a safe integer.
 */
export function encodeOidValue(oid: string): Uint8Array {
  const bad = (): LpaError => new LpaError('ASN1_ENCODE', `bad OBJECT IDENTIFIER "${oid}"`);
  if (!/^[0-2]\.\d+(\.\d+)*$/.test(oid)) throw bad();
  const arcs = oid.split('.').map(Number);
  if (arcs.some((a) => !Number.isSafeInteger(a)) || (arcs[0]! < 2 && arcs[1]! > 39) || arcs[0]! * 40 + arcs[1]! > Number.MAX_SAFE_INTEGER) throw bad();
  const out: number[] = [];
  const push = (n: number): void => {
    const chunk: number[] = [n % 128];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v % 128) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return Uint8Array.from(out);
}
