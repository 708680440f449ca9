/**
 * Certificates of the local SM-DP+, issued at start: the SGP.26 DPauth, DPpb and DPtls
 * certificates carry fixed dates (DPauth/DPpb expire 2030-03-30, DPtls starts 2026-11-28), so the
 * simulator re-issues each one - same subject, key and extensions - valid from yesterday for a
 * year, with a fresh serial number, signed by the SGP.26 test CI key. Demos and tests then work on
 * any clock, and clients still trust it through the test CI certificate. Test keys only.
 */

import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { LpaError } from '../../errors.js';
import { encodeOidValue } from '../../util/asn1Values.js';
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

/** What a simulator certificate says about its holder (SGP.22 RSP server certificates). */
export interface CertificateSpec {
  /** Subject: organisation and common name. */
  organization: string;
  commonName: string;
  /** The holder's public key. */
  publicKey: KeyObject;
  /** SGP.22 role policy OID (id-rspRole-..., 2.23.146.1.2.1.x). */
  policy: string;
  /** registeredID in subjectAltName (the server's OID), if any. */
  registeredId?: string;
  /** dNSNames in subjectAltName (TLS certificates). */
  dnsNames?: readonly string[];
  /** TLS server certificate: extendedKeyUsage serverAuth + clientAuth. */
  tls?: boolean;
  validity: { notBefore: Date; notAfter: Date };
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

const oid = (dotted: string): Uint8Array => encodeTlv(0x06, encodeOidValue(dotted));
const utf8 = (s: string): Uint8Array => encodeTlv(0x0c, new TextEncoder().encode(s));
const extension = (id: string, critical: boolean, value: Uint8Array): Uint8Array =>
  encodeTlv(0x30, oid(id), ...(critical ? [Uint8Array.of(0x01, 0x01, 0xff)] : []), encodeTlv(0x04, value));

/**
 * Issues a new X.509 v3 certificate under the CI (`ciCert` names the issuer, `ciKey` signs): the
 * extensions SGP.22 gives RSP server certificates (authority and subject key identifiers, key usage
 * digitalSignature, the role policy, subjectAltName with the server OID and/or DNS names, and for
 * TLS the server/client extended key usage). For simulated servers SGP.26 ships no certificate for
 * (the SM-DS). Test keys only.
 */
export function issueCertificate(spec: CertificateSpec, ciCert: { subjectDer: Uint8Array; subjectKeyIdentifier: Uint8Array }, ciKey: KeyObject): Uint8Array {
  try {
    const spki = new Uint8Array(spec.publicKey.export({ type: 'spki', format: 'der' }));
    const point = childrenOf(readSingleTlv(spki, 'subjectPublicKeyInfo', 0x30), 2, 'subjectPublicKeyInfo')[1]!.value.subarray(1);
    const ski = new Uint8Array(createHash('sha1').update(point).digest());
    const serial = new Uint8Array(randomBytes(12));
    serial[0]! &= 0x7f;
    serial[0]! |= 0x01;
    const subject = encodeTlv(
      0x30,
      encodeTlv(0x31, encodeTlv(0x30, oid('2.5.4.10'), utf8(spec.organization))),
      encodeTlv(0x31, encodeTlv(0x30, oid('2.5.4.3'), utf8(spec.commonName))),
    );
    const altNames = [
      ...(spec.dnsNames ?? []).map((n) => encodeTlv(0x82, new TextEncoder().encode(n))),
      ...(spec.registeredId ? [encodeTlv(0x88, encodeOidValue(spec.registeredId))] : []),
    ];
    const extensions = [
      extension('2.5.29.35', false, encodeTlv(0x30, encodeTlv(0x80, ciCert.subjectKeyIdentifier))),
      extension('2.5.29.14', false, encodeTlv(0x04, ski)),
      extension('2.5.29.15', true, Uint8Array.of(0x03, 0x02, 0x07, 0x80)),
      ...(spec.tls ? [extension('2.5.29.37', true, encodeTlv(0x30, oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))] : []),
      extension('2.5.29.32', true, encodeTlv(0x30, encodeTlv(0x30, oid(spec.policy)))),
      ...(altNames.length > 0 ? [extension('2.5.29.17', false, encodeTlv(0x30, ...altNames))] : []),
    ];
    const sigAlg = encodeTlv(0x30, oid(ECDSA_WITH_SHA256));
    const tbs = encodeTlv(
      0x30,
      encodeTlv(0xa0, Uint8Array.of(0x02, 0x01, 0x02)),
      encodeTlv(0x02, serial),
      sigAlg,
      ciCert.subjectDer,
      encodeTlv(0x30, encodeTime(spec.validity.notBefore), encodeTime(spec.validity.notAfter)),
      subject,
      spki,
      encodeTlv(0xa3, encodeTlv(0x30, ...extensions)),
    );
    const signature = new Uint8Array(sign('sha256', tbs, ciKey));
    return encodeTlv(0x30, tbs, sigAlg, encodeTlv(0x03, Uint8Array.of(0), signature));
  } catch (e) {
    throw new LpaError('CONFIG_INVALID', `cannot issue a simulator certificate: ${(e as Error).message}`, {}, { cause: e });
  }
}
