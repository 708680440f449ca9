import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import {
  curveOfKey,
  derSignatureToRaw,
  ecdsaSign,
  ecdsaVerify,
  ecdsaVerifyOrThrow,
  importPrivateKey,
  importPublicKey,
  privateKeyFromScalar,
  publicKeyFromPoint,
  publicKeyToPoint,
  signatureFromTlv,
  signatureTlv,
  spkiFromPoint,
  type EcCurve,
} from '../../src/crypto/ecdsa.js';
import { OneTimeKeyPair } from '../../src/crypto/otpk.js';
import { dataPath } from '../../src/util/data.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { vector } from './vector.js';

const pem = (...p: string[]) => readFileSync(dataPath('pki', 'sgp26', ...p), 'utf8');
const msg = new TextEncoder().encode('serverSigned1 bytes');

describe('ECDSA r||s', () => {
  it.each([
    ['prime256v1', 'dpauth/SK_S_SM_DPauth_ECDSA_NIST.pem', 'dpauth/PK_S_SM_DPauth_ECDSA_NIST.pem'],
    ['brainpoolP256r1', 'dpauth/SK_S_SM_DPauth_ECDSA_BRP.pem', 'dpauth/PK_S_SM_DPauth_ECDSA_BRP.pem'],
  ] as const)('signs and verifies on %s with the SGP.26 keys', (curve, sk, pk) => {
    const priv = importPrivateKey(pem(...sk.split('/')));
    const pub = importPublicKey(pem(...pk.split('/')));
    expect(curveOfKey(priv)).toBe(curve);
    const sig = ecdsaSign(priv, msg);
    expect(sig.length).toBe(64);
    expect(ecdsaVerify(pub, msg, sig)).toBe(true);
    // the same key imported from its uncompressed point
    const point = publicKeyToPoint(pub);
    expect(point.length).toBe(65);
    expect(ecdsaVerify(publicKeyFromPoint(point, curve), msg, sig)).toBe(true);
    expect(ecdsaVerify(importPublicKey(point, curve), msg, sig)).toBe(true);
    const bad = sig.slice();
    bad[10]! ^= 1;
    expect(ecdsaVerify(pub, msg, bad)).toBe(false);
    expect(ecdsaVerify(pub, msg, sig.subarray(0, 63))).toBe(false);
    expect(() => ecdsaVerifyOrThrow(pub, msg, bad, 'serverSignature1')).toThrow(/serverSignature1: signature verification failed/);
  });

  it('imports SPKI/PKCS#8/SEC1 DER and raw scalars', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    expect(toHex(publicKeyToPoint(importPublicKey(spki)))).toBe(toHex(publicKeyToPoint(publicKey)));
    expect(toHex(spkiFromPoint(publicKeyToPoint(publicKey), 'prime256v1'))).toBe(toHex(spki));
    for (const type of ['pkcs8', 'sec1'] as const) {
      const der = new Uint8Array(privateKey.export({ format: 'der', type }));
      expect(ecdsaVerify(publicKey, msg, ecdsaSign(importPrivateKey(der), msg))).toBe(true);
    }
    const d = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
    expect(ecdsaVerify(publicKey, msg, ecdsaSign(privateKeyFromScalar(d), msg))).toBe(true);
  });

  it('signature TLV helpers produce and read 5F37 40 || r||s', () => {
    const sig = new Uint8Array(64).map((_, i) => i);
    const tlv = signatureTlv(sig);
    expect(toHex(tlv.subarray(0, 4))).toBe('5F374000');
    expect(signatureFromTlv(tlv)).toEqual(sig);
    expect(() => signatureFromTlv(fromHex('5F3703010203'))).toThrow(expect.objectContaining({ code: 'ASN1_DECODE' }));
    expect(() => signatureFromTlv(fromHex('5F4940' + '00'.repeat(64)))).toThrow(expect.objectContaining({ code: 'ASN1_DECODE' }));
    expect(() => signatureTlv(new Uint8Array(63))).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
  });

  it('converts X.509 DER signatures to r||s (short integers left-padded)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = new Uint8Array(sign('sha256', msg, { key: privateKey, dsaEncoding: 'der' }));
    expect(ecdsaVerify(publicKey, msg, derSignatureToRaw(der))).toBe(true);
    expect(toHex(derSignatureToRaw(fromHex('3007020101020200FF')))).toBe('00'.repeat(31) + '01' + '00'.repeat(31) + 'FF');
  });

  it('rejects bad points, scalars and keys with CRYPTO errors', () => {
    const offCurve = fromHex('04' + '11'.repeat(64));
    for (const curve of ['prime256v1', 'brainpoolP256r1'] as EcCurve[]) {
      expect(() => publicKeyFromPoint(offCurve, curve)).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    }
    expect(() => publicKeyFromPoint(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    expect(() => privateKeyFromScalar(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    expect(() => importPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    const ed = generateKeyPairSync('ed25519').publicKey;
    expect(() => curveOfKey(ed)).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
  });
});

describe('one-time ECKA key pairs', () => {
  it.each(['prime256v1', 'brainpoolP256r1'] as const)('agree on a shared secret on %s', (curve) => {
    const a = OneTimeKeyPair.generate(curve);
    const b = OneTimeKeyPair.generate(curve);
    expect(a.publicPoint.length).toBe(65);
    expect(toHex(a.sharedSecret(b.publicPoint))).toBe(toHex(b.sharedSecret(a.publicPoint)));
    const again = OneTimeKeyPair.fromPrivateScalar(a.privateScalar(), curve);
    expect(toHex(again.publicPoint)).toBe(toHex(a.publicPoint));
  });

  it('reproduces the vector eUICC one-time public key from its private key', () => {
    const jwk = createPrivateKey(vector.euiccOneTimeKey.privateKeyPkcs8Pem).export({ format: 'jwk' });
    const k = OneTimeKeyPair.fromPrivateScalar(new Uint8Array(Buffer.from(jwk.d!, 'base64url')));
    expect(toHex(k.publicPoint)).toBe(vector.euiccOneTimeKey.publicKeyUncompressed.toUpperCase());
    expect(toHex(publicKeyToPoint(createPublicKey(vector.euiccOneTimeKey.privateKeyPkcs8Pem)))).toBe(toHex(k.publicPoint));
  });

  it('rejects malformed peer points and keeps the private key out of JSON', () => {
    const a = OneTimeKeyPair.generate();
    expect(() => a.sharedSecret(new Uint8Array(64))).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    expect(() => a.sharedSecret(fromHex('04' + '11'.repeat(64)))).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    expect(() => a.sharedSecret(OneTimeKeyPair.generate('brainpoolP256r1').publicPoint)).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
    const json = JSON.stringify(a);
    expect(json).not.toContain(toHex(a.privateScalar()).toLowerCase());
    expect(Object.keys(JSON.parse(json))).toEqual(['curve', 'publicPoint']);
  });
});
