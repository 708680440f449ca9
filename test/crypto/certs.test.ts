import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { parseCertificate, parsePemBundle, verifyChain, type RspCertificate } from '../../src/crypto/certs.js';
import { ecdsaVerify, importPrivateKey, signatureFromTlv } from '../../src/crypto/ecdsa.js';
import { childrenOf, encodeTlv, readSingleTlv } from '../../src/util/tlv.js';
import { dataPath } from '../../src/util/data.js';
import { concatBytes, toHex } from '../../src/util/hex.js';
import { isLpaError, type LpaError } from '../../src/errors.js';
import { b64, es9pResponse, vector } from './vector.js';

const pki = (...p: string[]) => readFileSync(dataPath('pki', 'sgp26', ...p));
const cert = (...p: string[]) => parseCertificate(new Uint8Array(pki(...p)));
const ci = cert('ci', 'CERT_CI_ECDSA_NIST.der');
const ciBrp = cert('ci', 'CERT_CI_ECDSA_BRP.der');
const eum = cert('eum', 'CERT_EUM_ECDSA_NIST.der');
const euicc = cert('euicc', 'CERT_EUICC_ECDSA_NIST.der');
const NOW = new Date('2026-06-01T00:00:00Z');

function chainError(f: () => unknown): LpaError {
  try {
    f();
  } catch (e) {
    if (isLpaError(e)) return e;
    throw e;
  }
  throw new Error('expected the chain to fail');
}

/** Re-signs `c` with `key` after replacing TBS fields (index -> new raw TLV). */
function remint(c: RspCertificate, key: KeyObject, replace: Record<number, Uint8Array> = {}): RspCertificate {
  const fields = childrenOf(readSingleTlv(c.tbs, 'tbs')).map((t, i) => replace[i] ?? t.raw);
  const tbs = encodeTlv(0x30, ...fields);
  const alg = childrenOf(readSingleTlv(c.raw, 'cert'))[1]!.raw;
  const sig = new Uint8Array(sign('sha256', tbs, { key, dsaEncoding: 'der' }));
  return parseCertificate(encodeTlv(0x30, tbs, alg, encodeTlv(0x03, Uint8Array.of(0), sig)));
}

const utc = (s: string) => encodeTlv(0x17, new TextEncoder().encode(s));

