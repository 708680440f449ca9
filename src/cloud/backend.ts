/**
 * BackendProvider: the SM-DP+ address from the maker's own backend, for devices that must not hold
 * Super SIM credentials. Contract: README.md, "Maker backend contract".
 */
import { stat, readFile } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import { LpaError } from '../errors.js';
import { BearerAuth, noAuth, type CloudAuth } from './auth.js';
import { backoffDelay, parseRetryAfter, realTiming, type BackoffPolicy, type Timing } from './backoff.js';
import { checkCloudUrl, CloudHttp, type CloudNetwork } from './http.js';
import { checkEid } from './reserve.js';
import type { AddressProvider, CloudAddress, CloudProgress, GetAddressOptions } from './types.js';

export interface BackendProviderOptions {
  /** URL with `{eid}` where the EID goes, e.g. `https://api.example.com/devices/{eid}/esim`. */
  urlTemplate: string;
  /** File holding a bearer token; must be readable by its owner only. */
  tokenFile?: string;
  /** Overall wait while the backend says "not ready". Default 10 minutes. */
  deadlineMs?: number;
  /** Wait between "not ready" answers without Retry-After. Default 2 s doubling to 30 s. */
  backoff?: BackoffPolicy;
  /** Longest Retry-After honoured as given (longer ones are capped). Default 60 s. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Extra roots and proxy (when no dispatcher is given). */
  network?: CloudNetwork;
  timing?: Timing;
  trace?: (line: string) => void;
}

const HOST_RE = /^(?=.{1,253}(?::\d{1,5})?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;
const TEXT_RE = /^[\x21-\x7e]{1,255}$/;

/** Reads a bearer token file, refusing one that group or others may read or write. */
export async function readTokenFile(path: string): Promise<string> {
  let mode: number;
  let text: string;
  try {
    mode = (await stat(path)).mode;
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new LpaError('CONFIG_INVALID', `cannot read the backend token file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {}, { cause: e });
  }
  if ((mode & 0o077) !== 0) {
    throw new LpaError(
      'CONFIG_INVALID',
      `backend token file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path}`,
      { mode: (mode & 0o777).toString(8) },
    );
  }
  const token = text.trim();
  if (!token || token.length > 8192 || /\s/.test(token)) {
    throw new LpaError('CONFIG_INVALID', `backend token file ${path} must hold one token on one line`);
  }
  return token;
}

/** Validates the backend's answer. */
export function parseBackendAnswer(json: unknown): CloudAddress {
  const bad = (why: string): LpaError => new LpaError('CLOUD_BAD_RESPONSE', `maker backend: answer ${why}`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('is not a JSON object');
  const o = json as Record<string, unknown>;
  if (typeof o.smdpAddress !== 'string' || !HOST_RE.test(o.smdpAddress)) {
    throw bad('has no valid "smdpAddress" (a host name, optionally with :port, no scheme)');
  }
  const out: CloudAddress = { smdpAddress: o.smdpAddress };
  for (const k of ['matchingId', 'activationCode', 'iccid'] as const) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !TEXT_RE.test(v)) throw bad(`has an invalid "${k}"`);
    out[k] = v;
  }
  if (out.iccid !== undefined && !/^\d{18,20}F?$/i.test(out.iccid)) throw bad('has an invalid "iccid"');
  return out;
}

export class BackendProvider implements AddressProvider {
  private readonly timing: Timing;
  private http: CloudHttp | undefined;

  constructor(private readonly opts: BackendProviderOptions) {
    if (!opts.urlTemplate.includes('{eid}')) {
      throw new LpaError('CONFIG_INVALID', 'backend URL must contain {eid} where the EID goes');
    }
    let u: URL;
    try {
      u = new URL(opts.urlTemplate.replace('{eid}', '0'));
    } catch (e) {
      throw new LpaError('CONFIG_INVALID', `backend URL is not a URL: ${opts.urlTemplate}`, {}, { cause: e });
    }
    checkCloudUrl(u, 'backend URL');
    this.timing = opts.timing ?? realTiming;
  }

  async close(): Promise<void> {
    await this.http?.close();
  }

  private async client(): Promise<CloudHttp> {
    if (this.http) return this.http;
    const auth: CloudAuth = this.opts.tokenFile ? new BearerAuth(await readTokenFile(this.opts.tokenFile)) : noAuth;
    this.http = new CloudHttp({
      baseUrl: new URL(this.opts.urlTemplate.replace('{eid}', '0')).origin,
      auth,
      service: 'maker backend',
      authHint: this.opts.tokenFile ? `the token in ${this.opts.tokenFile}` : 'whether the backend needs a token file',
      dispatcher: this.opts.dispatcher,
      network: this.opts.network,
      timing: this.timing,
      timeoutMs: this.opts.timeoutMs,
      trace: this.opts.trace,
    });
    return this.http;
  }

  async getAddress(eidInput: string, o: GetAddressOptions = {}): Promise<CloudAddress> {
    const eid = checkEid(eidInput);
    const http = await this.client();
    const started = this.timing.now();
    const deadline = started + (this.opts.deadlineMs ?? 600_000);
    const policy = this.opts.backoff ?? { initialMs: 2_000, maxMs: 30_000, factor: 2 };
    const progress = (p: Omit<CloudProgress, 'elapsedMs'>): void =>
      o.onProgress?.({ ...p, elapsedMs: Math.round(this.timing.now() - started) });
    const path = this.opts.urlTemplate.replace(/\{eid\}/g, encodeURIComponent(eid));
    for (let attempt = 0; ; attempt++) {
      progress({ step: 'request', message: `asking the maker backend for EID ${eid}` });
      const res = await http.request({ method: 'GET', path, accept: [409], what: `address for EID ${eid}`, signal: o.signal });
      if (res.status !== 202 && res.status !== 409) {
        const address = parseBackendAnswer(res.json);
        progress({ step: 'done', message: `SM-DP+ address ${address.smdpAddress}` });
        return address;
      }
      const now = this.timing.now();
      if (now >= deadline) {
        throw new LpaError(
          'CLOUD_TIMEOUT',
          `maker backend: profile for EID ${eid} still not ready after ${Math.round((now - started) / 1000)} s`,
          { httpStatus: res.status },
        );
      }
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      const wait = Math.min(
        retryAfter !== undefined ? Math.min(retryAfter, this.opts.maxRetryAfterMs ?? 60_000) : backoffDelay(attempt, policy, this.timing.random),
        deadline - now,
      );
      progress({ step: 'not-ready', message: `profile not ready yet (HTTP ${res.status}); asking again in ${Math.ceil(wait / 1000)} s` });
      await this.timing.sleep(wait, o.signal);
    }
  }
}
