import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCertificate, verifyChain } from '../../../src/crypto/certs.js';
import { importPrivateKey } from '../../../src/crypto/ecdsa.js';
import { freshValidity, reissueCertificate } from '../../../src/sim/smdp/issue.js';
import { verifySmdpCertificate } from '../../../src/sim/euicc/es10/downloadSession.js';
import { loadSmdpPki } from '../../../src/sim/smdp/pki.js';
import { dataPath } from '../../../src/util/data.js';

const ci = parseCertificate(new Uint8Array(readFileSync(dataPath('pki', 'sgp26', 'ci', 'CERT_CI_ECDSA_NIST.der'))));
const DAY = 86_400_000;

describe('simulator certificates issued at start', () => {
  it('DPauth, DPpb and DPtls are valid from yesterday for a year, chain to the SGP.26 test CI, and keep subject, key and extensions', () => {
    const pki = loadSmdpPki();
    const now = Date.now();
    for (const [cert, role, file] of [
      [pki.dpAuth.cert, 'dp-auth', 'dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der'],
      [pki.dpPb.cert, 'dp-pb', 'dppb/CERT_S_SM_DPpb_ECDSA_NIST.der'],
    ] as const) {
      expect(Math.abs(cert.notBefore.getTime() - (now - DAY))).toBeLessThan(600_000);
      expect(Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY)).toBe(365);
      verifyChain(cert, [], [ci], { expectedRole: role });
      const original = parseCertificate(new Uint8Array(readFileSync(dataPath('pki', 'sgp26', ...file.split('/')))));
      expect(cert.subject.text).toBe(original.subject.text);
      expect(cert.registeredIds).toEqual(original.registeredIds);
      expect(Buffer.from(cert.subjectKeyIdentifier!).equals(Buffer.from(original.subjectKeyIdentifier!))).toBe(true);
    }
    expect(pki.oid).toBe('2.999.10');
    const tls = new X509Certificate(pki.tls.certPem);
    expect(tls.subjectAltName).toContain('testsmdpplus1.example.com');
    expect(new Date(tls.validFrom).getTime()).toBeLessThan(now);
    expect(tls.verify(new X509Certificate(readFileSync(dataPath('pki', 'sgp26', 'ci', 'CERT_CI_ECDSA_NIST.pem'))).publicKey)).toBe(true);
    expect(tls.checkPrivateKey(importPrivateKey(pki.tls.keyPem))).toBe(true);
  });

  it('works on any clock the test CI covers: re-issued for 2021, 2040 or 2051 (UTCTime and GeneralizedTime) it verifies', () => {
    const key = importPrivateKey(readFileSync(dataPath('pki', 'sgp26', 'ci', 'SK_CI_ECDSA_NIST.pem'), 'utf8'));
    const der = new Uint8Array(readFileSync(dataPath('pki', 'sgp26', 'dpauth', 'CERT_S_SM_DPauth_ECDSA_NIST.der')));
    for (const at of [new Date('2040-06-01T00:00:00Z'), new Date('2021-03-01T12:00:00Z'), new Date('2051-06-01T00:00:00Z')]) {
      const cert = parseCertificate(reissueCertificate(der, key, freshValidity(at)));
      expect(verifyChain(cert, [], [ci], { now: at, expectedRole: 'dp-auth' }).length).toBe(2);
      expect(cert.notBefore.getTime()).toBe(at.getTime() - DAY);
    }
  });
});

describe('the virtual eUICC has no clock', () => {
  it('accepts an SM-DP+ certificate outside its validity (signature and role are what it checks)', () => {
    const key = importPrivateKey(readFileSync(dataPath('pki', 'sgp26', 'ci', 'SK_CI_ECDSA_NIST.pem'), 'utf8'));
    const der = new Uint8Array(readFileSync(dataPath('pki', 'sgp26', 'dpauth', 'CERT_S_SM_DPauth_ECDSA_NIST.der')));
    const expired = reissueCertificate(der, key, { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2021-02-01T00:00:00Z') });
    const future = reissueCertificate(der, key, { notBefore: new Date('2054-01-01T00:00:00Z'), notAfter: new Date('2055-01-01T00:00:00Z') });
    for (const cert of [expired, future]) expect(verifySmdpCertificate(cert, ci, 'dp-auth')).toBeDefined();
    expect(verifySmdpCertificate(expired, ci, 'dp-pb')).toBeUndefined();
    const tampered = expired.slice();
    tampered[tampered.length - 5]! ^= 0xff;
    expect(verifySmdpCertificate(tampered, ci, 'dp-auth')).toBeUndefined();
  });
});
