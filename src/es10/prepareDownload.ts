/**
 * ES10b PrepareDownload:
 * `BF21 { 30 smdpSigned2, 5F37 smdpSignature2, [04 hashCc], 30 smdpCertificate }` ->
 * `BF21 { A0 { 30 euiccSigned2, 5F37 euiccSignature2 } | A1 { 80 transactionId, 02 downloadErrorCode } }`.
 * smdpSigned2, smdpSignature2 and smdpCertificate are the ES9+ authenticateClient bytes, verbatim.
 */

import { decodeRoot, encBool, encInt, find, need, opt, rawPart, readBool, readOctets, sized, tlv } from './der.js';
import { needSignature, readErrorAnswer, TAG_SIGNATURE, type ErrorAnswer } from './common.js';
import { DOWNLOAD_ERROR_CODE, enumCode } from './results.js';
import { asn1Error } from '../util/tlv.js';

export const TAG_PREPARE_DOWNLOAD = 0xbf21;
const TAG_OTPK = 0x5f49;

export interface PrepareDownloadRequest {
  /** Complete DER elements from ES9+: 30, 5F37, 30. */
  smdpSigned2: Uint8Array;
  smdpSignature2: Uint8Array;
  /** SHA-256(SHA-256(confirmationCode) || transactionId), 32 bytes, when ccRequiredFlag is set. */
  hashCc?: Uint8Array;
  smdpCertificate: Uint8Array;
}

export interface SmdpSigned2 {
  transactionId: Uint8Array;
  ccRequiredFlag: boolean;
  bppEuiccOtpk?: Uint8Array;
}

export interface EuiccSigned2 {
  transactionId: Uint8Array;
  /** otPK.EUICC.ECKA, uncompressed point. */
  euiccOtpk: Uint8Array;
  hashCc?: Uint8Array;
}

export interface PrepareDownloadOk {
  ok: true;
  /** Complete DER elements: euiccSigned2 (30), euiccSignature2 (5F37). */
  euiccSigned2: Uint8Array;
  euiccSignature2: Uint8Array;
}

export type PrepareDownloadError = ErrorAnswer<keyof typeof DOWNLOAD_ERROR_CODE> & { transactionId: Uint8Array };
export type PrepareDownloadResponse = PrepareDownloadOk | PrepareDownloadError;

export function encodeSmdpSigned2(s: SmdpSigned2): Uint8Array {
  return tlv(
    0x30,
    tlv(0x80, sized(s.transactionId, 'transactionId', 1, 16)),
    encBool(0x01, s.ccRequiredFlag),
    opt(s.bppEuiccOtpk, (k) => tlv(TAG_OTPK, k)),
  );
}

export function decodeSmdpSigned2(der: Uint8Array): SmdpSigned2 {
  const w = 'smdpSigned2';
  const t = decodeRoot(der, 0x30, w);
  const out: SmdpSigned2 = {
    transactionId: readOctets(need(t, 0x80, `${w}.transactionId`), `${w}.transactionId`, 1, 16),
    ccRequiredFlag: readBool(need(t, 0x01, `${w}.ccRequiredFlag`), `${w}.ccRequiredFlag`),
  };
  const otpk = find(t, TAG_OTPK);
  if (otpk) out.bppEuiccOtpk = readOctets(otpk, `${w}.bppEuiccOtpk`, 1, 133);
  return out;
}

export function encodeEuiccSigned2(s: EuiccSigned2): Uint8Array {
  return tlv(
    0x30,
    tlv(0x80, sized(s.transactionId, 'transactionId', 1, 16)),
    tlv(TAG_OTPK, s.euiccOtpk),
    opt(s.hashCc, (h) => tlv(0x04, sized(h, 'hashCc', 32))),
  );
}

