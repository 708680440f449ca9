/**
 * The local SM-DS's identity. SGP.26 ships no SM-DS certificates, so the simulator makes its own at
 * start: a fresh P-256 key pair each for DSauth (signs serverSigned1; role id-rspRole-ds-auth,
 * 2.23.146.1.2.1.7, with the SM-DS OID as registeredID) and DS TLS (the HTTPS certificate for the
 * SM-DS host name; role id-rspRole-ds-tls, 2.23.146.1.2.1.6), both issued by the SGP.26 test CI key,
 * valid from yesterday for a year. Clients trust it through the test CI certificate (`--ca`), exactly
 * as they trust the local SM-DP+. Test keys only.
 */

import { generateKeyPairSync } from 'node:crypto';
import { LpaError } from '../../errors.js';
import { parseCertificate, type RspCertificate } from '../../crypto/certs.js';
import { certificatePem, freshValidity, issueCertificate } from '../smdp/issue.js';
import { loadTestCi, smdpCaFile, type SigningIdentity } from '../smdp/pki.js';

/** Address of the local SM-DS (the DS TLS certificate's DNS name). */
export const DEFAULT_SMDS_ADDRESS = 'testsmds1.example.com';
/** OID of the local SM-DS (under 2.999, the arc for examples, like SGP.26's SM-DP+ 2.999.10). */
export const SMDS_OID = '2.999.20';

export const ROLE_DS_TLS = '2.23.146.1.2.1.6';
export const ROLE_DS_AUTH = '2.23.146.1.2.1.7';

export interface SmdsPki {
  dsAuth: SigningIdentity;
  tls: { certPem: string; keyPem: string };
  trustedCis: RspCertificate[];
  /** Subject key identifier of the CI that issued DSauth (euiccCiPKIdToBeUsed). */
  ciPkId: Uint8Array;
  oid: string;
}

const cache = new Map<string, SmdsPki>();

/** Issues (once per host name) the SM-DS certificates for `host`. */
export function loadSmdsPki(host: string = DEFAULT_SMDS_ADDRESS): SmdsPki {
  const hit = cache.get(host);
  if (hit) return hit;
  const ci = loadTestCi();
  const ciPkId = ci.cert.subjectKeyIdentifier;
  if (!ciPkId) throw new LpaError('CONFIG_INVALID', 'the test CI certificate has no subject key identifier');
  const issuer = { subjectDer: ci.cert.subject.raw, subjectKeyIdentifier: ciPkId };
  const validity = freshValidity();
  const auth = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const authDer = issueCertificate(
    { organization: 'ACME', commonName: 'TEST SM-DS', publicKey: auth.publicKey, policy: ROLE_DS_AUTH, registeredId: SMDS_OID, validity },
    issuer,
    ci.key,
  );
  const tls = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tlsDer = issueCertificate(
    { organization: 'ACME', commonName: host, publicKey: tls.publicKey, policy: ROLE_DS_TLS, registeredId: SMDS_OID, dnsNames: [host], tls: true, validity },
    issuer,
    ci.key,
  );
  const pki: SmdsPki = {
    dsAuth: { der: authDer, cert: parseCertificate(authDer), key: auth.privateKey },
    tls: { certPem: certificatePem(tlsDer), keyPem: tls.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    trustedCis: ci.trustedCis,
    ciPkId: ciPkId.slice(),
    oid: SMDS_OID,
  };
  cache.set(host, pki);
  return pki;
}

/** The `--ca` file clients use to trust the SM-DS's TLS certificate: the test CI, as for the SM-DP+. */
export function smdsCaFile(): string {
  return smdpCaFile();
}
