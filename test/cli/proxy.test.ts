import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { jsonLines, ROOT, runCli } from './run.js';

const EID = '89049032123451234512345678901235';
const PKI = join(ROOT, 'data', 'pki', 'sgp26');
const SMDP_NAME = 'testsmdpplus1.example.com';
/** The SM-DP+ TLS certificate (for testsmdpplus1.example.com, issued by the SGP.26 CI). */
const TLS = { cert: readFileSync(join(PKI, 'dptls', 'CERT_S_SM_DP_TLS_NIST.pem')), key: readFileSync(join(PKI, 'dptls', 'SK_S_SM_DP_TLS_NIST.pem')) };
/** Another certificate of the same PKI, not for that name: what an intercepting proxy would present. */
const OTHER = { cert: readFileSync(join(PKI, 'euicc', 'CERT_EUICC_ECDSA_NIST.pem')), key: readFileSync(join(PKI, 'euicc', 'SK_EUICC_ECDSA_NIST.pem')) };
const BACKEND_PORT = 8444; // the port in the backend URL; the proxy maps it to the real one

/**
 * A real HTTP CONNECT proxy on 127.0.0.1, as gateways behind corporate proxies have. It resolves
 * testsmdpplus1.example.com itself (to the local SM-DP+ and backend), so a connection that did not
 * go through it could not even find the host. With `intercept` it answers TLS itself with another
 * certificate, as a TLS-inspecting proxy does.
 */
class ConnectProxy {
  server: HttpServer = createHttpServer((_req, res) => res.writeHead(405).end());
  connects: string[] = [];
  authorizations: (string | undefined)[] = [];
  intercept = false;
  routes = new Map<string, number>();
  private sockets = new Set<Socket>();

