import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { Es9Client, type Es9ClientOptions, type Es9Event } from '../../src/es9p/client.js';
import { createTrustStore } from '../../src/es9p/tls.js';
import { SMDP_HOST, TEST_CI_PEM, connectToFor, sendJson, startServer, type Handler, type TestServer } from './helpers/server.js';

interface Exchange {
  function: string;
  requestHeaders: Record<string, string>;
  request: Record<string, string>;
  httpStatus: number;
  response: Record<string, unknown>;
}
const vector = JSON.parse(readFileSync(new URL('../fixtures/vectors/es9p-download-session.json', import.meta.url), 'utf8')) as {
  es9p: Exchange[];
};
const [initEx, authEx, bppEx] = vector.es9p as [Exchange, Exchange, Exchange];
const b64 = (s: unknown) => new Uint8Array(Buffer.from(String(s), 'base64'));

// One trust store for the file: the test CI only (no system roots needed on 127.0.0.1).
const trust = createTrustStore({ caFiles: [TEST_CI_PEM], system: false });

let server: TestServer | undefined;
let client: Es9Client | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setup(handler: Handler, extra: Partial<Es9ClientOptions> = {}): Promise<{ server: TestServer; client: Es9Client }> {
  server = await startServer(handler);
  client = new Es9Client({ smdpAddress: SMDP_HOST, trust, connectTo: [connectToFor(server.port)], retryDelayMs: 10, ...extra });
  return { server, client };
}

/** Answers each ES9+ path with the captured response of that function. */
const replay: Handler = (req, res) => {
  const ex = vector.es9p.find((e) => req.url === `/gsma/rsp2/es9plus/${e.function}`);
  if (!ex) {
    res.writeHead(404).end();
    return;
  }
  sendJson(res, ex.response, ex.httpStatus);
};

async function expectLpaError(p: Promise<unknown>, code: string): Promise<LpaError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LpaError);
  expect((e as LpaError).code).toBe(code);
  return e as LpaError;
}

