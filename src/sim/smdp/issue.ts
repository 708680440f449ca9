/**
 * Certificates of the local SM-DP+, issued at start: the SGP.26 DPauth, DPpb and DPtls
 * certificates carry fixed dates (DPauth/DPpb expire 2030-03-30, DPtls starts 2026-11-28), so the
 * simulator re-issues each one - same subject, key and extensions - valid from yesterday for a
 * year, with a fresh serial number, signed by the SGP.26 test CI key. Demos and tests then work on
 * any clock, and clients still trust it through the test CI certificate. Test keys only.
 */

import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { LpaError } from '../../errors.js';
import { childrenOf, encodeTlv, readSingleTlv } from '../../util/tlv.js';

const DAY_MS = 86_400_000;

/** X.509 Time: UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function encodeTime(d: Date): Uint8Array {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return encodeTlv(0x17, new TextEncoder().encode(digits.slice(2)));
  return encodeTlv(0x18, new TextEncoder().encode(digits));
}

/** The validity most certificates of a fresh simulator get: from yesterday, for a year. */
export function freshValidity(now = new Date()): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - DAY_MS);
  return { notBefore, notAfter: new Date(notBefore.getTime() + 365 * DAY_MS) };
}

/**
 * Re-issues `certDer` (an X.509 certificate issued by the CI whose key is `ciKey`) with another
 * validity and a random serial number; everything else stays byte for byte, and the signature is
 * made again (ECDSA with SHA-256, the algorithm the certificate already names).
 */
export function reissueCertificate(certDer: Uint8Array, ciKey: KeyObject, validity: { notBefore: Date; notAfter: Date }): Uint8Array {
  try {
    const [tbs, sigAlg] = childrenOf(readSingleTlv(certDer, 'certificate', 0x30), 3, 'certificate');
    if (!tbs || !sigAlg) throw new Error('not a certificate');
    const fields = childrenOf(tbs, 10, 'tbsCertificate').map((f) => f.raw);
    const v = fields[0]?.[0] === 0xa0 ? 1 : 0; // [0] version present: serial at 1, validity at 4
    const serial = new Uint8Array(randomBytes(12));
    serial[0]! &= 0x7f;
    serial[0]! |= 0x01;
    fields[v] = encodeTlv(0x02, serial);
    fields[v + 3] = encodeTlv(0x30, encodeTime(validity.notBefore), encodeTime(validity.notAfter));
    const newTbs = encodeTlv(0x30, ...fields);
    const signature = new Uint8Array(sign('sha256', newTbs, ciKey));
    return encodeTlv(0x30, newTbs, sigAlg.raw, encodeTlv(0x03, Uint8Array.of(0), signature));
  } catch (e) {
    throw new LpaError('CONFIG_INVALID', `cannot re-issue a simulator certificate: ${(e as Error).message}`, {}, { cause: e });
  }
}

/** PEM text of a DER certificate. */
export function certificatePem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}
