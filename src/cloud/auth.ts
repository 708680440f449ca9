/**
 * Credentials for the Super SIM API: Twilio HTTP Basic (Account SID + Auth Token, or API key SID +
 * secret for an account) and KORE OAuth2 client credentials with a cached bearer token.
 */
import type { Dispatcher } from 'undici';
import { request } from '../util/undici.js';
import { LpaError } from '../errors.js';
import { realTiming, type Timing } from './backoff.js';
import { redact } from './redact.js';

export { redact } from './redact.js';

export interface TwilioCredentials {
  kind: 'twilio';
  /** `AC` + 32 hex. */
  accountSid: string;
  authToken?: string;
  /** API key SID, `SK` + 32 hex; used with `apiSecret` instead of the auth token. */
  apiKey?: string;
  apiSecret?: string;
}

export interface KoreCredentials {
  kind: 'kore';
  clientId: string;
  clientSecret: string;
}

export type CloudCredentials = TwilioCredentials | KoreCredentials;

export const ACCOUNT_SID_RE = /^AC[0-9a-fA-F]{32}$/;
export const API_KEY_SID_RE = /^SK[0-9a-fA-F]{32}$/;

/**
 * Reads credentials from the environment. KORE wins when both KORE variables are set (or when
 * `prefer` says so); otherwise Twilio, with the API key pair preferred over the auth token.
 * Throws CONFIG_INVALID naming the missing variables (never their values).
 */
export function credentialsFromEnv(
  env: Record<string, string | undefined> = process.env,
  prefer?: 'twilio' | 'kore',
): CloudCredentials {
  const v = (name: string): string | undefined => {
    const x = env[name]?.trim();
    return x ? x : undefined;
  };
  const kore = { id: v('KORE_CLIENT_ID'), secret: v('KORE_CLIENT_SECRET') };
  if (prefer === 'kore' || (prefer !== 'twilio' && kore.id && kore.secret)) {
    if (!kore.id || !kore.secret) {
      throw new LpaError('CONFIG_INVALID', 'KORE credentials missing: set KORE_CLIENT_ID and KORE_CLIENT_SECRET', {
        missing: [kore.id ? undefined : 'KORE_CLIENT_ID', kore.secret ? undefined : 'KORE_CLIENT_SECRET'].filter(Boolean),
      });
    }
    return { kind: 'kore', clientId: kore.id, clientSecret: kore.secret };
  }
  const accountSid = v('TWILIO_ACCOUNT_SID');
  const authToken = v('TWILIO_AUTH_TOKEN');
  const apiKey = v('TWILIO_API_KEY');
  const apiSecret = v('TWILIO_API_SECRET');
  if (!accountSid || !((apiKey && apiSecret) || authToken)) {
    const missing = [
      accountSid ? undefined : 'TWILIO_ACCOUNT_SID',
      (apiKey && apiSecret) || authToken ? undefined : apiKey ? 'TWILIO_API_SECRET' : 'TWILIO_AUTH_TOKEN',
    ].filter(Boolean);
    throw new LpaError(
      'CONFIG_INVALID',
      `Super SIM credentials missing: set ${missing.join(' and ')} (or TWILIO_API_KEY + TWILIO_API_SECRET, or KORE_CLIENT_ID + KORE_CLIENT_SECRET)`,
      { missing },
    );
  }
  const creds: TwilioCredentials = { kind: 'twilio', accountSid };
  if (apiKey && apiSecret) {
    creds.apiKey = apiKey;
    creds.apiSecret = apiSecret;
  } else {
    creds.authToken = authToken;
  }
  checkTwilioCredentials(creds);
  return creds;
}

function checkTwilioCredentials(c: TwilioCredentials): void {
  if (!ACCOUNT_SID_RE.test(c.accountSid)) {
    throw new LpaError('CONFIG_INVALID', 'Twilio Account SID must be "AC" followed by 32 hex digits');
  }
  if (c.apiKey !== undefined && !API_KEY_SID_RE.test(c.apiKey)) {
    throw new LpaError('CONFIG_INVALID', 'Twilio API key must be "SK" followed by 32 hex digits');
  }
  if (!(c.apiKey && c.apiSecret) && !c.authToken) {
    throw new LpaError('CONFIG_INVALID', 'Twilio credentials need an auth token or an API key and secret');
  }
}

/** What the request core needs from a credential scheme. */
export interface CloudAuth {
  /** Value of the Authorization header. */
  authorization(signal?: AbortSignal): Promise<string>;
  /** True when a 401 may be cured by fetching a new token (then `invalidate()` and retry once). */
  readonly refreshable: boolean;
  invalidate(): void;
  /** Every string that must never be shown: secrets, tokens, encoded headers. */
  secrets(): string[];
  /** Human description without secrets, e.g. "Twilio API key SK12…". */
  describe(): string;
}

export class BasicAuth implements CloudAuth {
  readonly refreshable = false;
  private readonly header: string;
  private readonly username: string;
  private readonly password: string;

