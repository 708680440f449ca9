/**
 * Reading ES9+ request fields (untrusted JSON): strings, strict base64 with a size bound, hex
 * transaction ids, and DER decoding whose failures become HTTP 400 answers.
 */

import { LpaError } from '../../../errors.js';
import { isBase64 } from '../../../util/base64.js';
import { isHex } from '../../../util/hex.js';
import { badRequest, type Es9Body } from '../status.js';

/** Largest binary field accepted (decoded). */
export const MAX_FIELD_BYTES = 64 * 1024;

export function stringField(body: Es9Body, name: string, max = 255): string {
  const v = body[name];
  if (v === undefined || v === null) throw badRequest(`mandatory element ${name} is missing`, true);
  if (typeof v !== 'string' || v.length > max) throw badRequest(`${name} must be a string of at most ${max} characters`);
  return v;
}

export function base64Field(body: Es9Body, name: string, max = MAX_FIELD_BYTES): Uint8Array {
  const v = stringField(body, name, Math.ceil((max * 4) / 3) + 4);
  if (v.length === 0 || !isBase64(v, 'required')) throw badRequest(`${name} is not valid base64`);
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** transactionId: 1-16 bytes as hex; returned upper-case. */
export function transactionIdField(body: Es9Body): string {
  const v = stringField(body, 'transactionId', 32);
  if (v.length < 2 || !isHex(v)) throw badRequest('transactionId must be 1-16 bytes of hex');
  return v.toUpperCase();
}

/** Runs a decoder over untrusted bytes; decode errors become HTTP 400 naming the field. */
export function decodeField<T>(name: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof LpaError && (e.code === 'ASN1_DECODE' || e.code === 'CRYPTO' || e.code === 'INVALID_ICCID')) {
      throw badRequest(`${name} cannot be decoded: ${e.message}`, false, e);
    }
    throw e;
  }
}