export function decodeEuiccSigned2(der: Uint8Array): EuiccSigned2 {
  const w = 'euiccSigned2';
  const t = decodeRoot(der, 0x30, w);
  const out: EuiccSigned2 = {
    transactionId: readOctets(need(t, 0x80, `${w}.transactionId`), `${w}.transactionId`, 1, 16),
    euiccOtpk: readOctets(need(t, TAG_OTPK, `${w}.euiccOtpk`), `${w}.euiccOtpk`, 1, 133),
  };
  const h = find(t, 0x04);
  if (h) out.hashCc = readOctets(h, `${w}.hashCc`, 32, 32);
  return out;
}

export function encodePrepareDownloadRequest(r: PrepareDownloadRequest): Uint8Array {
  return tlv(
    TAG_PREPARE_DOWNLOAD,
    rawPart(r.smdpSigned2, 0x30, 'smdpSigned2'),
    rawPart(r.smdpSignature2, TAG_SIGNATURE, 'smdpSignature2'),
    opt(r.hashCc, (h) => tlv(0x04, sized(h, 'hashCc', 32))),
    rawPart(r.smdpCertificate, 0x30, 'smdpCertificate'),
  );
}

export function decodePrepareDownloadRequest(der: Uint8Array): PrepareDownloadRequest {
  const w = 'PrepareDownloadRequest';
  const root = decodeRoot(der, TAG_PREPARE_DOWNLOAD, w);
  const seqs = root.children.filter((c) => c.tag === 0x30);
  if (seqs.length !== 2) throw asn1Error(w, `expected smdpSigned2 and smdpCertificate, found ${seqs.length} SEQUENCEs`, root.offset);
  const out: PrepareDownloadRequest = {
    smdpSigned2: seqs[0]!.raw.slice(),
    smdpSignature2: needSignature(root, `${w}.smdpSignature2`),
    smdpCertificate: seqs[1]!.raw.slice(),
  };
  const h = find(root, 0x04);
  if (h) out.hashCc = readOctets(h, `${w}.hashCc`, 32, 32);
  return out;
}

export function encodePrepareDownloadResponse(r: PrepareDownloadResponse): Uint8Array {
  if (!r.ok) {
    return tlv(
      TAG_PREPARE_DOWNLOAD,
      tlv(
        0xa1,
        tlv(0x80, sized(r.transactionId, 'transactionId', 1, 16)),
        encInt(0x02, enumCode(DOWNLOAD_ERROR_CODE, r.error, r.errorCode, 'downloadErrorCode')),
      ),
    );
  }
  return tlv(
    TAG_PREPARE_DOWNLOAD,
    tlv(0xa0, rawPart(r.euiccSigned2, 0x30, 'euiccSigned2'), rawPart(r.euiccSignature2, TAG_SIGNATURE, 'euiccSignature2')),
  );
}

export function decodePrepareDownloadResponse(der: Uint8Array): PrepareDownloadResponse {
  const w = 'PrepareDownloadResponse';
  const root = decodeRoot(der, TAG_PREPARE_DOWNLOAD, w);
  const alt = root.children[0];
  if (root.children.length !== 1 || alt === undefined) throw asn1Error(w, 'expected one alternative', root.offset);
  if (alt.tag === 0xa1) {
    const ew = `${w}.downloadResponseError`;
    const err = readErrorAnswer(need(alt, 0x02, `${ew}.downloadErrorCode`), DOWNLOAD_ERROR_CODE, `${ew}.downloadErrorCode`);
    return { ...err, transactionId: readOctets(need(alt, 0x80, `${ew}.transactionId`), `${ew}.transactionId`, 1, 16) };
  }
  if (alt.tag !== 0xa0) throw asn1Error(w, `unexpected alternative tag ${alt.tag.toString(16).toUpperCase()}`, alt.offset);
  const ow = `${w}.downloadResponseOk`;
  return {
    ok: true,
    euiccSigned2: need(alt, 0x30, `${ow}.euiccSigned2`).raw.slice(),
    euiccSignature2: needSignature(alt, `${ow}.euiccSignature2`),
  };
}