describe('Es9Client against the captured download session', () => {
  it('replays the three exchanges: same request bodies and headers, raw response bytes, one TLS handshake', async () => {
    const events: Es9Event[] = [];
    const { server, client } = await setup(replay, { adminProtocol: 'gsma/rsp/v2.5.0', onEvent: (e) => events.push(e) });

    const init = await client.initiateAuthentication({
      euiccChallenge: b64(initEx.request.euiccChallenge),
      euiccInfo1: b64(initEx.request.euiccInfo1),
    });
    expect(init.transactionId).toBe(initEx.response.transactionId);
    expect(init.serverSigned1).toEqual(b64(initEx.response.serverSigned1));
    expect(init.serverSignature1).toEqual(b64(initEx.response.serverSignature1));
    expect(init.euiccCiPKIdToBeUsed).toEqual(b64(initEx.response.euiccCiPKIdToBeUsed));
    expect(init.serverCertificate).toEqual(b64(initEx.response.serverCertificate));
    expect(init.executionStatus.status).toBe('Executed-Success');

    const auth = await client.authenticateClient({
      transactionId: init.transactionId,
      authenticateServerResponse: b64(authEx.request.authenticateServerResponse),
    });
    for (const f of ['profileMetadata', 'smdpSigned2', 'smdpSignature2', 'smdpCertificate'] as const) {
      expect(Buffer.from(auth[f]).toString('base64')).toBe(authEx.response[f]);
    }
    const bpp = await client.getBoundProfilePackage({
      transactionId: auth.transactionId,
      prepareDownloadResponse: b64(bppEx.request.prepareDownloadResponse),
    });
    expect(Buffer.from(bpp.boundProfilePackage).toString('base64')).toBe(bppEx.response.boundProfilePackage);
    expect(bpp.boundProfilePackage[0]).toBe(0xbf);
    expect(bpp.boundProfilePackage[1]).toBe(0x36);

    // Requests equal the captured ones, field order included.
    expect(server.requests).toHaveLength(3);
    vector.es9p.forEach((ex, i) => {
      const got = server.requests[i]!;
      expect(got.method).toBe('POST');
      expect(got.url).toBe(`/gsma/rsp2/es9plus/${ex.function}`);
      expect(got.body).toBe(JSON.stringify(ex.request));
      for (const [name, value] of Object.entries(ex.requestHeaders)) expect(got.headers[name.toLowerCase()]).toBe(value);
      expect(got.headers.host).toBe(SMDP_HOST);
    });

    // One keep-alive TLS connection for the whole download.
    expect(server.connections).toBe(1);
    const stats = client.stats();
    expect(stats).toMatchObject({ tlsHandshakes: 1, connectAttempts: 1, requests: 3, retries: 0 });
    expect(stats.bytesReceived).toBeGreaterThan(17000);
    const handshakes = events.filter((e) => e.type === 'tls-handshake');
    expect(handshakes).toHaveLength(1);
    expect(handshakes[0]).toMatchObject({ host: SMDP_HOST, target: `127.0.0.1:${server.port}` });
    const requests = events.filter((e) => e.type === 'request');
    expect(requests.map((e) => e.type === 'request' && `${e.path} ${e.status}`)).toEqual(
      vector.es9p.map((ex) => `/gsma/rsp2/es9plus/${ex.function} 200`),
    );
    // The trace never carries bodies.
    expect(JSON.stringify(events)).not.toContain(String(initEx.request.euiccChallenge));
  });

  it('a large bound profile package arrives byte for byte, with or without Content-Length, padded or not', async () => {
    const big = randomBytes(1_048_577);
    const ok = { header: { functionExecutionStatus: { status: 'Executed-Success' } }, transactionId: 'AB' };
    for (const variant of ['length', 'chunked', 'unpadded'] as const) {
      const text = JSON.stringify({ ...ok, boundProfilePackage: variant === 'unpadded' ? big.toString('base64').replace(/=+$/, '') : big.toString('base64') });
      const { client, server } = await setup((_req, res) => {
        if (variant === 'chunked') {
          // no Content-Length: the answer comes in pieces of the server's choosing
          res.writeHead(200, { 'Content-Type': 'application/json' });
          for (let i = 0; i < text.length; i += 100_000) res.write(text.slice(i, i + 100_000));
          res.end();
        } else sendJson(res, JSON.parse(text));
      });
      const r = await client.getBoundProfilePackage({ transactionId: 'AB', prepareDownloadResponse: new Uint8Array([1]) });
      expect(Buffer.from(r.boundProfilePackage).equals(big), variant).toBe(true);
      expect(r.transactionId).toBe('AB');
      await client.close();
      await server.close();
    }
  });

  it('sends the default X-Admin-Protocol and the address as given', async () => {
    const { server, client } = await setup(replay, { smdpAddress: 'TestSMDPplus1.example.com' });
    await client.initiateAuthentication({ euiccChallenge: new Uint8Array(16), euiccInfo1: b64(initEx.request.euiccInfo1) });
    expect(server.requests[0]!.headers['x-admin-protocol']).toBe('gsma/rsp/v2.2.0');
    expect(JSON.parse(server.requests[0]!.body).smdpAddress).toBe('TestSMDPplus1.example.com');
  });

  it('refuses an smdpAddress that names another SM-DP+', async () => {
    const { server, client } = await setup(replay);
    await expectLpaError(
      client.initiateAuthentication({ euiccChallenge: new Uint8Array(16), euiccInfo1: new Uint8Array(3), smdpAddress: 'other.example.com' }),
      'INVALID_ADDRESS',
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('Es9Client error answers', () => {
  const failed = (subjectCode: string, reasonCode: string, message?: string) => ({
    header: {
      functionExecutionStatus: {
        status: 'Failed',
        statusCodeData: { subjectCode, reasonCode, subjectIdentifier: '8.1.1', ...(message ? { message } : {}) },
      },
    },
  });
  const authReq = { transactionId: '576DB55F33E54E99AF3A62C9829BBE77', authenticateServerResponse: new Uint8Array([0xbf, 0x38, 0x00]) };

  it('Failed with subject/reason codes -> ES9_FAILED with a readable message', async () => {
    const { client } = await setup((_req, res) => sendJson(res, failed('8.1.1', '3.8', 'EID doesn\'t match')));
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_FAILED');
    expect(e.message).toContain('8.1.1/3.8');
    expect(e.message).toContain('EID does not match');
    expect(e.details).toMatchObject({ subjectCode: '8.1.1', reasonCode: '3.8', subjectIdentifier: '8.1.1', function: 'authenticateClient', status: 'Failed' });
    expect(e.details.serverMessage).toBe("EID doesn't match");
  });

  it('8.2/3.7 -> PROFILE_ALREADY_DOWNLOADED', async () => {
    const { client } = await setup((_req, res) => sendJson(res, failed('8.2', '3.7')));
    const e = await expectLpaError(client.authenticateClient(authReq), 'PROFILE_ALREADY_DOWNLOADED');
    expect(e.details).toMatchObject({ subjectCode: '8.2', reasonCode: '3.7' });
    expect(e.message).toContain('already downloaded');
  });

  it('Expired with an unknown code keeps the server message', async () => {
    const { client } = await setup((_req, res) => sendJson(res, failed('8.9', '9.9', 'something odd')));
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_FAILED');
    expect(e.message).toContain('"something odd"');
  });

  it('HTTP 500 with an HTML page -> ES9_HTTP with a one-line summary', async () => {
    const html = `<!DOCTYPE html><html><head><title>500 Internal Server Error</title><style>body{}</style></head><body><h1>Oops</h1>${'<p>trace line</p>'.repeat(200)}</body></html>`;
    const { client } = await setup((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end(html);
    });
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_HTTP');
    expect(e.details.httpStatus).toBe(500);
    expect(e.message).toContain('HTTP 500: 500 Internal Server Error');
    expect(e.message).not.toContain('<');
    expect(e.message.length).toBeLessThan(300);
  });

  it('an ES9+ failure sent with HTTP 400 is still an ES9 failure', async () => {
    const { client } = await setup((_req, res) => sendJson(res, failed('8.10.1', '3.9'), 400));
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_FAILED');
    expect(e.details.httpStatus).toBe(400);
  });

  it('malformed JSON -> ES9_BAD_RESPONSE', async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"header": {"functionExecutionStatus": ');
    });
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_BAD_RESPONSE');
    expect(e.message).toContain('not valid JSON');
  });

  it('a field that is not base64 -> ES9_BAD_RESPONSE naming the field', async () => {
    const { client } = await setup((_req, res) => sendJson(res, { ...authExResponse(), smdpSigned2: 'MBWA$$not base64' }));
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_BAD_RESPONSE');
    expect(e.details.field).toBe('smdpSigned2');
    expect(e.message).toContain('smdpSigned2');
  });

  it('lenient where real servers are sloppy: a UTF-8 BOM before the JSON, unpadded base64', async () => {
    const body = authExResponse();
    const unpadded = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' && k !== 'transactionId' ? v.replace(/=+$/, '') : v]));
    expect(Object.values(unpadded).some((v, i) => v !== Object.values(body)[i])).toBe(true);
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`\uFEFF${JSON.stringify(unpadded)}`);
    });
    const r = await client.authenticateClient(authReq);
    expect(Buffer.from(r.smdpSigned2).toString('base64')).toBe(body.smdpSigned2);
  });

  it('a missing field -> ES9_BAD_RESPONSE naming the field', async () => {
    const { smdpCertificate: _dropped, ...rest } = authExResponse();
    const { client } = await setup((_req, res) => sendJson(res, rest));
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_BAD_RESPONSE');
    expect(e.details.field).toBe('smdpCertificate');
  });

  it('a missing functionExecutionStatus -> ES9_BAD_RESPONSE', async () => {
    const { header: _h, ...rest } = authExResponse();
    const { client } = await setup((_req, res) => sendJson(res, rest));
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_BAD_RESPONSE');
    expect(e.details.field).toBe('header.functionExecutionStatus.status');
  });

  it('an answer for another transaction -> ES9_BAD_RESPONSE', async () => {
    const { client } = await setup((_req, res) => sendJson(res, { ...authExResponse(), transactionId: '00112233' }));
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_BAD_RESPONSE');
    expect(e.details.field).toBe('transactionId');
  });

  it('a server that never answers -> ES9_TIMEOUT, and authenticateClient is not retried', async () => {
    const { server, client } = await setup(() => undefined, { timeoutMs: 300 });
    const e = await expectLpaError(client.authenticateClient(authReq), 'ES9_TIMEOUT');
    expect(e.details.function).toBe('authenticateClient');
    expect(server.requests).toHaveLength(1);
    expect(client.stats().retries).toBe(0);
  });

  it('a body that stops half-way -> ES9_TIMEOUT', async () => {
    const { client } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"header":');
      },
      { timeoutMs: 300 },
    );
    await expectLpaError(client.authenticateClient(authReq), 'ES9_TIMEOUT');
  });
});

