/**
 * The virtual eUICC's credentials: the SGP.26 test eUICC certificate and key, and the EUM
 * certificate that signed it. Loaded once from the bundled data folder.
 */

import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LpaError } from '../../errors.js';
import { dataPath } from '../../util/data.js';

export interface EuiccIdentity {
  /** CERT.EUICC.ECDSA (DER). */
  euiccCertificate: Uint8Array;
  /** CERT.EUM.ECDSA (DER). */
  eumCertificate: Uint8Array;
  /** PK.EUICC.ECDSA, to verify what the eUICC signs. */
  publicKey: KeyObject;
  /** ECDSA P-256 / SHA-256 signature of `data` as r||s (64 bytes). */
  sign(data: Uint8Array): Uint8Array;
}

/** SubjectKeyIdentifier of the SGP.26 test CI (the only CI this eUICC knows). */
export const TEST_CI_PKID = 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3';

export const EUICC_CERT_FILE = ['pki', 'sgp26', 'euicc', 'CERT_EUICC_ECDSA_NIST.der'] as const;
export const EUICC_KEY_FILE = ['pki', 'sgp26', 'euicc', 'SK_EUICC_ECDSA_NIST.pem'] as const;
export const EUM_CERT_FILE = ['pki', 'sgp26', 'eum', 'CERT_EUM_ECDSA_NIST.der'] as const;

let cached: EuiccIdentity | undefined;

function read(parts: readonly string[]): Buffer {
  const path = dataPath(...parts);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new LpaError('CONFIG_INVALID', `virtual eUICC credential missing: ${path}`, { path }, { cause: e });
  }
}

/** Builds an identity from a certificate, its private key and the EUM certificate. */
export function makeIdentity(euiccCertificate: Uint8Array, privateKeyPem: string, eumCertificate: Uint8Array): EuiccIdentity {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (e) {
    throw new LpaError('CRYPTO', 'virtual eUICC private key cannot be read', {}, { cause: e });
  }
  const publicKey = createPublicKey(key);
  return {
    euiccCertificate,
    eumCertificate,
    publicKey,
    sign: (data) => new Uint8Array(sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })),
  };
}

/** The SGP.26 test eUICC identity from `data/pki/sgp26` (cached). */
export function loadTestIdentity(): EuiccIdentity {
  if (!cached) {
    cached = makeIdentity(
      new Uint8Array(read(EUICC_CERT_FILE)),
      read(EUICC_KEY_FILE).toString('utf8'),
      new Uint8Array(read(EUM_CERT_FILE)),
    );
  }
  return cached;
}
