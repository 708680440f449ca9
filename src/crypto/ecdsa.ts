/**
 * ECDSA with SHA-256 as SGP.22 uses it: P-256 (prime256v1) or brainpoolP256r1 keys, signatures as
 * plain r||s (64 bytes), carried as `5F37 40 || r||s` inside signed messages.
 */

import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { LpaError } from '../errors.js';
import { concatBytes, toHex } from '../util/hex.js';
import { encodeOidValue } from '../util/asn1Values.js';
import { childrenOf, encodeTlv, readSingleTlv } from '../util/tlv.js';

/** OpenSSL names of the curves SGP.22 allows. */
export type EcCurve = 'prime256v1' | 'brainpoolP256r1';

export const CURVE_OIDS: Record<EcCurve, string> = {
  prime256v1: '1.2.840.10045.3.1.7',
  brainpoolP256r1: '1.3.36.3.3.2.8.1.1.7',
};
export const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';

/** Tag of a signature inside SGP.22 messages (APPLICATION 55). */
export const SIGNATURE_TAG = 0x5f37;
/** Tag of a one-time public key inside SGP.22 messages (APPLICATION 73). */
export const OTPK_TAG = 0x5f49;

export function curveFromOid(oid: string): EcCurve | undefined {
  for (const [name, o] of Object.entries(CURVE_OIDS)) if (o === oid) return name as EcCurve;
  return undefined;
}

function cryptoError(message: string, details: Record<string, unknown>, cause?: unknown): LpaError {
  return new LpaError('CRYPTO', message, details, cause === undefined ? undefined : { cause });
}

/** SubjectPublicKeyInfo DER for an uncompressed EC point on `curve`. */
export function spkiFromPoint(point: Uint8Array, curve: EcCurve): Uint8Array {
  if (point.length !== 65 || point[0] !== 0x04) {
    throw cryptoError(`EC public key must be an uncompressed point (65 bytes starting 04), got ${point.length} bytes`, {
      length: point.length,
    });
  }
  const alg = encodeTlv(0x30, encodeTlv(0x06, encodeOidValue(EC_PUBLIC_KEY_OID)), encodeTlv(0x06, encodeOidValue(CURVE_OIDS[curve])));
  return encodeTlv(0x30, alg, encodeTlv(0x03, Uint8Array.of(0), point));
}

/** Public key from an uncompressed point (04||X||Y); throws CRYPTO when it is not on the curve. */
export function publicKeyFromPoint(point: Uint8Array, curve: EcCurve = 'prime256v1'): KeyObject {
  const der = spkiFromPoint(point, curve);
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (e) {
    throw cryptoError(`EC point is not a valid ${curve} public key`, { curve }, e);
  }
}

/**
 * Public key from PEM text, SPKI DER, or an uncompressed point (65 bytes starting 04, with `curve`).
 * A private key (PEM) is accepted too: its public half is returned.
 */
export function importPublicKey(input: string | Uint8Array, curve: EcCurve = 'prime256v1'): KeyObject {
  try {
    if (typeof input === 'string') return createPublicKey(input);
    if (input.length === 65 && input[0] === 0x04) return publicKeyFromPoint(input, curve);
    return createPublicKey({ key: Buffer.from(input), format: 'der', type: 'spki' });
  } catch (e) {
    if (e instanceof LpaError) throw e;
    throw cryptoError('cannot import EC public key', {}, e);
  }
}

/** Private key from PEM text (PKCS#8 or SEC1, with or without EC PARAMETERS) or PKCS#8/SEC1 DER. */
export function importPrivateKey(input: string | Uint8Array): KeyObject {
  try {
    if (typeof input === 'string') return createPrivateKey(input);
    const key = Buffer.from(input);
    try {
      return createPrivateKey({ key, format: 'der', type: 'pkcs8' });
    } catch {
      return createPrivateKey({ key, format: 'der', type: 'sec1' });
    }
  } catch (e) {
    throw cryptoError('cannot import EC private key', {}, e);
  }
}

