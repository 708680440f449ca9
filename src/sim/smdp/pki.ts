/**
 * The local SM-DP+'s identity, from the bundled SGP.26 test PKI (`data/pki/sgp26`): DPauth
 * (ES9+ authentication, signs serverSigned1), DPpb (profile binding, signs smdpSigned2 and the
 * BPP's InitialiseSecureChannel), DPtls (the HTTPS certificate for testsmdpplus1.example.com), the
 * CI certificates it accepts eUICC chains from, and the SM-DP+ OID from the DPauth certificate.
 * The three certificates are re-issued when the identity is first loaded (issue.ts: valid from
 * yesterday for a year, signed by the SGP.26 test CI key), so the simulator works on any clock.
 * Test keys only: never trust them outside tests.
 */

import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { LpaError } from '../../errors.js';
import { parseCertificate, type RspCertificate } from '../../crypto/certs.js';
import { importPrivateKey } from '../../crypto/ecdsa.js';
import { dataPath } from '../../util/data.js';
import { certificatePem, freshValidity, reissueCertificate } from './issue.js';

export interface SigningIdentity {
  /** The certificate DER, sent byte-for-byte (serverCertificate, smdpCertificate). */
  der: Uint8Array;
  cert: RspCertificate;
  /** Private key: never logged. */
  key: KeyObject;
}

export interface SmdpPki {
  dpAuth: SigningIdentity;
  dpPb: SigningIdentity;
  /** PEM certificate and key for the HTTPS server. */
  tls: { certPem: string; keyPem: string };
  /** CIs whose eUICC chains are accepted. */
  trustedCis: RspCertificate[];
  /** Subject key identifier of the CI that issued DPauth/DPpb (what euiccCiPKIdToBeUsed names). */
  ciPkId: Uint8Array;
  /** SM-DP+ OID (registeredID of the DPauth certificate), e.g. "2.999.10". */
  oid: string;
}

const SGP26 = ['pki', 'sgp26'] as const;

function readData(...parts: string[]): Buffer {
  const path = dataPath(...SGP26, ...parts);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new LpaError('CONFIG_INVALID', `SM-DP+ credential missing: ${path}`, { path }, { cause: e });
  }
}

function identity(certFile: string[], keyFile: string[], ciKey: KeyObject, validity: { notBefore: Date; notAfter: Date }): SigningIdentity {
  const der = reissueCertificate(new Uint8Array(readData(...certFile)), ciKey, validity);
  return { der, cert: parseCertificate(der), key: importPrivateKey(readData(...keyFile).toString('utf8')) };
}

/** The SGP.26 test CI (NIST): its certificate and key (issues the simulators' certificates), and the CIs eUICC chains may use. */
export interface TestCi {
  cert: RspCertificate;
  /** Private key: never logged. */
  key: KeyObject;
  trustedCis: RspCertificate[];
}

let ciCached: TestCi | undefined;

export function loadTestCi(): TestCi {
  ciCached ??= {
    cert: parseCertificate(new Uint8Array(readData('ci', 'CERT_CI_ECDSA_NIST.der'))),
    key: importPrivateKey(readData('ci', 'SK_CI_ECDSA_NIST.pem').toString('utf8')),
    trustedCis: ['CERT_CI_ECDSA_NIST.der', 'CERT_CI_ECDSA_BRP.der'].map((f) => parseCertificate(new Uint8Array(readData('ci', f)))),
  };
  return ciCached;
}

let cached: SmdpPki | undefined;

/** Loads the NIST (P-256) SGP.26 SM-DP+ identity once, its certificates issued afresh. */
export function loadSmdpPki(): SmdpPki {
  if (cached) return cached;
  const ci = loadTestCi();
  const ciKey = ci.key;
  const validity = freshValidity();
  const dpAuth = identity(['dpauth', 'CERT_S_SM_DPauth_ECDSA_NIST.der'], ['dpauth', 'SK_S_SM_DPauth_ECDSA_NIST.pem'], ciKey, validity);
  const dpPb = identity(['dppb', 'CERT_S_SM_DPpb_ECDSA_NIST.der'], ['dppb', 'SK_S_SM_DPpb_ECDSA_NIST.pem'], ciKey, validity);
  const trustedCis = ci.trustedCis;
  const ciPkId = dpAuth.cert.authorityKeyIdentifier;
  if (!ciPkId) throw new LpaError('CONFIG_INVALID', 'SM-DP+ DPauth certificate has no authority key identifier');
  const oid = dpAuth.cert.registeredIds[0];
  if (!oid) throw new LpaError('CONFIG_INVALID', 'SM-DP+ DPauth certificate carries no SM-DP+ OID (registeredID)');
  cached = {
    dpAuth,
    dpPb,
    tls: {
      certPem: certificatePem(reissueCertificate(new Uint8Array(readData('dptls', 'CERT_S_SM_DP_TLS_NIST.der')), ciKey, validity)),
      keyPem: readData('dptls', 'SK_S_SM_DP_TLS_NIST.pem').toString('utf8'),
    },
    trustedCis,
    ciPkId: ciPkId.slice(),
    oid,
  };
  return cached;
}

/** Path of the CI certificate clients pass with `--ca` to trust this SM-DP+'s TLS certificate. */
export function smdpCaFile(): string {
  return dataPath(...SGP26, 'ci', 'CERT_CI_ECDSA_NIST.pem');
}
