/**
 * Pieces shared by several ES10 codecs: ICCID and profile identifiers, signatures, result-only
 * answers, empty requests, OperatorID.
 *
 * Conventions for every ES10 type in this folder:
 * - ICCIDs and EIDs are digit strings; other byte fields are Uint8Array values (no tag/length).
 * - Signed parts, signatures (`5F37 40 r||s`) and certificates are the complete DER element as it
 *   travels (tag + length + value), so they are forwarded byte-for-byte.
 * - Enumerated fields carry the name (`result`) and, from decoders, the number (`resultCode`);
 *   encoders use the number when given, else the name.
 * - CHOICE answers with an error alternative are `{ ok: true, ... } | { ok: false, error, errorCode }`.
 */

import { LpaError } from '../errors.js';
import { iccidFromBcd, iccidToBcd } from '../ids/iccid.js';
import { toHex } from '../util/hex.js';
import { decodeRoot, encInt, find, need, opt, readInt, readOctets, sized, tlv } from './der.js';
import { enumCode, enumName, type EnumTable, type NameOf } from './results.js';
import { asn1Error, type Tlv } from '../util/tlv.js';

export const TAG_ICCID = 0x5a;
export const TAG_ISDP_AID = 0x4f;
export const TAG_SIGNATURE = 0x5f37;

/** Which profile an operation targets. */
export type ProfileId = { iccid: string } | { isdpAid: Uint8Array };

/** Iccid ([APPLICATION 26], tag 5A) from digits. */
export function encIccid(digits: string, tag = TAG_ICCID): Uint8Array {
  try {
    return tlv(tag, iccidToBcd(digits));
  } catch (e) {
    throw new LpaError('ASN1_ENCODE', (e as Error).message, {}, { cause: e });
  }
}

/** Iccid element -> digits; a malformed value is ASN1_DECODE. */
export function readIccid(t: Tlv, what: string): string {
  const v = readOctets(t, what, 10, 10);
  try {
    return iccidFromBcd(v);
  } catch (e) {
    throw new LpaError('ASN1_DECODE', `cannot decode ${what}: ICCID ${toHex(v)} is not BCD digits`, { what, offset: t.offset }, { cause: e });
  }
}

export function encProfileId(id: ProfileId): Uint8Array {
  if ('iccid' in id) return encIccid(id.iccid);
  return tlv(TAG_ISDP_AID, sized(id.isdpAid, 'isdpAid', 1, 16));
}

/** A 5A or 4F element -> ProfileId. */
export function readProfileId(t: Tlv, what: string): ProfileId {
  if (t.tag === TAG_ICCID) return { iccid: readIccid(t, what) };
  if (t.tag === TAG_ISDP_AID) return { isdpAid: readOctets(t, what, 1, 16) };
  throw asn1Error(what, `expected ICCID (5A) or ISD-P AID (4F), found tag ${t.tag.toString(16).toUpperCase()}`, t.offset);
}

/** The `5F37` element from r||s. */
export function encodeSignature(rs: Uint8Array): Uint8Array {
  return tlv(TAG_SIGNATURE, rs);
}

/** r||s out of a `5F37` element. */
export function signatureValue(signature: Uint8Array): Uint8Array {
  return readOctets(decodeRoot(signature, TAG_SIGNATURE, 'signature'), 'signature', 1, 132);
}

/** The signature element (5F37) inside `t`, raw. */
export function needSignature(t: Tlv, what: string): Uint8Array {
  const s = need(t, TAG_SIGNATURE, what);
  readOctets(s, what, 1, 132);
  return s.raw.slice();
}

/** Answers made of one result INTEGER: `<tag> { 80 result }`. */
export interface ResultResponse<N extends string> {
  result: N | 'unknown';
  /** Numeric value; always set by decoders, used by encoders when present. */
  resultCode?: number;
}

export function encResultResponse<T extends EnumTable>(tag: number, table: T, r: ResultResponse<NameOf<T>>, what: string): Uint8Array {
  return tlv(tag, encInt(0x80, enumCode(table, r.result, r.resultCode, what)));
}

export function decResultResponse<T extends EnumTable>(der: Uint8Array, tag: number, table: T, what: string): ResultResponse<NameOf<T>> {
  const root = decodeRoot(der, tag, what);
  const code = readInt(need(root, 0x80, `${what}.result`), `${what}.result`);
  return { result: enumName(table, code), resultCode: code };
}

/** Requests without fields: `<tag> 00`. */
export function encEmpty(tag: number): Uint8Array {
  return tlv(tag, new Uint8Array(0));
}

export function decEmpty(der: Uint8Array, tag: number, what: string): Record<string, never> {
  decodeRoot(der, tag, what);
  return {};
}

/** CHOICE error alternative `{ ok: false }` of an answer. */
export interface ErrorAnswer<N extends string> {
  ok: false;
  error: N | 'unknown';
  /** Numeric value; always set by decoders, used by encoders when present. */
  errorCode?: number;
}

export function readErrorAnswer<T extends EnumTable>(t: Tlv, table: T, what: string): ErrorAnswer<NameOf<T>> {
  const code = readInt(t, what);
  return { ok: false, error: enumName(table, code), errorCode: code };
}

export function encErrorAnswer<T extends EnumTable>(tag: number, table: T, e: ErrorAnswer<NameOf<T>>, what: string): Uint8Array {
  return encInt(tag, enumCode(table, e.error, e.errorCode, what));
}

/** OperatorID ::= SEQUENCE { mccMnc [0] (3 bytes), gid1 [1] OPTIONAL, gid2 [2] OPTIONAL }. */
export interface OperatorId {
  mccMnc: Uint8Array;
  gid1?: Uint8Array;
  gid2?: Uint8Array;
}

export function encOperatorId(tag: number, op: OperatorId): Uint8Array {
  return tlv(
    tag,
    tlv(0x80, sized(op.mccMnc, 'mccMnc', 3)),
    opt(op.gid1, (g) => tlv(0x81, g)),
    opt(op.gid2, (g) => tlv(0x82, g)),
  );
}

export function readOperatorId(t: Tlv, what: string): OperatorId {
  const out: OperatorId = { mccMnc: readOctets(need(t, 0x80, `${what}.mccMnc`), `${what}.mccMnc`, 3, 3) };
  const g1 = find(t, 0x81);
  const g2 = find(t, 0x82);
  if (g1) out.gid1 = readOctets(g1, `${what}.gid1`, 0, 255);
  if (g2) out.gid2 = readOctets(g2, `${what}.gid2`, 0, 255);
  return out;
}
