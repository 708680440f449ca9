/**
 * Mints TLS certificates for refusal tests: the SGP.26 DPtls certificate re-issued with other
 * validity dates, signed with the SGP.26 test CI key (so it chains to the test CI).
 */
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { dataPath } from '../../../src/util/data.js';

export function mintDpTlsCert(notBefore: Date, notAfter: Date): string {
  const der = readFileSync(dataPath('pki', 'sgp26', 'dptls', 'CERT_S_SM_DP_TLS_NIST.der'));
  const ciKey = readFileSync(dataPath('pki', 'sgp26', 'ci', 'SK_CI_ECDSA_NIST.pem'), 'utf8');
  const parsed = asn1js.fromBER(new Uint8Array(der));
  if (parsed.offset === -1) throw new Error('cannot parse the DPtls certificate');
  const cert = parsed.result as asn1js.Sequence;
  const tbs = cert.valueBlock.value[0] as asn1js.Sequence;
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions
  tbs.valueBlock.value[4] = new asn1js.Sequence({
    value: [new asn1js.UTCTime({ valueDate: notBefore }), new asn1js.UTCTime({ valueDate: notAfter })],
  });
  const tbsDer = new Uint8Array(tbs.toBER(false));
  const signature = sign('sha256', tbsDer, ciKey);
  const tbsAgain = asn1js.fromBER(tbsDer).result;
  const out = new asn1js.Sequence({
    value: [tbsAgain, cert.valueBlock.value[1]!, new asn1js.BitString({ valueHex: new Uint8Array(signature) })],
  });
  const b64 = Buffer.from(out.toBER(false)).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
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
