/**
 * The request core of the cloud clients: form-encoded requests, JSON answers, both error shapes,
 * bounded retries (429 always, 5xx and transport errors only for idempotent requests), one token
 * refresh on 401, timeouts, and redaction of every credential from what it reports.
 */
import type { Dispatcher } from 'undici';
import { Agent, request } from '../util/undici.js';
import { LpaError, type ErrorCode } from '../errors.js';
import { createCloudConnector } from '../es9p/connector.js';
import { isLoopback, type ProxySettings } from '../es9p/proxy.js';
import { createTrustStore } from '../es9p/tls.js';
import type { CloudAuth } from './auth.js';
import { noAuth } from './auth.js';
import { backoffDelay, DEFAULT_BACKOFF, interrupted, parseRetryAfter, realTiming, type BackoffPolicy, type Timing } from './backoff.js';
import { describeProblem, parseProblem, problemDetails, type CloudProblem } from './problem.js';
import { redact, redactDeep } from './redact.js';

export type FormValue = string | number | boolean | null | undefined;
export type FormParams = Record<string, FormValue>;

export interface RetryInfo {
  reason: 'rate-limited' | 'server-error' | 'transport' | 'token-refresh';
  attempt: number;
  delayMs: number;
  httpStatus?: number;
}

/** How cloud requests reach the server: extra roots (`--ca`) and the HTTP proxy. */
export interface CloudNetwork {
  caFiles?: readonly string[];
  proxy?: ProxySettings;
}

/**
 * The dispatcher of the cloud clients: TLS verified explicitly against the system roots plus
 * `--ca` files (never affected by NODE_TLS_REJECT_UNAUTHORIZED), through the proxy when one is
 * configured, plain http:// to loopback addresses only.
 */
export function createCloudDispatcher(network: CloudNetwork = {}): Dispatcher {
  const trust = createTrustStore({ gsmaCi: false, caFiles: network.caFiles ?? [] });
  return new Agent({
    keepAliveTimeout: 4_000,
    connections: 4,
    connect: createCloudConnector({ trust, ...(network.proxy ? { proxy: network.proxy } : {}) }),
  });
}

/**
 * Checks a cloud or backend base URL: https://, or http:// to a loopback address (the local
 * double); never user:password in it. CONFIG_INVALID naming `what` otherwise.
 */
export function checkCloudUrl(url: URL, what: string): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new LpaError('CONFIG_INVALID', `${what} must be an https:// URL: ${url.origin}`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new LpaError('CONFIG_INVALID', `${what} ${url.origin} uses plain http://, allowed only for loopback addresses (127.0.0.1, ::1, localhost): use https://`, {
      url: url.origin,
    });
  }
  if (url.username || url.password) throw new LpaError('CONFIG_INVALID', `${what} must not carry a user name or password`);
}

export interface CloudHttpOptions {
  baseUrl: string;
  /** Extra roots and proxy for the default dispatcher (ignored when `dispatcher` is given). */
  network?: CloudNetwork;
  auth?: CloudAuth;
  /** Name used in messages, e.g. "Super SIM API". */
  service?: string;
  /** Hint appended to 401/403 messages, e.g. which variables hold the credentials. */
  authHint?: string;
  dispatcher?: Dispatcher;
  timing?: Timing;
  /** Per request: time to headers and between body chunks. Default 30 s. */
  timeoutMs?: number;
  /** Retries of 429 / 20429 answers. Default 6. */
  maxRateLimitRetries?: number;
  /** Retries of 5xx and transport errors, idempotent requests only. Default 3. */
  maxServerErrorRetries?: number;
  backoff?: BackoffPolicy;
  /** A Retry-After longer than this is not waited for. Default 120 s. */
  maxRetryAfterMs?: number;
  /** Largest answer accepted. Default 4 MiB. */
  maxBodyBytes?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Debug lines (already redacted). */
  trace?: (line: string) => void;
  userAgent?: string;
}

export interface CloudRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, or an absolute URL (its path and query are used against the base). */
  path: string;
  query?: FormParams;
  form?: FormParams;
  /** Safe to repeat after a 5xx or a lost connection. Default: GET yes, POST no. */
  idempotent?: boolean;
  /** Non-2xx statuses handed back instead of thrown (e.g. 409 for "not ready yet"). */
  accept?: readonly number[];
  /** What the request does, for messages: "fetch ESimProfile HP…". */
  what?: string;
  signal?: AbortSignal;
}