/** Private key from its raw 32-byte scalar. */
export function privateKeyFromScalar(d: Uint8Array, curve: EcCurve = 'prime256v1'): KeyObject {
  if (d.length !== 32) throw cryptoError(`EC private scalar must be 32 bytes, got ${d.length}`, { length: d.length });
  const sec1 = encodeTlv(
    0x30,
    encodeTlv(0x02, Uint8Array.of(1)),
    encodeTlv(0x04, d),
    encodeTlv(0xa0, encodeTlv(0x06, encodeOidValue(CURVE_OIDS[curve]))),
  );
  try {
    return createPrivateKey({ key: Buffer.from(sec1), format: 'der', type: 'sec1' });
  } catch (e) {
    throw cryptoError(`invalid ${curve} private scalar`, { curve }, e);
  }
}

/** The curve of an EC key; throws CRYPTO for other key types or curves. */
export function curveOfKey(key: KeyObject): EcCurve {
  const c = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  if (c === 'prime256v1' || c === 'brainpoolP256r1') return c;
  throw cryptoError(`unsupported key: ${key.asymmetricKeyType ?? 'unknown'} ${c ?? ''}`.trim(), {
    keyType: key.asymmetricKeyType,
    curve: c,
  });
}

/** Uncompressed point (04||X||Y) of a public or private EC key. */
export function publicKeyToPoint(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const spki = new Uint8Array(pub.export({ format: 'der', type: 'spki' }));
  const parts = childrenOf(readSingleTlv(spki, 'SubjectPublicKeyInfo', 0x30));
  const bits = parts[1];
  if (!bits || bits.tag !== 0x03 || bits.value[0] !== 0) throw cryptoError('unexpected SPKI encoding', {});
  return bits.value.slice(1);
}

/** Signs SHA-256(data) and returns r||s (64 bytes). */
export function ecdsaSign(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  curveOfKey(privateKey);
  return new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
}

/** Verifies an r||s (64 bytes) signature over SHA-256(data). Returns false for a wrong signature. */
export function ecdsaVerify(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** Like `ecdsaVerify` but throws LpaError CRYPTO naming `what` when the signature is wrong. */
export function ecdsaVerifyOrThrow(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array, what: string): void {
  if (!ecdsaVerify(publicKey, data, signature)) {
    throw cryptoError(`${what}: signature verification failed`, { what, signatureLength: signature.length });
  }
}

/** `5F37 40 || r||s` for a 64-byte signature. */
export function signatureTlv(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw cryptoError(`signature must be 64 bytes, got ${signature.length}`, {});
  return concatBytes(Uint8Array.of(0x5f, 0x37, 0x40), signature);
}

/** r||s from `5F37 40 || r||s`; throws ASN1_DECODE for anything else. */
export function signatureFromTlv(tlv: Uint8Array): Uint8Array {
  const t = readSingleTlv(tlv, 'signature', SIGNATURE_TAG);
  if (t.value.length !== 64) {
    throw new LpaError('ASN1_DECODE', `signature: expected 64 bytes r||s, got ${t.value.length}`, {
      length: t.value.length,
    });
  }
  return t.value;
}

/** Converts a DER ECDSA-Sig-Value (as in X.509) into r||s of `size` bytes each. */
export function derSignatureToRaw(der: Uint8Array, size = 32): Uint8Array {
  const seq = readSingleTlv(der, 'ECDSA-Sig-Value', 0x30);
  const ints = childrenOf(seq, 3);
  if (ints.length !== 2 || ints[0]!.tag !== 0x02 || ints[1]!.tag !== 0x02) {
    throw new LpaError('ASN1_DECODE', 'ECDSA-Sig-Value must hold two INTEGERs', {});
  }
  const out = new Uint8Array(size * 2);
  ints.forEach((t, i) => {
    let v = t.value;
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > size) throw new LpaError('ASN1_DECODE', `ECDSA integer too long: ${toHex(v)}`, {});
    out.set(v, i * size + size - v.length);
  });
  return out;
}
