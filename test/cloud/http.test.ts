import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BasicAuth } from '../../src/cloud/auth.js';
import { backoffDelay, parseRetryAfter } from '../../src/cloud/backoff.js';
import { CloudHttp, encodeForm, type RetryInfo } from '../../src/cloud/http.js';
import { parseProblem } from '../../src/cloud/problem.js';
import { LpaError } from '../../src/errors.js';
import { expectNoSecrets, fastTiming, TINY } from './helpers.js';

const ACCOUNT = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'auth-token-very-secret-1234';

let server: Server | undefined;
let http: CloudHttp | undefined;
afterEach(async () => {
  await http?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  http = undefined;
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function serve(handler: Handler, opts: Partial<ConstructorParameters<typeof CloudHttp>[0]> = {}): Promise<{ http: CloudHttp; seen: { method: string; url: string; body: string }[]; retries: RetryInfo[] }> {
  const seen: { method: string; url: string; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const retries: RetryInfo[] = [];
  http = new CloudHttp({
    baseUrl: `http://127.0.0.1:${port}`,
    auth: new BasicAuth({ kind: 'twilio', accountSid: ACCOUNT, authToken: TOKEN }),
    service: 'Super SIM API',
    timing: fastTiming(),
    backoff: TINY,
    onRetry: (r) => retries.push(r),
    ...opts,
  });
  return { http, seen, retries };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

describe('encodeForm', () => {
  it('encodes names as given, booleans as true/false, omits unset values', () => {
    expect(encodeForm({ Eid: '8904', GenerateMatchingId: true, CallbackUrl: undefined, Status: null, Flag: false })).toBe(
      'Eid=8904&GenerateMatchingId=true&Flag=false',
    );
    expect(encodeForm({ CallbackUrl: 'https://x.test/cb?a=1&b=2' })).toBe('CallbackUrl=https%3A%2F%2Fx.test%2Fcb%3Fa%3D1%26b%3D2');
    expect(encodeForm(undefined)).toBe('');
  });
});

describe('error bodies', () => {
  it('reads the legacy shape', () => {
    expect(parseProblem('{"code":20404,"message":"The requested resource /v1/Sims/HS1 was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}')).toEqual({
      shape: 'legacy',
      apiCode: 20404,
      message: 'The requested resource /v1/Sims/HS1 was not found',
      moreInfo: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
  });
  it('reads RFC 9457 problem details', () => {
    expect(parseProblem('{"type":"https://x/errors/20429","title":"Too Many Requests","status":429,"code":20429,"detail":"slow down","instance":"/v1/ESimProfiles"}')).toEqual({
      shape: 'rfc9457',
      type: 'https://x/errors/20429',
      title: 'Too Many Requests',
      status: 429,
      apiCode: 20429,
      detail: 'slow down',
      instance: '/v1/ESimProfiles',
    });
  });
  it('never throws on garbage', () => {
    for (const g of ['', 'nope', '[]', 'null', '{"code":{}}']) expect(() => parseProblem(g)).not.toThrow();
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter between half and all of the step, capped', () => {
    const p = { initialMs: 100, maxMs: 1000, factor: 2 };
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, p, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, p, () => 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('CloudHttp', () => {
  it('sends Basic auth and a form body; parses JSON', async () => {
    const { http, seen } = await serve((req, res) => {
      expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      json(res, 201, { sid: 'HP1' });
    });
    const res = await http.request({ method: 'POST', path: '/v1/ESimProfiles', form: { Eid: '1', GenerateMatchingId: false } });
    expect(res).toMatchObject({ status: 201, json: { sid: 'HP1' } });
    expect(seen[0]).toEqual({ method: 'POST', url: '/v1/ESimProfiles', body: 'Eid=1&GenerateMatchingId=false' });
  });

  it('retries 429 (and code 20429) honouring Retry-After, then succeeds', async () => {
    let n = 0;
    const { http, retries } = await serve((_req, res) => {
      n++;
      if (n === 1) json(res, 429, { code: 20429, message: 'Too Many Requests', more_info: '', status: 429 }, { 'retry-after': '1' });
      else if (n === 2) json(res, 400, { type: 'about:blank', title: 'Too Many Requests', status: 400, code: 20429 });
      else json(res, 201, { ok: true });
    });
    // a POST that creates is retried on 429: the API never processed it
    const res = await http.request({ method: 'POST', path: '/v1/ESimProfiles', form: { Eid: '1' } });
    expect(res.json).toEqual({ ok: true });
    expect(retries.map((r) => [r.reason, r.delayMs >= (r.attempt === 1 ? 1000 : 0)])).toEqual([
      ['rate-limited', true],
      ['rate-limited', true],
    ]);
  });

  it('gives up on 429 after the bound with CLOUD_RATE_LIMITED', async () => {
    const { http, seen } = await serve((_req, res) => json(res, 429, { code: 20429, message: 'Too Many Requests', more_info: '', status: 429 }), {
      maxRateLimitRetries: 2,
    });
    const err = (await http.request({ method: 'GET', path: '/v1/Fleets/x' }).catch((e) => e)) as LpaError;
    expect(err.code).toBe('CLOUD_RATE_LIMITED');
    expect(seen).toHaveLength(3);
  });

  it('refuses to wait for a Retry-After beyond the cap', async () => {
    const { http, seen } = await serve((_req, res) => json(res, 429, {}, { 'retry-after': '3600' }));
    await expect(http.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'CLOUD_RATE_LIMITED' });
    expect(seen).toHaveLength(1);
  });

  it('retries 5xx for GET a bounded number of times, never for a creating POST', async () => {
    const { http, seen } = await serve((_req, res) => json(res, 503, { code: 20503, message: 'Service Unavailable', more_info: '', status: 503 }), {
      maxServerErrorRetries: 2,
    });
    const get = (await http.request({ method: 'GET', path: '/v1/ESimProfiles' }).catch((e) => e)) as LpaError;
    expect(get.code).toBe('CLOUD_HTTP');
    expect(get.message).toContain('after 2 retries');
    expect(seen).toHaveLength(3);
    const post = (await http.request({ method: 'POST', path: '/v1/ESimProfiles', form: { Eid: '1' } }).catch((e) => e)) as LpaError;
    expect(post.code).toBe('CLOUD_HTTP');
    expect(post.details).toMatchObject({ httpStatus: 503, apiCode: 20503 });
    expect(seen).toHaveLength(4);
  });

  it('explains 401/403 as a credentials problem and 404 as a wrong SID, never showing secrets', async () => {
    const { http } = await serve((req, res) => {
      if (req.url!.startsWith('/v1/Sims')) json(res, 404, { code: 20404, message: 'The requested resource was not found', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
      else if (req.url === '/forbidden') json(res, 403, { type: 'https://x/403', title: 'Forbidden', status: 403, code: 20403, detail: `token ${TOKEN} not allowed` });
      else json(res, 401, { code: 20003, message: `Authenticate ${TOKEN}`, more_info: '', status: 401 });
    });
    const e401 = (await http.request({ method: 'GET', path: '/v1/Fleets/x' }).catch((e) => e)) as LpaError;
    expect(e401.code).toBe('CLOUD_AUTH');
    expect(e401.message).toContain('credentials');
    expect(e401.message).toContain(ACCOUNT);
    const e403 = (await http.request({ method: 'GET', path: '/forbidden' }).catch((e) => e)) as LpaError;
    expect(e403.code).toBe('CLOUD_AUTH');
    const e404 = (await http.request({ method: 'GET', path: '/v1/Sims/HS1', what: 'fetch Sim HS1' }).catch((e) => e)) as LpaError;
    expect(e404.code).toBe('CLOUD_NOT_FOUND');
    expect(e404.message).toBe('Super SIM API: fetch Sim HS1 failed: HTTP 404 (code 20404: The requested resource was not found): not found (wrong SID or name?)');
    const basic = Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64');
    const outputs = [e401, e403, e404].flatMap((e) => [e.message, JSON.stringify(e.toJSON()), String(e.stack)]);
    expect(expectNoSecrets(outputs, [TOKEN, basic])).toEqual([]);
  });

  it('maps malformed JSON to CLOUD_BAD_RESPONSE and a silent server to CLOUD_TIMEOUT', async () => {
    const { http } = await serve(
      (req, res) => {
        if (req.url === '/slow') return; // never answers
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"sid": "HP1"');
      },
      { timeoutMs: 50, maxServerErrorRetries: 1 },
    );
    await expect(http.request({ method: 'GET', path: '/bad' })).rejects.toMatchObject({ code: 'CLOUD_BAD_RESPONSE' });
    await expect(http.request({ method: 'GET', path: '/slow' })).rejects.toMatchObject({ code: 'CLOUD_TIMEOUT' });
  });

  it('reports a refused connection as CLOUD_HTTP after bounded retries', async () => {
    const { http } = await serve((_req, res) => json(res, 200, {}));
    const port = http.baseUrl.port;
    await http.close();
    server!.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const h2 = new CloudHttp({ baseUrl: `http://127.0.0.1:${port}`, timing: fastTiming(), backoff: TINY, maxServerErrorRetries: 1 });
    await expect(h2.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'CLOUD_HTTP' });
    await h2.close();
  });

  it('never sends credentials to another origin named by next_page_url', async () => {
    const { http, seen } = await serve((_req, res) => json(res, 200, {}));
    await http.request({ method: 'GET', path: 'https://evil.example.com/v1/ESimProfiles?Page=1&PageToken=PA2' });
    expect(seen[0]!.url).toBe('/v1/ESimProfiles?Page=1&PageToken=PA2');
  });

  it('rejects oversized answers', async () => {
    const { http } = await serve((_req, res) => json(res, 200, `"${'x'.repeat(2000)}"`), { maxBodyBytes: 1000 });
    await expect(http.request({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'CLOUD_BAD_RESPONSE' });
  });

  it('stops when aborted', async () => {
    const { http } = await serve(() => undefined);
    const ac = new AbortController();
    const p = http.request({ method: 'GET', path: '/x', signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });
});
