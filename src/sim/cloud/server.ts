/**
 * The local Super SIM double: a stateful node:http server on 127.0.0.1 speaking the Super SIM API
 * (Twilio Basic auth or KORE bearer tokens), with fault switches for tests and rehearsals.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LpaError } from '../../errors.js';
import { readBody } from '../../util/httpBody.js';
import { CloudCore } from './core.js';
import { apiError, route, type Reply } from './routes.js';
import type { CloudDoubleOptions, CloudFaults, RecordedExchange, SentCallback, SmdpInstallEvent } from './types.js';

export const KORE_TOKEN_PATH = '/api-services/v1/auth/token';
const MAX_BODY = 64 * 1024;

export interface CloudDouble {
  /** Base URL, e.g. http://127.0.0.1:40123 (give it as the client's baseUrl / --cloud-url). */
  url: string;
  /** KORE OAuth token endpoint of the double. */
  tokenUrl: string;
  credentials: {
    accountSid: string;
    authToken: string;
    apiKeys: { sid: string; secret: string }[];
    kore: { clientId: string; clientSecret: string };
  };
  /** Mutable fault switches. */
  faults: CloudFaults;
  /** Every request received, with the answer. */
  requests: RecordedExchange[];
  callbacks: SentCallback[];
  profiles(): Record<string, unknown>[];
  sims(): Record<string, unknown>[];
  fleets(): Record<string, unknown>[];
  /** Requests matching method and a path prefix (e.g. `POST /v1/ESimProfiles`). */
  count(method: string, path: string): number;
  setErrorShape(shape: 'legacy' | 'rfc9457'): void;
  /** End a reservation now instead of after reserveDelayMs. */
  completeReservation(sid: string): Promise<void>;
  /** What the SM-DP+ hook reports, for tests without one. */
  markInstalled(ev: SmdpInstallEvent): void;
  expireTokens(): void;
  close(): Promise<void>;
}

function token(core: CloudCore, req: IncomingMessage, form: URLSearchParams): Reply {
  if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic?.[1]) {
    const d = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = d.indexOf(':');
    id = decodeURIComponent(d.slice(0, i));
    secret = decodeURIComponent(d.slice(i + 1));
  }
  const t = core.issueToken(id, secret);
  return t ? { status: 200, body: t } : { status: 401, body: { error: 'invalid_client' } };
}

async function handle(core: CloudCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = (await readBody(req, MAX_BODY))?.toString('utf8');
  const url = new URL(req.url ?? '/', core.baseUrl);
  const method = req.method ?? 'GET';
  const contentType = req.headers['content-type'] ?? '';
  const form = method === 'POST' && raw !== undefined ? new URLSearchParams(raw) : new URLSearchParams();
  const rec: RecordedExchange = {
    method,
    path: url.pathname,
    query: [...url.searchParams.entries()],
    form: [...form.entries()],
    auth: 'none',
    status: 0,
    body: null,
  };
  if (contentType) rec.contentType = contentType;
  if (url.pathname !== KORE_TOKEN_PATH) core.requests.push(rec);
  const f = core.faults;
  if (f.slowMs > 0) await new Promise((r) => setTimeout(r, f.slowMs));
  let reply: Reply;
  if (raw === undefined) {
    reply = apiError(core, 413, 20413, 'Request body too large');
  } else if (url.pathname === KORE_TOKEN_PATH) {
    reply = method === 'POST' ? token(core, req, form) : { status: 405, body: { error: 'invalid_request' } };
  } else {
    const auth = core.checkAuth(req.headers.authorization);
    rec.auth = auth.kind;
    if (auth.kind === 'none' || auth.kind === 'invalid') {
      reply = apiError(core, 401, 20003, 'Authentication Error - invalid username or token', url.pathname);
    } else if (f.rateLimit > 0) {
      f.rateLimit--;
      reply = apiError(core, 429, 20429, 'Too Many Requests', url.pathname);
      if (f.retryAfterSec !== undefined) reply.headers = { ...reply.headers, 'retry-after': String(f.retryAfterSec) };
    } else if (f.serverErrors > 0 && (!f.serverErrorMethods || f.serverErrorMethods.includes(method as 'GET' | 'POST'))) {
      f.serverErrors--;
      reply = apiError(core, f.serverErrorStatus ?? 500, 20500, 'Internal Server Error', url.pathname);
    } else {
      reply = route(core, { method, url, form, contentType, signer: auth.kind === 'bearer' ? 'kore' : 'twilio' });
      if (method === 'POST' && (f.lostPosts ?? 0) > 0) {
        f.lostPosts = (f.lostPosts ?? 0) - 1;
        reply = apiError(core, 500, 20500, 'Internal Server Error', url.pathname);
      }
    }
  }
  rec.status = reply.status;
  rec.body = reply.body;
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startCloudDouble(opts: CloudDoubleOptions = {}): Promise<CloudDouble> {
  const core = new CloudCore(opts);
  const server = createServer((req, res) => {
    handle(core, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"code":20500,"message":"Internal Server Error","more_info":"","status":500}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    const host = opts.host ?? '127.0.0.1';
    // a port in use or an address that is not ours: a configuration error (exit 3), as for serve-smdp
    server.once('error', (e) => reject(new LpaError('CONFIG_INVALID', `Super SIM double cannot listen on ${host}:${opts.port ?? 0}: ${e.message}`, { host, port: opts.port ?? 0 }, { cause: e })));
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  core.baseUrl = `http://${host}:${addr.port}`;
  const list = <T>(m: Map<string, T>, json: (x: T) => Record<string, unknown>): Record<string, unknown>[] => [...m.values()].map(json);
  return {
    url: core.baseUrl,
    tokenUrl: `${core.baseUrl}${KORE_TOKEN_PATH}`,
    credentials: {
      accountSid: core.accountSid,
      authToken: core.authToken,
      apiKeys: core.apiKeys,
      kore: { clientId: core.kore.clientId, clientSecret: core.kore.clientSecret },
    },
    faults: core.faults,
    requests: core.requests,
    callbacks: core.callbacks,
    profiles: () => list(core.store.profiles, (p) => core.store.profileJson(p)),
    sims: () => list(core.store.sims, (s) => core.store.simJson(s)),
    fleets: () => list(core.store.fleets, (f) => core.store.fleetJson(f)),
    count: (method, path) => core.requests.filter((r) => r.method === method && r.path.startsWith(path)).length,
    setErrorShape: (shape) => {
      core.errorShape = shape;
    },
    completeReservation: (sid) => core.completeReservation(sid),
    markInstalled: (ev) => core.markInstalled(ev),
    expireTokens: () => core.expireTokens(),
    close: async () => {
      await core.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