  async start(): Promise<this> {
    this.server.on('connect', (req, client: Socket, head: Buffer) => {
      this.sockets.add(client);
      client.once('close', () => this.sockets.delete(client));
      this.connects.push(req.url ?? '');
      this.authorizations.push(req.headers['proxy-authorization']);
      const port = this.routes.get(req.url ?? '');
      if (port === undefined) {
        client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
        return;
      }
      if (this.intercept) {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const tls = new TLSSocket(client, { isServer: true, ...OTHER });
        tls.on('error', () => client.destroy());
        return;
      }
      const upstream = netConnect(port, '127.0.0.1', () => {
        this.sockets.add(upstream);
        upstream.once('close', () => this.sockets.delete(upstream));
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('HTTPS_PROXY / --proxy and TLS verified end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-proxy-'));
  let smdp: SmdpServer;
  let proxy: ConnectProxy;
  let backend: HttpsServer;
  const backendRequests: string[] = [];
  const TOKEN = 'backend-token-xyzzy-1234';
  const tokenFile = join(dir, 'token');

  beforeAll(async () => {
    smdp = await startSmdp();
    backend = createHttpsServer(TLS, (req, res) => {
      backendRequests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      // an ICCID that is not the one the SM-DP+ will bind: provision must say so
      res.end(JSON.stringify({ smdpAddress: SMDP_NAME, matchingId: 'TS48V3-SAIP2-3-BERTLV-UNIQUE', iccid: '8949449999999990015' }));
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    proxy = await new ConnectProxy().start();
    proxy.routes.set(`${SMDP_NAME}:443`, Number(new URL(smdp.url).port));
    proxy.routes.set(`${SMDP_NAME}:${BACKEND_PORT}`, (backend.address() as AddressInfo).port);
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await proxy?.close();
    backend?.closeAllConnections();
    await new Promise((r) => backend?.close(r));
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('download goes through HTTPS_PROXY (CONNECT, credentials from the URL), TLS still checked against the SM-DP+ name; -v shows each request', async () => {
    const trace = join(dir, 'trace-dl.log');
    const device = `virtual:${join(dir, 'dl.json')}`;
    const proxyUrl = proxy.url.replace('http://', 'http://agent:s3cr3t-proxy-pw@');
    const r = await runCli(['--json', '-v', '--device', device, '--ca', smdp.caFile, '--trace', trace, 'download', '--smdp', SMDP_NAME, '--matching-id', 'TS48V3-SAIP2-3-NOBERTLV-UNIQUE'], {
      env: { HTTPS_PROXY: proxyUrl, NO_PROXY: 'other.example,10.0.0.0/8' },
    });
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ ok: true, data: { iccid: expect.any(String) } });
    expect(r.code).toBe(0);
    expect(proxy.connects).toContain(`${SMDP_NAME}:443`);
    // -v: each request on stderr
    expect(r.stderr).toMatch(/debug: es9 request function=initiateAuthentication method=POST .*status=200/);
    expect(proxy.authorizations.at(-1)).toBe(`Basic ${Buffer.from('agent:s3cr3t-proxy-pw').toString('base64')}`);
    const lines = readFileSync(trace, 'utf8');
    expect(lines).toMatch(new RegExp(`## es9 tls-handshake host=${SMDP_NAME} .*proxy=127\\.0\\.0\\.1:\\d+`));
    expect(lines + r.stdout + r.stderr).not.toContain('s3cr3t-proxy-pw');
    expect(smdp.admin.getOrder('TS48V3-SAIP2-3-NOBERTLV-UNIQUE')!.state).toBe('installed');
  });

  it('provision: the maker backend and the SM-DP+ through --proxy; the trace records the cloud request lines, never the token; a differing ICCID is warned about', async () => {
    const trace = join(dir, 'trace-prov.log');
    const device = `virtual:${join(dir, 'prov.json')}`;
    const r = await runCli(
      [
        '--json', '--device', device, '--ca', smdp.caFile, '--proxy', proxy.url, '--trace', trace, 'provision',
        '--backend-url', `https://${SMDP_NAME}:${BACKEND_PORT}/devices/{eid}/esim`, '--backend-token-file', tokenFile, '--journal', join(dir, 'j-{eid}.json'),
      ],
      { env: { LPA_AGENT_CONFIG: '' }, timeoutMs: 60_000 },
    );
    const lines = jsonLines(r.stdout);
    expect(lines.at(-1)).toMatchObject({ ok: true, data: { status: 'provisioned', enabled: true } });
    expect(r.code).toBe(0);
    const installed = (lines.at(-1)!.data as { iccid: string }).iccid;
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'notice', data: { cloudIccid: '8949449999999990015', installedIccid: installed }, message: expect.stringMatching(/^the cloud named ICCID 8949449999999990015 for this reservation, but the eUICC installed/) }),
    );
    expect(proxy.connects).toContain(`${SMDP_NAME}:${BACKEND_PORT}`);
    expect(backendRequests).toContain(`GET /devices/${EID}/esim Bearer ${TOKEN}`);
    const traced = readFileSync(trace, 'utf8');
    expect(traced).toMatch(new RegExp(`## cloud GET /devices/${EID}/esim -> 200`));
    expect(traced).toMatch(/## es9 request function=handleNotification .*status=(200|204)/);
    expect(traced).not.toContain(TOKEN);
  });

  it('a proxy that answers TLS itself (interception) is refused like any untrusted certificate; nothing is downloaded', async () => {
    proxy.intercept = true;
    try {
      const device = `virtual:${join(dir, 'mitm.json')}`;
      const r = await runCli(['--json', '--device', device, '--ca', smdp.caFile, '--proxy', proxy.url, 'download', '--smdp', SMDP_NAME, '--matching-id', 'TS48V3-SAIP2-1-NOBERTLV-UNIQUE']);
      expect(r.code).toBe(6);
      expect(jsonLines(r.stdout).at(-1)).toMatchObject({ ok: false, error: { code: 'TLS_UNTRUSTED' } });
      expect(smdp.admin.getOrder('TS48V3-SAIP2-1-NOBERTLV-UNIQUE')!.state).toBe('released');
    } finally {
      proxy.intercept = false;
    }
  });

  it('a proxy refusal is one clear line naming the proxy and what it said', async () => {
    const device = `virtual:${join(dir, 'refused.json')}`;
    const r = await runCli(['--device', device, '--ca', smdp.caFile, '--proxy', proxy.url, 'download', '--smdp', 'unknown.example', '--matching-id', 'X']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/proxy 127\.0\.0\.1:\d+: refused CONNECT unknown\.example:443: HTTP 502 Bad Gateway/);
  });

  it('--proxy and LPA_AGENT_PROXY need http://host[:port]; "foo" is not taken for foo:80', async () => {
    const device = `virtual:${join(dir, 'px.json')}`;
    const flag = await runCli(['--device', device, '--proxy', 'foo', 'download', '--smdp', SMDP_NAME, '--matching-id', 'X']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toBe('lpa-agent: --proxy: "foo" is not a proxy URL: write http://host[:port] (the port is 80 when left out)');
    const env = await runCli(['--device', device, 'eid'], { env: { LPA_AGENT_PROXY: 'proxy.corp:3128', LPA_AGENT_CONFIG: '' } });
    expect(env.code).toBe(3);
    expect(env.stderr).toMatch(/^lpa-agent: LPA_AGENT_PROXY: "proxy\.corp:3128" is not a proxy URL/);
    for (const [bad, why] of [['http://', /not a proxy URL|has no host/], ['http://proxy.corp:0', /has port 0/], ['socks5://proxy.corp:1080', /only http:\/\/ proxies/]] as const) {
      const r = await runCli(['--device', device, '--proxy', bad, 'download']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^lpa-agent: --proxy: /);
      expect(r.stderr).toMatch(why);
    }
  });

  it('HTTPS_PROXY shared with other programs may be host:port without http://, as curl takes it', async () => {
    const r = await runCli(['--device', `virtual:${join(dir, 'px2.json')}`, '--ca', smdp.caFile, 'download', '--smdp', 'unknown.example', '--matching-id', 'X'], {
      env: { HTTPS_PROXY: proxy.url.replace('http://', ''), LPA_AGENT_CONFIG: '' },
    });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/proxy 127\.0\.0\.1:\d+: refused CONNECT unknown\.example:443: HTTP 502 Bad Gateway/);
  });

  it('a proxy URL with a password on the command line is refused (it is a secret)', async () => {
    const r = await runCli(['--device', `virtual:${join(dir, 'x.json')}`, '--proxy', 'http://u:p@127.0.0.1:1', 'download']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--proxy: a proxy URL with a user name or password may only come from the environment/);
  });

  describe('NODE_TLS_REJECT_UNAUTHORIZED=0 changes nothing', () => {
    // Node's own warnings stay on (NODE_NO_WARNINGS unset): the "insecure" one must not appear
    const env = { NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '', LPA_AGENT_CONFIG: '' };

    it('ES9+: an SM-DP+ certificate without its root (no --ca) is refused, and Node prints no "insecure" warning; -v says the variable is ignored', async () => {
      const device = `virtual:${join(dir, 'tls1.json')}`;
      const r = await runCli(['--json', '--device', device, '--connect-to', smdp.connectTo, 'download', '--smdp', SMDP_NAME, '--matching-id', 'TS48V3-SAIP2-1-BERTLV-UNIQUE'], { env });
      expect(r.code).toBe(6);
      expect(jsonLines(r.stdout).at(-1)).toMatchObject({ ok: false, error: { code: 'TLS_UNTRUSTED' } });
      expect(r.stderr).not.toMatch(/Warning|insecure|NODE_TLS_REJECT_UNAUTHORIZED/);
      const verbose = await runCli(['-v', '--device', device, '--connect-to', smdp.connectTo, 'download', '--smdp', SMDP_NAME, '--matching-id', 'TS48V3-SAIP2-1-BERTLV-UNIQUE'], { env });
      expect(verbose.code).toBe(6);
      expect(verbose.stderr).toMatch(/debug: NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: lpa-agent always verifies TLS certificates/);
      expect(verbose.stderr).toMatch(/TLS to testsmdpplus1\.example\.com refused: the SM-DP\+ certificate is not issued by a trusted CI/);
      expect(verbose.stderr).not.toMatch(/Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED/);
    });

    it('maker backend: an untrusted certificate is refused (exit 7), the request never sent', async () => {
      const before = backendRequests.length;
      const port = (backend.address() as AddressInfo).port;
      const r = await runCli(
        ['--device', `virtual:${join(dir, 'tls2.json')}`, 'provision', '--backend-url', `https://127.0.0.1:${port}/devices/{eid}/esim`, '--journal', join(dir, 'tls2-{eid}.json')],
        { env },
      );
      expect(r.code).toBe(7);
      expect(r.stderr).toMatch(/TLS to 127\.0\.0\.1 refused: the server certificate is not issued by a trusted root; add its root with --ca/);
      expect(backendRequests.length).toBe(before);
    });

    it('Super SIM API: the same for --cloud-url; and with the root given, the name must still match', async () => {
      const port = (backend.address() as AddressInfo).port;
      const common = ['--device', `virtual:${join(dir, 'tls3.json')}`, 'provision', '--cloud', 'twilio', '--cloud-url', `https://127.0.0.1:${port}`, '--journal', join(dir, 'tls3-{eid}.json')];
      const creds = { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'tok' };
      const r = await runCli(common, { env: { ...env, ...creds } });
      expect(r.code).toBe(7);
      expect(r.stderr).toMatch(/TLS to 127\.0\.0\.1 refused/);
      const named = await runCli(['--ca', smdp.caFile, ...common], { env: { ...env, ...creds } });
      expect(named.code).toBe(7);
      expect(named.stderr).toMatch(/the server certificate is for DNS:testsmdpplus1\.example\.com.*, not 127\.0\.0\.1/);
    });
  });

  it('plain http:// is refused for a cloud that is not on this machine', async () => {
    const r = await runCli(['--device', `virtual:${join(dir, 'http.json')}`, 'provision'], {
      env: { LPA_AGENT_CLOUD_URL: 'http://supersim.example.com', LPA_AGENT_CONFIG: '' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^lpa-agent: LPA_AGENT_CLOUD_URL: "http:\/\/supersim\.example\.com" uses plain http:\/\/, which is allowed only for loopback addresses/);
  });
});
