import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { Es9Client } from '../../src/es9p/client.js';
import { createTrustStore, readCaFile } from '../../src/es9p/tls.js';
import { dataPath } from '../../src/util/data.js';
import { mintCriticalPolicyChain, mintDpTlsCert } from './helpers/mint.js';
import { DPTLS_KEY, SMDP_HOST, TEST_CI_DER, TEST_CI_PEM, connectToFor, sendJson, startServer, type TestServer } from './helpers/server.js';
import { lpaRejection } from '../util/lpaError.js';
import { ROOT } from '../cli/run.js';

const ok = { header: { functionExecutionStatus: { status: 'Executed-Success' } } };
const request = { pendingNotification: new Uint8Array([0xbf, 0x37, 0x00]) };
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'es9p-tls-'));
});


describe('trust store', () => {
  it('holds the bundled GSMA CI root and the system roots by default', () => {
    const store = createTrustStore();
    expect(store.counts.gsmaCi).toBe(1);
    expect(store.counts.system).toBeGreaterThan(50);
    expect(store.counts.extra).toBe(0);
    const gsma = readFileSync(dataPath('pki', 'gsma-ci', 'gsma-rsp2-root-ci1.pem'), 'utf8').trim();
    expect(store.certificates[0]!.trim()).toBe(gsma);
    // The GSMA CI's critical Certificate Policies extension does not stop OpenSSL from loading it.
    expect(() => store.secureContext()).not.toThrow();
  });

  it('reads --ca files in PEM and DER', () => {
    expect(readCaFile(TEST_CI_PEM)).toHaveLength(1);
    expect(readCaFile(TEST_CI_DER)).toEqual(readCaFile(TEST_CI_PEM));
    const bundle = join(tmp, 'bundle.pem');
    writeFileSync(bundle, readFileSync(TEST_CI_PEM, 'utf8') + readFileSync(dataPath('pki', 'gsma-ci', 'gsma-rsp2-root-ci1.pem'), 'utf8'));
    expect(readCaFile(bundle)).toHaveLength(2);
    expect(createTrustStore({ caFiles: [TEST_CI_PEM, bundle], system: false }).counts).toEqual({ gsmaCi: 1, system: 0, extra: 3 });
  });

  it('a missing or invalid --ca file is CONFIG_INVALID naming the path', () => {
    const missing = join(tmp, 'nope.pem');
    const garbage = join(tmp, 'garbage.der');
    writeFileSync(garbage, Buffer.from('30030201', 'hex'));
    const badPem = join(tmp, 'bad.pem');
    writeFileSync(badPem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const keyOnly = join(tmp, 'key.pem');
    writeFileSync(keyOnly, DPTLS_KEY);
    for (const path of [missing, garbage, badPem, keyOnly]) {
      let err: unknown;
      try {
        createTrustStore({ caFiles: [path] });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LpaError);
      expect((err as LpaError).code).toBe('CONFIG_INVALID');
      expect((err as LpaError).message).toContain(path);
      expect((err as LpaError).details.path).toBe(path);
    }
  });
});

describe('TLS refusals', () => {
  let server: TestServer | undefined;
  let client: Es9Client | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  const stores = new Map<string, ReturnType<typeof createTrustStore>>();
  function clientFor(port: number, opts: { caFiles?: string[]; smdpAddress?: string } = {}): Es9Client {
    const smdpAddress = opts.smdpAddress ?? SMDP_HOST;
    const caFiles = opts.caFiles ?? [TEST_CI_PEM];
    const key = caFiles.join('\n');
    if (!stores.has(key)) stores.set(key, createTrustStore({ caFiles }));
    client = new Es9Client({
      smdpAddress,
      trust: stores.get(key)!,
      connectTo: [connectToFor(port, smdpAddress)],
      retryDelayMs: 10,
    });
    return client;
  }

  it("with the system roots the context starts from Node's own root store: what it trusts stays trusted", async () => {
    // With --use-openssl-ca, Node's root store (the bundled Mozilla list otherwise) is OpenSSL's
    // default, SSL_CERT_FILE: naming the test CI there stands in for a bundled root. The trust
    // store, which adds its own roots to a copy of Node's store, then accepts the SGP.26 server
    // without --ca; with another file it refuses it. (A new process: Node reads these at start.)
    server = await startServer((_req, res) => sendJson(res, ok));
    const script = `
      import { connect } from 'node:tls';
      import { createTrustStore } from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'src', 'es9p', 'tls.js')).href)};
      const s = connect({ host: '127.0.0.1', port: ${server.port}, servername: ${JSON.stringify(SMDP_HOST)}, secureContext: createTrustStore().secureContext(), rejectUnauthorized: false });
      s.once('secureConnect', () => { process.stdout.write(s.authorized ? 'trusted' : String(s.authorizationError)); s.destroy(); });
      s.once('error', (e) => process.stdout.write('error ' + e.message));`;
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--use-openssl-ca', '--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: '', SSL_CERT_DIR: tmp, ...env } });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', () => resolve(out));
      });
    expect(await run({ SSL_CERT_FILE: TEST_CI_PEM })).toBe('trusted');
    expect(await run({ SSL_CERT_FILE: dataPath('pki', 'gsma-ci', 'gsma-rsp2-root-ci1.pem') })).toMatch(/^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/);
  });

  it('the SGP.26 certificate is accepted when the test CI is added with --ca (system roots kept)', async () => {
    server = await startServer((_req, res) => sendJson(res, ok));
    await clientFor(server.port).handleNotification(request);
    expect(server.requests).toHaveLength(1);
  });

  it('unknown CI (test CI not given) -> TLS_UNTRUSTED suggesting --ca, nothing sent', async () => {
    server = await startServer((_req, res) => sendJson(res, ok));
    const c = clientFor(server.port, { caFiles: [] });
    const e = await lpaRejection(c.handleNotification(request));
    expect(e.code).toBe('TLS_UNTRUSTED');
    expect(e.message).toContain('not issued by a trusted CI; add its root with --ca');
    expect(e.details.tlsCode).toMatch(/^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/);
    expect(server.requests).toHaveLength(0);
    expect(c.stats()).toMatchObject({ tlsHandshakes: 0, retries: 0 });
  });

  it('expired certificate -> TLS_UNTRUSTED', async () => {
    const cert = mintDpTlsCert(new Date('2020-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z'));
    server = await startServer((_req, res) => sendJson(res, ok), { cert });
    const e = await lpaRejection(clientFor(server.port).handleNotification(request));
    expect(e.code).toBe('TLS_UNTRUSTED');
    expect(e.message).toContain('expired');
    expect(e.details.tlsCode).toBe('CERT_HAS_EXPIRED');
    expect(server.requests).toHaveLength(0);
  });

  it('certificate for another host name -> TLS_UNTRUSTED', async () => {
    server = await startServer((_req, res) => sendJson(res, ok));
    const e = await lpaRejection(clientFor(server.port, { smdpAddress: 'other-smdp.example.com' }).handleNotification(request));
    expect(e.code).toBe('TLS_UNTRUSTED');
    expect(e.details.tlsCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(e.message).toContain('testsmdpplus1.example.com');
    expect(e.message).toContain('not other-smdp.example.com');
    expect(server.requests).toHaveLength(0);
  });

  it('the certificate is checked against the SM-DP+ name, not the --connect-to target', async () => {
    server = await startServer((_req, res) => sendJson(res, ok));
    const e = await lpaRejection(clientFor(server.port, { smdpAddress: '127.0.0.1' }).handleNotification(request));
    expect(e.code).toBe('TLS_UNTRUSTED');
  });

  it('a root with a critical Certificate Policies extension (like the GSMA CI) is accepted', async () => {
    const { caPem, leafPem } = mintCriticalPolicyChain(tmp);
    server = await startServer((_req, res) => sendJson(res, ok), { cert: leafPem });
    const caFile = join(tmp, 'critical-ci.pem');
    writeFileSync(caFile, caPem);
    await clientFor(server.port, { caFiles: [caFile] }).handleNotification(request);
    expect(server.requests).toHaveLength(1);
  });

  it('plain HTTP server on the port -> NETWORK (TLS handshake failed), not retried', async () => {
    server = await startServer((_req, res) => sendJson(res, ok), { plain: true });
    const c = clientFor(server.port);
    const e = await lpaRejection(c.handleNotification(request));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toContain('TLS handshake');
    expect(server.requests).toHaveLength(0);
    expect(c.stats().retries).toBe(0);
  });

  it('a server that accepts TCP but never does TLS -> ES9_TIMEOUT while connecting, retried once', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const c = new Es9Client({
        smdpAddress: SMDP_HOST,
        trust: createTrustStore({ caFiles: [TEST_CI_PEM], system: false }),
        connectTo: [connectToFor(port)],
        connectTimeoutMs: 200,
        retryDelayMs: 10,
      });
      client = c;
      const e = await lpaRejection(c.initiateAuthentication({ euiccChallenge: new Uint8Array(16), euiccInfo1: new Uint8Array(3) }));
      expect(e.code).toBe('ES9_TIMEOUT');
      expect(e.details.phase).toBe('connect');
      expect(c.stats()).toMatchObject({ connectAttempts: 2, retries: 1, tlsHandshakes: 0, requests: 2 });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  describe('connection refused', () => {
    let port: number;
    let holder: Server;
    beforeAll(async () => {
      // Take a free port, then close it, so nothing listens there.
      holder = createServer();
      await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
      port = (holder.address() as { port: number }).port;
      await new Promise<void>((r) => holder.close(() => r()));
    });
    afterAll(() => undefined);

    it('-> NETWORK after one retry (the request was never sent)', async () => {
      const c = clientFor(port);
      const e = await lpaRejection(c.getBoundProfilePackage({ transactionId: 'AB', prepareDownloadResponse: new Uint8Array([1]) }));
      expect(e.code).toBe('NETWORK');
      expect(e.message).toContain('connection refused');
      expect(e.details).toMatchObject({ phase: 'connect', netCode: 'ECONNREFUSED', target: `127.0.0.1:${port}` });
      expect(c.stats()).toMatchObject({ connectAttempts: 2, retries: 1, tlsHandshakes: 0 });
    });
  });
});
