/**
 * ES10b CancelSession:
 * `BF41 { 80 transactionId, 81 reason }` ->
 * `BF41 { A0 { 30 euiccCancelSessionSigned { 80 transactionId, 81 smdpOid, 82 reason }, 5F37 sig } | 81 error }`.
 * The whole answer goes to ES9+ cancelSession as is.
 */

import { decodeRoot, encInt, encOid, need, rawPart, readInt, readOctets, readOid, single, sized, tlv } from './der.js';
import { encErrorAnswer, needSignature, readErrorAnswer, TAG_SIGNATURE, type ErrorAnswer } from './common.js';
import { CANCEL_SESSION_ERROR, CANCEL_SESSION_REASON, enumCode, enumName } from './results.js';
import { asn1Error } from '../util/tlv.js';

export const TAG_CANCEL_SESSION = 0xbf41;

export type CancelSessionReason = keyof typeof CANCEL_SESSION_REASON;

export interface CancelSessionRequest {
  transactionId: Uint8Array;
  reason: CancelSessionReason | 'unknown';
  /** Numeric value; always set by decoders, used by encoders when present. */
  reasonCode?: number;
}

export interface EuiccCancelSessionSigned {
  transactionId: Uint8Array;
  smdpOid: string;
  reason: CancelSessionReason | 'unknown';
  reasonCode?: number;
}

export interface CancelSessionOk {
  ok: true;
  /** Complete DER elements: 30 and 5F37. */
  euiccCancelSessionSigned: Uint8Array;
  euiccCancelSessionSignature: Uint8Array;
}

export type CancelSessionResponse = CancelSessionOk | ErrorAnswer<keyof typeof CANCEL_SESSION_ERROR>;

export function encodeCancelSessionRequest(r: CancelSessionRequest): Uint8Array {
  return tlv(
    TAG_CANCEL_SESSION,
    tlv(0x80, sized(r.transactionId, 'transactionId', 1, 16)),
    encInt(0x81, enumCode(CANCEL_SESSION_REASON, r.reason, r.reasonCode, 'reason')),
  );
}

export function decodeCancelSessionRequest(der: Uint8Array): CancelSessionRequest {
  const w = 'CancelSessionRequest';
  const root = decodeRoot(der, TAG_CANCEL_SESSION, w);
  const code = readInt(need(root, 0x81, `${w}.reason`), `${w}.reason`);
  return {
    transactionId: readOctets(need(root, 0x80, `${w}.transactionId`), `${w}.transactionId`, 1, 16),
    reason: enumName(CANCEL_SESSION_REASON, code),
    reasonCode: code,
  };
}

export function encodeEuiccCancelSessionSigned(s: EuiccCancelSessionSigned): Uint8Array {
  return tlv(
    0x30,
    tlv(0x80, sized(s.transactionId, 'transactionId', 1, 16)),
    encOid(0x81, s.smdpOid),
    encInt(0x82, enumCode(CANCEL_SESSION_REASON, s.reason, s.reasonCode, 'reason')),
  );
}

export function decodeEuiccCancelSessionSigned(der: Uint8Array): EuiccCancelSessionSigned {
  const w = 'euiccCancelSessionSigned';
  const t = decodeRoot(der, 0x30, w);
  const code = readInt(need(t, 0x82, `${w}.reason`), `${w}.reason`);
  return {
    transactionId: readOctets(need(t, 0x80, `${w}.transactionId`), `${w}.transactionId`, 1, 16),
    smdpOid: readOid(need(t, 0x81, `${w}.smdpOid`), `${w}.smdpOid`),
    reason: enumName(CANCEL_SESSION_REASON, code),
    reasonCode: code,
  };
}

export function encodeCancelSessionResponse(r: CancelSessionResponse): Uint8Array {
  if (!r.ok) return tlv(TAG_CANCEL_SESSION, encErrorAnswer(0x81, CANCEL_SESSION_ERROR, r, 'CancelSessionResponse'));
  return tlv(
    TAG_CANCEL_SESSION,
    tlv(
      0xa0,
      rawPart(r.euiccCancelSessionSigned, 0x30, 'euiccCancelSessionSigned'),
      rawPart(r.euiccCancelSessionSignature, TAG_SIGNATURE, 'euiccCancelSessionSignature'),
    ),
  );
}

export function decodeCancelSessionResponse(der: Uint8Array): CancelSessionResponse {
  const w = 'CancelSessionResponse';
  const alt = single(decodeRoot(der, TAG_CANCEL_SESSION, w), w);
  if (alt.tag === 0x81) return readErrorAnswer(alt, CANCEL_SESSION_ERROR, `${w}.cancelSessionResponseError`);
  if (alt.tag !== 0xa0) throw asn1Error(w, `unexpected alternative tag ${alt.tag.toString(16).toUpperCase()}`, alt.offset);
  const ow = `${w}.cancelSessionResponseOk`;
  return {
    ok: true,
    euiccCancelSessionSigned: need(alt, 0x30, `${ow}.euiccCancelSessionSigned`).raw.slice(),
    euiccCancelSessionSignature: needSignature(alt, `${ow}.euiccCancelSessionSignature`),
  };
}