  constructor(creds: TwilioCredentials) {
    checkTwilioCredentials(creds);
    this.username = creds.apiKey && creds.apiSecret ? creds.apiKey : creds.accountSid;
    this.password = creds.apiKey && creds.apiSecret ? creds.apiSecret : (creds.authToken as string);
    this.header = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
  }

  async authorization(): Promise<string> {
    return this.header;
  }

  invalidate(): void {}

  secrets(): string[] {
    return [this.password, this.header, this.header.slice('Basic '.length)];
  }

  describe(): string {
    return this.username.startsWith('SK') ? `Twilio API key ${this.username}` : `Twilio account ${this.username}`;
  }
}

export interface KoreAuthOptions {
  tokenUrl: string;
  dispatcher?: Dispatcher;
  timing?: Timing;
  /** Renew this long before the token expires. Default 60 s (or a tenth of a short lifetime). */
  renewBeforeMs?: number;
  timeoutMs?: number;
}

/** OAuth2 client credentials (KORE): the token is cached until shortly before it expires. */
export class KoreOAuth implements CloudAuth {
  readonly refreshable = true;
  private token: { value: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly timing: Timing;
  /** Tokens fetched so far (for tests and traces). */
  tokensFetched = 0;

  constructor(
    private readonly creds: KoreCredentials,
    private readonly opts: KoreAuthOptions,
  ) {
    if (!creds.clientId || !creds.clientSecret) {
      throw new LpaError('CONFIG_INVALID', 'KORE credentials need a client id and a client secret');
    }
    this.timing = opts.timing ?? realTiming;
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    if (this.token && this.timing.now() < this.token.renewAt) return `Bearer ${this.token.value}`;
    this.pending ??= this.fetchToken(signal).finally(() => {
      this.pending = undefined;
    });
    return `Bearer ${await this.pending}`;
  }

  invalidate(): void {
    this.token = undefined;
  }

  secrets(): string[] {
    const s = [this.creds.clientSecret];
    if (this.token) s.push(this.token.value);
    return s;
  }

  describe(): string {
    return `KORE client ${this.creds.clientId}`;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.creds.clientId,
      client_secret: this.creds.clientSecret,
    }).toString();
    const started = this.timing.now();
    let status: number;
    let text: string;
    try {
      const res = await request(this.opts.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        dispatcher: this.opts.dispatcher,
        signal,
        headersTimeout: this.opts.timeoutMs ?? 30_000,
        bodyTimeout: this.opts.timeoutMs ?? 30_000,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (e) {
      const timeout = /Timeout/i.test((e as { code?: string }).code ?? '');
      throw new LpaError(
        timeout ? 'CLOUD_TIMEOUT' : 'CLOUD_HTTP',
        `KORE token endpoint unreachable: ${redact((e as Error).message ?? String(e), this.secrets())}`,
        { url: this.opts.tokenUrl },
        { cause: e },
      );
    }
    if (status === 400 || status === 401 || status === 403) {
      throw new LpaError(
        'CLOUD_AUTH',
        `KORE refused the client credentials (HTTP ${status}): check KORE_CLIENT_ID and KORE_CLIENT_SECRET`,
        { httpStatus: status },
      );
    }
    if (status < 200 || status >= 300) {
      throw new LpaError('CLOUD_HTTP', `KORE token endpoint answered HTTP ${status}`, { httpStatus: status });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new LpaError('CLOUD_BAD_RESPONSE', 'KORE token endpoint answered with malformed JSON', {}, { cause: e });
    }
    const o = json as { access_token?: unknown; expires_in?: unknown };
    if (typeof o?.access_token !== 'string' || o.access_token.length === 0) {
      throw new LpaError('CLOUD_BAD_RESPONSE', 'KORE token endpoint answered without access_token');
    }
    const lifeMs = typeof o.expires_in === 'number' && o.expires_in > 0 ? o.expires_in * 1000 : 300_000;
    const before = this.opts.renewBeforeMs ?? Math.min(60_000, lifeMs / 10);
    this.token = { value: o.access_token, renewAt: started + lifeMs - before };
    this.tokensFetched++;
    return o.access_token;
  }
}

/** A fixed bearer token (maker backend). */
export class BearerAuth implements CloudAuth {
  readonly refreshable = false;
  constructor(private readonly token: string) {}
  async authorization(): Promise<string> {
    return `Bearer ${this.token}`;
  }
  invalidate(): void {}
  secrets(): string[] {
    return [this.token];
  }
  describe(): string {
    return 'bearer token';
  }
}

/** No Authorization header at all. */
export const noAuth: CloudAuth = {
  refreshable: false,
  authorization: async () => '',
  invalidate: () => {},
  secrets: () => [],
  describe: () => 'no credentials',
};

export function authFor(creds: CloudCredentials, kore: KoreAuthOptions): CloudAuth {
  return creds.kind === 'kore' ? new KoreOAuth(creds, kore) : new BasicAuth(creds);
}
