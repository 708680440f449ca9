/**
 * The local SM-DS: its certificates (issued at start from the SGP.26 test CI key, SM-DS roles and
 * OID; checked by our chain verifier, Node's X.509 and, where installed, openssl), its HTTPS routes
 * (ES11 on the ES9+ and the ES11 paths, JSON errors), the event store, and the SM-DP+ side of ES12
 * (orders with the SM-DS flag, in process and over the admin interface).
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, verifyChain } from '../../../src/crypto/certs.js';
import { loadTestCi } from '../../../src/sim/smdp/pki.js';
import { startSmdp, type SmdpServer } from '../../../src/sim/smdp/index.js';
import { DEFAULT_SMDS_ADDRESS, loadSmdsPki, SMDS_OID, startSmds, type SmdsServer } from '../../../src/sim/smds/index.js';
import { EventStore } from '../../../src/sim/smds/events.js';
import { VIRTUAL_EID } from '../../../src/sim/euicc/index.js';

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasOpenssl) console.log('skipped: checking the SM-DS certificates with openssl (openssl is not installed)');

describe('SM-DS certificates', () => {
  const pki = loadSmdsPki();
  const ci = loadTestCi();

  it('DSauth: SM-DS auth role and OID, chained to the test CI', () => {
    const cert = pki.dsAuth.cert;
    expect(cert.role).toBe('ds-auth');
    expect(cert.policies).toEqual(['2.23.146.1.2.1.7']);
    expect(cert.registeredIds).toEqual([SMDS_OID]);
    expect(cert.authorityKeyIdentifier).toEqual(ci.cert.subjectKeyIdentifier);
    expect(verifyChain(cert, [], [ci.cert], { expectedRole: 'ds-auth' })).toHaveLength(2);
    expect(cert.notBefore.getTime()).toBeLessThan(Date.now());
    expect(cert.notAfter.getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
  });

  it('DS TLS: SM-DS TLS role, the host name, server authentication; Node verifies it with the CI', () => {
    const cert = parseCertificate(pki.tls.certPem);
    expect(cert.role).toBe('ds-tls');
    verifyChain(cert, [], [ci.cert], { expectedRole: 'ds-tls' });
    const x = new X509Certificate(pki.tls.certPem);
    expect(x.checkHost(DEFAULT_SMDS_ADDRESS)).toBe(DEFAULT_SMDS_ADDRESS);
    expect(x.checkHost('testsmdpplus1.example.com')).toBeUndefined();
    expect(x.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1']));
    expect(x.verify(new X509Certificate(Buffer.from(ci.cert.raw)).publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(pki.tls.keyPem))).toBe(true);
  });

  it.skipIf(!hasOpenssl)('openssl verifies both against the test CI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpa-smds-pki-'));
    try {
      const ciPem = join(dir, 'ci.pem');
      writeFileSync(ciPem, new X509Certificate(Buffer.from(ci.cert.raw)).toString());
      writeFileSync(join(dir, 'auth.pem'), new X509Certificate(Buffer.from(pki.dsAuth.der)).toString());
      writeFileSync(join(dir, 'tls.pem'), pki.tls.certPem);
      for (const f of ['auth.pem', 'tls.pem']) {
        const r = spawnSync('openssl', ['verify', '-CAfile', ciPem, join(dir, f)], { encoding: 'utf8' });
        expect(`${r.stdout}${r.stderr}`.trim(), f).toBe(`${join(dir, f)}: OK`);
      }
      const text = spawnSync('openssl', ['x509', '-in', join(dir, 'tls.pem'), '-noout', '-text'], { encoding: 'utf8' }).stdout;
      expect(text).toContain('DNS:testsmds1.example.com');
      expect(text).toContain('Policy: 2.23.146.1.2.1.6');
      expect(text).toContain('TLS Web Server Authentication');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('event store', () => {
  it('registers (again: replaces), lists per EID, deletes once', () => {
    const s = new EventStore();
    s.register({ eventId: 'E1', eid: VIRTUAL_EID, rspServerAddress: 'smdp.example.com' });
    s.register({ eventId: 'E2', eid: VIRTUAL_EID, rspServerAddress: 'other.example.com' });
    s.register({ eventId: 'E1', eid: VIRTUAL_EID, rspServerAddress: 'smdp.example.com:8443' });
    expect(s.forEid(VIRTUAL_EID).map((e) => [e.eventId, e.rspServerAddress])).toEqual([
      ['E2', 'other.example.com'],
      ['E1', 'smdp.example.com:8443'],
    ]);
    expect(s.forEid('89049032123451234512345678901236')).toEqual([]);
    expect(s.delete('E1')).toBe(true);
    expect(s.delete('E1')).toBe(false);
    expect(s.deleted.map((e) => e.eventId)).toEqual(['E1']);
  });

  it('refuses a bad EID, address or event id', () => {
    const s = new EventStore();
    expect(() => s.register({ eventId: 'E', eid: '1234', rspServerAddress: 'a.example' })).toThrow(/EID/);
    expect(() => s.register({ eventId: 'E', eid: VIRTUAL_EID, rspServerAddress: 'ftp://a' })).toThrow(/address/);
    expect(() => s.register({ eventId: 'has space', eid: VIRTUAL_EID, rspServerAddress: 'a.example' })).toThrow(/event id/);
  });
});

describe('SM-DS over HTTPS, and the SM-DP+ registering at it', () => {
  let smds: SmdsServer;
  let smdp: SmdpServer;
  beforeAll(async () => {
    smds = await startSmds();
    smdp = await startSmdp({ smds: smds.registrar });
  });
  afterAll(async () => {
    await smdp?.close();
    await smds?.close();
  });

  async function post(path: string, body: string, method = 'POST'): Promise<{ status: number; json: Record<string, any> }> {
    const { request } = await import('node:https');
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: smds.port, path, method, servername: smds.address, ca: new X509Certificate(Buffer.from(loadTestCi().cert.raw)).toString(), headers: { 'Content-Type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, any> }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers ES11 on the ES9+ and the ES11 paths, JSON errors elsewhere', async () => {
    for (const prefix of ['/gsma/rsp2/es9plus/', '/gsma/rsp2/es11/']) {
      const r = await post(`${prefix}authenticateClient`, JSON.stringify({ transactionId: '00112233', authenticateServerResponse: 'vzgA' }));
      expect(r.status, prefix).toBe(400); // reached the handler: the (empty) eUICC answer does not decode
      expect(r.json.header.functionExecutionStatus.status).toBe('Failed');
    }
    expect((await post('/gsma/rsp2/es9plus/getBoundProfilePackage', '{}')).json.header.functionExecutionStatus.statusCodeData.message).toBe(
      'unknown ES11 function "getBoundProfilePackage"',
    );
    expect((await post('/gsma/rsp2/es9plus/initiateAuthentication', '{}', 'PUT')).status).toBe(405);
    expect((await post('/elsewhere', '{}')).status).toBe(404);
  });

  it('orders with the SM-DS flag register an event (matching id = event id); others do not', async () => {
    const before = smds.events().length;
    const plain = smdp.admin.createOrder({ eid: VIRTUAL_EID, profile: 'TS48V1-A-UNIQUE' });
    expect(plain.smdsEventId).toBeUndefined();
    const o = smdp.admin.createOrder({ eid: VIRTUAL_EID, profile: 'TS48V1-B-UNIQUE', smds: true });
    expect(smds.events().slice(before)).toEqual([expect.objectContaining({ eventId: o.smdsEventId, eid: VIRTUAL_EID, rspServerAddress: smdp.address })]);
    expect(() => smdp.admin.createOrder({ profile: 'TS48V2-SAIP2-1-BERTLV-UNIQUE', matchingId: 'X', smds: true })).toThrow('an order registered at the SM-DS needs the EID the event is for');
  });

  it('over the admin interface: {"smds": true}, and /admin/events lists what waits', async () => {
    const base = `${smdp.adminUrl}/admin`;
    const res = await fetch(`${base}/orders`, { method: 'POST', body: JSON.stringify({ eid: VIRTUAL_EID, profile: 'TS48V2-SAIP2-3-BERTLV-UNIQUE', smds: true }) });
    expect(res.status).toBe(201);
    const order = (await res.json()) as { smdsEventId: string };
    const events = (await (await fetch(`${base}/events`)).json()) as { eventId: string }[];
    expect(events.map((e) => e.eventId)).toContain(order.smdsEventId);
    const bad = await fetch(`${base}/orders`, { method: 'POST', body: JSON.stringify({ eid: VIRTUAL_EID, smds: 'yes' }) });
    expect(bad.status).toBe(400);
  });

  it('an SM-DP+ without an SM-DS refuses orders with the flag', async () => {
    const lone = await startSmdp();
    try {
      expect(() => lone.admin.createOrder({ eid: VIRTUAL_EID, smds: true })).toThrow('this SM-DP+ has no SM-DS to register the event at (start it with --smds)');
      expect(lone.admin.smdsEvents()).toEqual([]);
    } finally {
      await lone.close();
    }
  });
});