export interface CloudResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; null for an empty body. */
  json: unknown;
}

/** `application/x-www-form-urlencoded`, names as given, booleans `true`/`false`, unset omitted. */
export function encodeForm(params: FormParams | undefined): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined || v === null) continue;
    sp.append(k, typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v));
  }
  return sp.toString();
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class CloudHttp {
  readonly baseUrl: URL;
  private readonly auth: CloudAuth;
  private readonly timing: Timing;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;
  private readonly service: string;

  constructor(private readonly opts: CloudHttpOptions) {
    try {
      this.baseUrl = new URL(opts.baseUrl);
    } catch (e) {
      throw new LpaError('CONFIG_INVALID', `cloud base URL is not a URL: ${opts.baseUrl}`, {}, { cause: e });
    }
    checkCloudUrl(this.baseUrl, 'cloud base URL');
    this.auth = opts.auth ?? noAuth;
    this.timing = opts.timing ?? realTiming;
    this.service = opts.service ?? 'cloud';
    this.ownDispatcher = opts.dispatcher === undefined;
    this.dispatcher = opts.dispatcher ?? createCloudDispatcher(opts.network);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownDispatcher) await this.dispatcher.close();
  }

  /** Strings to hide in anything shown to people. */
  secrets(): string[] {
    return this.auth.secrets();
  }

  redact(text: string): string {
    return redact(text, this.auth.secrets());
  }

  /** Resolves a path or absolute URL against the base; another origin never receives credentials. */
  resolve(path: string, query?: FormParams): URL {
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
      const abs = new URL(path);
      url = new URL(this.baseUrl.href);
      url.pathname = abs.pathname;
      url.search = abs.search;
    } else {
      const base = this.baseUrl.href.endsWith('/') ? this.baseUrl.href : `${this.baseUrl.href}/`;
      url = new URL(path.replace(/^\//, ''), base);
    }
    const extra = encodeForm(query);
    if (extra) url.search = url.search ? `${url.search}&${extra}` : `?${extra}`;
    return url;
  }

  async request(req: CloudRequest): Promise<CloudResponse> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    const url = this.resolve(req.path, req.query);
    const what = req.what ?? `${req.method} ${url.pathname}`;
    const body = req.method === 'POST' ? encodeForm(req.form) : undefined;
    const maxRl = this.opts.maxRateLimitRetries ?? 6;
    const maxSe = this.opts.maxServerErrorRetries ?? 3;
    const policy = this.opts.backoff ?? DEFAULT_BACKOFF;
    let rateLimited = 0;
    let serverErrors = 0;
    let refreshed = false;
    for (;;) {
      if (req.signal?.aborted) throw interrupted(req.signal);
      let res: { status: number; headers: CloudResponse['headers']; text: string };
      try {
        res = await this.send(req.method, url, body, req.signal);
      } catch (e) {
        if (req.signal?.aborted) throw interrupted(req.signal);
        const code = e instanceof LpaError ? e.code : ((e as { code?: string }).code ?? '');
        this.opts.trace?.(this.redact(`${req.method} ${url.pathname} -> failed (${code || 'error'})`));
        if (e instanceof LpaError) throw e;
        const err = new LpaError(
          TIMEOUT_CODES.has(code) ? 'CLOUD_TIMEOUT' : 'CLOUD_HTTP',
          this.redact(
            `${this.service}: ${what} ${TIMEOUT_CODES.has(code) ? 'timed out' : 'failed'}: ${(e as Error).message ?? String(e)}`,
          ),
          { url: this.redact(`${url.origin}${url.pathname}`), transport: code || undefined },
          { cause: e },
        );
        if (idempotent && serverErrors < maxSe) {
          await this.pause({ reason: 'transport', attempt: ++serverErrors, delayMs: backoffDelay(serverErrors - 1, policy, this.timing.random) }, req.signal);
          continue;
        }
        throw err;
      }
      // method, path and status only: never the query, bodies or credentials
      this.opts.trace?.(this.redact(`${req.method} ${url.pathname} -> ${res.status}`));
      if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) {
        return { status: res.status, headers: res.headers, json: this.parseJson(res.text, what, res.status) };
      }
      const problem = parseProblem(res.text);
      if (res.status === 401 && this.auth.refreshable && !refreshed) {
        refreshed = true;
        this.auth.invalidate();
        this.opts.onRetry?.({ reason: 'token-refresh', attempt: 1, delayMs: 0, httpStatus: 401 });
        continue;
      }
      if (res.status === 429 || problem.apiCode === 20429) {
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        const delayMs = Math.max(retryAfter ?? 0, backoffDelay(rateLimited, policy, this.timing.random));
        if (rateLimited >= maxRl || delayMs > (this.opts.maxRetryAfterMs ?? 120_000)) {
          throw this.httpError('CLOUD_RATE_LIMITED', what, res.status, problem, 'too many requests; retries exhausted, try again later', {
            retries: rateLimited,
            retryAfterMs: retryAfter,
          });
        }
        await this.pause({ reason: 'rate-limited', attempt: ++rateLimited, delayMs, httpStatus: res.status }, req.signal);
        continue;
      }
      if (res.status >= 500 && idempotent && serverErrors < maxSe) {
        await this.pause(
          { reason: 'server-error', attempt: ++serverErrors, delayMs: backoffDelay(serverErrors - 1, policy, this.timing.random), httpStatus: res.status },
          req.signal,
        );
        continue;
      }
      throw this.errorFor(res.status, what, problem, serverErrors);
    }
  }

  private async pause(info: RetryInfo, signal: AbortSignal | undefined): Promise<void> {
    this.opts.onRetry?.(info);
    this.opts.trace?.(`retry (${info.reason}) #${info.attempt} in ${info.delayMs} ms`);
    await this.timing.sleep(info.delayMs, signal);
  }

  private errorFor(status: number, what: string, problem: CloudProblem, retries: number): LpaError {
    if (status === 401 || status === 403) {
      const hint = this.opts.authHint ? `; check ${this.opts.authHint}` : '';
      return this.httpError('CLOUD_AUTH', what, status, problem, `the credentials (${this.auth.describe()}) were refused${hint}`);
    }
    if (status === 404) return this.httpError('CLOUD_NOT_FOUND', what, status, problem, 'not found (wrong SID or name?)');
    if (status >= 500) {
      return this.httpError('CLOUD_HTTP', what, status, problem, retries > 0 ? `server error after ${retries} retries` : 'server error', { retries });
    }
    return this.httpError('CLOUD_HTTP', what, status, problem, 'request rejected');
  }

  private httpError(
    code: ErrorCode,
    what: string,
    status: number,
    problem: CloudProblem,
    explain: string,
    extra: Record<string, unknown> = {},
  ): LpaError {
    const api = describeProblem(problem);
    const message = `${this.service}: ${what} failed: HTTP ${status}${api ? ` (${api})` : ''}: ${explain}`;
    const details: Record<string, unknown> = { httpStatus: status, ...problemDetails(problem) };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) details[k] = v;
    return new LpaError(code, this.redact(message), redactDeep(details, this.secrets()));
  }

  private parseJson(text: string, what: string, status: number): unknown {
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new LpaError(
        'CLOUD_BAD_RESPONSE',
        `${this.service}: ${what}: answer (HTTP ${status}) is not valid JSON`,
        { httpStatus: status, bodyStart: this.redact(text.slice(0, 80)) },
        { cause: e },
      );
    }
  }

  private async send(
    method: string,
    url: URL,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; headers: CloudResponse['headers']; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const authz = await this.auth.authorization(signal);
    if (authz) headers.authorization = authz;
    if (this.opts.userAgent) headers['user-agent'] = this.opts.userAgent;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const timeout = this.opts.timeoutMs ?? 30_000;
    // Our own timer (undici's timeouts are coarse): covers headers and the whole body.
    const timer = new AbortController();
    const t = setTimeout(() => timer.abort(), timeout);
    const combined = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
    try {
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: combined,
        dispatcher: this.dispatcher,
      });
      const limit = this.opts.maxBodyBytes ?? 4 * 1024 * 1024;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > limit) {
          res.body.destroy();
          throw new LpaError('CLOUD_BAD_RESPONSE', `${this.service}: answer larger than ${limit} bytes`, { httpStatus: res.statusCode });
        }
        chunks.push(chunk as Buffer);
      }
      return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
    } catch (e) {
      if (timer.signal.aborted && !signal?.aborted) throw Object.assign(new Error(`no answer within ${timeout} ms`), { code: 'UND_ERR_HEADERS_TIMEOUT', cause: e });
      throw e;
    } finally {
      clearTimeout(t);
    }
  }
}