describe('parseCertificate', () => {
  it('reads the RSP fields of the SGP.26 eUICC, EUM, CI and SM-DP+ certificates', () => {
    expect(toHex(ci.subjectKeyIdentifier!)).toBe('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
    expect(ci.role).toBe('ci');
    expect(ci.subject.text).toBe('CN=Test CI, OU=TESTCERT, O=RSPTEST, C=IT');
    expect(eum.role).toBe('eum');
    expect(eum.isCa).toBe(true);
    expect(eum.permittedEids).toEqual([{ eidPrefix: '89049032', organization: 'RSP Test EUM' }]);
    expect(toHex(eum.authorityKeyIdentifier!)).toBe(toHex(ci.subjectKeyIdentifier!));
    expect(euicc.eid).toBe('89049032123451234512345678901235');
    expect(euicc.role).toBe('euicc');
    expect(euicc.curve).toBe('prime256v1');
    expect(euicc.notAfter.getUTCFullYear()).toBe(7496); // GeneralizedTime
    expect(euicc.notBefore.toISOString()).toBe('2020-04-01T09:48:58.000Z');
    const dpauth = cert('dpauth', 'CERT_S_SM_DPauth_ECDSA_NIST.der');
    expect(dpauth.role).toBe('dp-auth');
    expect(dpauth.registeredIds).toEqual(['2.999.10']);
    expect(dpauth.policies).toEqual(['2.23.146.1.2.1.4']);
    expect(cert('dppb', 'CERT_S_SM_DPpb_ECDSA_BRP.der').curve).toBe('brainpoolP256r1');
    expect(ciBrp.curve).toBe('brainpoolP256r1');
    expect(toHex(euicc.publicKeyPoint).slice(0, 2)).toBe('04');
  });

  it('reads PEM and PEM bundles', () => {
    const pem = readFileSync(dataPath('pki', 'sgp26', 'ci', 'CERT_CI_ECDSA_NIST.pem'), 'utf8');
    expect(toHex(parseCertificate(pem).raw)).toBe(toHex(ci.raw));
    const gsma = readFileSync(dataPath('pki', 'gsma-ci', 'gsma-rsp2-root-ci1.pem'), 'utf8');
    expect(parsePemBundle(pem + gsma)).toHaveLength(2);
  });

  it('rejects garbage, truncation and non-EC keys with CRYPTO errors', () => {
    for (const bad of [new Uint8Array(0), Uint8Array.of(0x30, 0x82, 0xff), ci.raw.subarray(0, 200), Uint8Array.of(0x04, 0x00)]) {
      expect(chainError(() => parseCertificate(bad)).code).toBe('CRYPTO');
    }
    expect(chainError(() => parseCertificate('not a pem')).code).toBe('CRYPTO');
  });
});

describe('verifyChain', () => {
  it('eUICC -> EUM -> CI passes (the EUM name constraint is honoured, not rejected)', () => {
    const path = verifyChain(euicc, [eum], [ci, ciBrp], { now: NOW, expectedRole: 'euicc' });
    expect(path.map((c) => c.role)).toEqual(['euicc', 'eum', 'ci']);
  });

  it('CI -> DPauth and CI -> DPpb pass, on both curves', () => {
    for (const [f, root] of [
      ['dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der', ci],
      ['dppb/CERT_S_SM_DPpb_ECDSA_NIST.der', ci],
      ['dpauth/CERT_S_SM_DPauth_ECDSA_BRP.der', ciBrp],
      ['dppb/CERT_S_SM_DPpb_ECDSA_BRP.der', ciBrp],
    ] as const) {
      expect(verifyChain(cert(...f.split('/')), [], [root], { now: NOW })).toHaveLength(2);
    }
  });

  it('a chain to a different CI fails', () => {
    expect(chainError(() => verifyChain(euicc, [eum], [ciBrp], { now: NOW })).details.reason).toBe('unknownIssuer');
    // same names and key identifiers, but signed by an impostor CI key
    const impostor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const fakeEum = remint(eum, impostor);
    const e = chainError(() => verifyChain(euicc, [fakeEum], [ci], { now: NOW }));
    expect(e.code).toBe('CRYPTO');
    expect(e.details.reason).toBe('badSignature');
    expect(e.message).toMatch(/EUM Test/);
  });

  it('an expired certificate fails, and so does one not yet valid', () => {
    const eumKey = importPrivateKey(pki('eum', 'SK_EUM_ECDSA_NIST.pem').toString());
    const expired = remint(euicc, eumKey, { 4: encodeTlv(0x30, utc('200101000000Z'), utc('210101000000Z')) });
    verifyChain(expired, [eum], [ci], { now: new Date('2020-06-01T00:00:00Z') });
    const e = chainError(() => verifyChain(expired, [eum], [ci], { now: NOW }));
    expect(e.details.reason).toBe('expired');
    expect(e.message).toMatch(/expired on 2021-01-01/);
    expect(chainError(() => verifyChain(euicc, [eum], [ci], { now: new Date('2060-01-01T00:00:00Z') })).details.reason).toBe('expired');
    expect(chainError(() => verifyChain(euicc, [eum], [ci], { now: new Date('2019-01-01T00:00:00Z') })).details.reason).toBe('notYetValid');
  });

  it("an EID outside the EUM's prefix fails; a wrong role fails; TLS callers get TLS_UNTRUSTED", () => {
    const eumKey = importPrivateKey(pki('eum', 'SK_EUM_ECDSA_NIST.pem').toString());
    const subject = readSingleTlv(euicc.subject.raw, 'subject');
    const otherEid = new TextEncoder().encode('89049999123451234512345678901235');
    const patched = Buffer.from(subject.raw).toString('latin1').replace('89049032123451234512345678901235', Buffer.from(otherEid).toString('latin1'));
    const outside = remint(euicc, eumKey, { 5: new Uint8Array(Buffer.from(patched, 'latin1')) });
    expect(outside.eid).toBe('89049999123451234512345678901235');
    expect(chainError(() => verifyChain(outside, [eum], [ci], { now: NOW })).details.reason).toBe('eidOutsideEumPrefix');
    expect(chainError(() => verifyChain(euicc, [eum], [ci], { now: NOW, expectedRole: 'dp-auth' })).details.reason).toBe('wrongRole');
    const tls = cert('dptls', 'CERT_S_SM_DP_TLS_NIST.der');
    expect(chainError(() => verifyChain(tls, [], [ciBrp], { now: NOW, errorCode: 'TLS_UNTRUSTED' })).code).toBe('TLS_UNTRUSTED');
  });
});

describe('signatures of the captured download', () => {
  const init = es9pResponse('initiateAuthentication');
  const auth = es9pResponse('authenticateClient');

  it('serverSignature1 verifies with the DPauth certificate, which chains to the SGP.26 CI', () => {
    const dpAuth = parseCertificate(b64(init.serverCertificate));
    expect(dpAuth.role).toBe('dp-auth');
    verifyChain(dpAuth, [], [ci], { now: NOW, expectedRole: 'dp-auth' });
    const sig = signatureFromTlv(b64(init.serverSignature1));
    expect(ecdsaVerify(dpAuth.publicKey, b64(init.serverSigned1), sig)).toBe(true);
    const tampered = b64(init.serverSigned1);
    tampered[5]! ^= 1;
    expect(ecdsaVerify(dpAuth.publicKey, tampered, sig)).toBe(false);
    expect(toHex(b64(init.euiccCiPKIdToBeUsed))).toBe(`0414${toHex(ci.subjectKeyIdentifier!)}`);
  });

  it('euiccSignature1 verifies with the eUICC certificate sent (chain passes); smdpSignature2 (DPpb) covers euiccSignature1', () => {
    const asr = readSingleTlv(b64(vector.es9p[1]!.request.authenticateServerResponse), 'AuthenticateServerResponse', 0xbf38);
    const ok = childrenOf(asr)[0]!;
    const [euiccSigned1, euiccSignature1, euiccCert, eumCert] = childrenOf(ok);
    const eu = parseCertificate(euiccCert!.raw);
    expect(eu.eid).toBe(vector.bspKeyDerivation.eid);
    verifyChain(eu, [parseCertificate(eumCert!.raw)], [ci], { now: NOW, expectedRole: 'euicc' });
    expect(ecdsaVerify(eu.publicKey, euiccSigned1!.raw, euiccSignature1!.value)).toBe(true);

    const dpPb = parseCertificate(b64(auth.smdpCertificate));
    verifyChain(dpPb, [], [ci], { now: NOW, expectedRole: 'dp-pb' });
    const signed = concatBytes(b64(auth.smdpSigned2), euiccSignature1!.raw);
    expect(ecdsaVerify(dpPb.publicKey, signed, signatureFromTlv(b64(auth.smdpSignature2)))).toBe(true);
  });
});