function authExResponse(): Record<string, unknown> {
  return { ...authEx.response };
}

describe('Es9Client handleNotification and cancelSession', () => {
  it('handleNotification accepts 204 and 200 without body on the same connection', async () => {
    let n = 0;
    const { server, client } = await setup((_req, res) => {
      n += 1;
      res.writeHead(n === 1 ? 204 : 200).end();
    });
    const pendingNotification = new Uint8Array([0xbf, 0x37, 0x03, 0x01, 0x02, 0x03]);
    await client.handleNotification({ pendingNotification });
    await client.handleNotification({ pendingNotification });
    expect(server.requests.map((r) => r.url)).toEqual(['/gsma/rsp2/es9plus/handleNotification', '/gsma/rsp2/es9plus/handleNotification']);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ pendingNotification: 'vzcDAQID' });
    expect(client.stats().tlsHandshakes).toBe(1);
  });

  it('handleNotification: an HTTP 200 whose body is not JSON is not an acceptance', async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><title>Captive portal</title></html>');
    });
    await expectLpaError(client.handleNotification({ pendingNotification: new Uint8Array([1]) }), 'ES9_BAD_RESPONSE');
  });

  it('handleNotification: a JSON object without a failure status is an acceptance', async () => {
    const { client } = await setup((_req, res) => sendJson(res, { header: { functionExecutionStatus: { status: 'Executed-Success' } } }));
    await client.handleNotification({ pendingNotification: new Uint8Array([1]) });
  });

  it('handleNotification with an explicit Failed answer is an error', async () => {
    const { client } = await setup((_req, res) =>
      sendJson(res, { header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.1', reasonCode: '6.1' } } } }),
    );
    await expectLpaError(client.handleNotification({ pendingNotification: new Uint8Array([1]) }), 'ES9_FAILED');
  });

  it('cancelSession sends the signed answer and checks the status', async () => {
    const { server, client } = await setup((_req, res) => sendJson(res, { header: { functionExecutionStatus: { status: 'Executed-Success' } } }));
    const st = await client.cancelSession({ transactionId: 'ABCD', cancelSessionResponse: new Uint8Array([0xbf, 0x41, 0x00]) });
    expect(st.status).toBe('Executed-Success');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ transactionId: 'ABCD', cancelSessionResponse: 'v0EA' });
  });

  it('a connection the server drops after reading the request is retried for handleNotification only', async () => {
    let n = 0;
    const { server, client } = await setup((_req, res) => {
      n += 1;
      if (n === 1) res.socket?.destroy();
      else res.writeHead(204).end();
    });
    await client.handleNotification({ pendingNotification: new Uint8Array([1]) });
    expect(server.requests).toHaveLength(2);
    expect(client.stats().retries).toBe(1);

    n = 0;
    await expectLpaError(client.getBoundProfilePackage({ transactionId: 'AB', prepareDownloadResponse: new Uint8Array([1]) }), 'NETWORK');
    expect(server.requests).toHaveLength(3);
    expect(client.stats().retries).toBe(1);
  });

  it('preconnect: the first request takes the connection opened ahead of it', async () => {
    const events: Es9Event[] = [];
    const { server, client } = await setup((_req, res) => res.writeHead(204).end(), { onEvent: (e) => events.push(e) });
    client.preconnect();
    client.preconnect(); // once is enough: no second connection
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections).toBe(1);
    expect(events.filter((e) => e.type === 'tls-handshake')).toHaveLength(1);
    await client.handleNotification({ pendingNotification: new Uint8Array([1]) });
    await client.handleNotification({ pendingNotification: new Uint8Array([2]) });
    expect(server.connections).toBe(1);
    expect(client.stats()).toMatchObject({ tlsHandshakes: 1, connectAttempts: 1, requests: 2 });
  });

  it('preconnect: a connection the server closed before the first request is replaced', async () => {
    const { server, client } = await setup((_req, res) => res.writeHead(204).end());
    client.preconnect();
    await new Promise((r) => setTimeout(r, 100));
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    await client.handleNotification({ pendingNotification: new Uint8Array([1]) });
    expect(server.connections).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(client.stats()).toMatchObject({ tlsHandshakes: 2, connectAttempts: 2, requests: 1, retries: 0 });
  });

  it('preconnect: a refused connection ahead of time is tried again by the request, which reports its own failure', async () => {
    const { server: gone, client } = await setup((_req, res) => res.writeHead(204).end());
    const port = gone.port;
    await gone.close();
    client.preconnect();
    await new Promise((r) => setTimeout(r, 50));
    const e = await expectLpaError(client.handleNotification({ pendingNotification: new Uint8Array([1]) }), 'NETWORK');
    expect(e.details).toMatchObject({ phase: 'connect', netCode: 'ECONNREFUSED', target: `127.0.0.1:${port}` });
    expect(client.stats()).toMatchObject({ tlsHandshakes: 0, connectAttempts: 3, retries: 1 });
  });

  it('a closed client refuses new requests', async () => {
    const { client } = await setup(replay);
    await client.close();
    await expectLpaError(client.handleNotification({ pendingNotification: new Uint8Array([1]) }), 'NETWORK');
  });
});
