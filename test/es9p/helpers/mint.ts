/**
 * Mints TLS certificates for refusal tests: the SGP.26 DPtls certificate re-issued with other
 * validity dates, signed with the SGP.26 test CI key (so it chains to the test CI).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPrivateKey } from '../../../src/crypto/ecdsa.js';
import { certificatePem, reissueCertificate } from '../../../src/sim/smdp/issue.js';
import { dataPath } from '../../../src/util/data.js';

export function mintDpTlsCert(notBefore: Date, notAfter: Date): string {
  const der = new Uint8Array(readFileSync(dataPath('pki', 'sgp26', 'dptls', 'CERT_S_SM_DP_TLS_NIST.der')));
  const ciKey = importPrivateKey(readFileSync(dataPath('pki', 'sgp26', 'ci', 'SK_CI_ECDSA_NIST.pem'), 'utf8'));
  return certificatePem(reissueCertificate(der, ciKey, { notBefore, notAfter }));
}

/**
 * With the openssl CLI: a throw-away root whose Certificate Policies extension is critical (as in
 * the GSMA CI) and a TLS leaf for testsmdpplus1.example.com (the DPtls key) under it.
 */
export function mintCriticalPolicyChain(dir: string): { caPem: string; leafPem: string } {
  const p = (n: string) => join(dir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p('cp-ca.key')]);
  run([
    'req', '-x509', '-new', '-key', p('cp-ca.key'), '-subj', '/CN=Critical Policy Test CI', '-days', '3650', '-out', p('cp-ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'certificatePolicies=critical,2.23.146.1.2.1.0',
  ]);
  writeFileSync(p('cp-leaf.key'), readFileSync(dataPath('pki', 'sgp26', 'dptls', 'SK_S_SM_DP_TLS_NIST.pem')));
  run(['req', '-new', '-key', p('cp-leaf.key'), '-subj', '/CN=testsmdpplus1.example.com', '-out', p('cp-leaf.csr')]);
  writeFileSync(
    p('cp-leaf.ext'),
    'subjectAltName=DNS:testsmdpplus1.example.com\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\ncertificatePolicies=2.23.146.1.2.1.3\n',
  );
  run([
    'x509', '-req', '-in', p('cp-leaf.csr'), '-CA', p('cp-ca.pem'), '-CAkey', p('cp-ca.key'), '-set_serial', '4660', '-days', '30',
    '-extfile', p('cp-leaf.ext'), '-out', p('cp-leaf.pem'),
  ]);
  return { caPem: readFileSync(p('cp-ca.pem'), 'utf8'), leafPem: readFileSync(p('cp-leaf.pem'), 'utf8') };
}
