/**
 * Super SIM API client (Twilio, or KORE which now runs Super SIM with the same paths and schemas):
 * ESimProfiles (create, fetch, list), Sims (fetch, update) and Fleets (fetch).
 */
import type { Dispatcher } from 'undici';
import { LpaError } from '../errors.js';
import { authFor, credentialsFromEnv, type CloudAuth, type CloudCredentials } from './auth.js';
import type { Timing } from './backoff.js';
import { checkCloudUrl, CloudHttp, createCloudDispatcher, type CloudHttpOptions } from './http.js';
import { parseESimProfile, parseFleet, parseListPage, parseSim } from './parse.js';
import type { CallbackMethod, ESimProfile, ESimProfileStatus, Fleet, Sim, SimStatusUpdate } from './types.js';

export type SuperSimVendor = 'twilio' | 'kore';

export const SUPERSIM_BASE_URLS: Record<SuperSimVendor, string> = {
  twilio: 'https://supersim.twilio.com',
  kore: 'https://supersim.api.korewireless.com',
};
export const KORE_TOKEN_URL = 'https://api.korewireless.com/api-services/v1/auth/token';

export interface SuperSimClientOptions
  extends Omit<CloudHttpOptions, 'baseUrl' | 'auth' | 'service' | 'authHint' | 'dispatcher' | 'timing'> {
  credentials: CloudCredentials;
  /** Default: the vendor's public URL (`--cloud-url` overrides it, e.g. for the local double). */
  baseUrl?: string;
  /** KORE OAuth2 token endpoint. Default KORE_TOKEN_URL. */
  tokenUrl?: string;
  dispatcher?: Dispatcher;
  timing?: Timing;
  /** Most list pages followed. Default 20. */
  maxPages?: number;
}

export interface CreateESimProfileParams {
  Eid?: string;
  CallbackUrl?: string;
  CallbackMethod?: CallbackMethod;
  GenerateMatchingId?: boolean;
}

export interface ListESimProfilesFilter {
  Eid?: string;
  SimSid?: string;
  Status?: ESimProfileStatus;
  PageSize?: number;
}

export interface UpdateSimParams {
  Fleet?: string;
  Status?: SimStatusUpdate;
  UniqueName?: string;
  CallbackUrl?: string;
  CallbackMethod?: CallbackMethod;
}

const SID_RE = /^[A-Z]{2}[0-9a-fA-F]{32}$/;

function checkSid(sid: string, prefix: string, what: string): string {
  if (typeof sid !== 'string' || !SID_RE.test(sid) || !sid.startsWith(prefix)) {
    throw new LpaError('USAGE', `${what} SID must be "${prefix}" followed by 32 hex digits, got "${String(sid).slice(0, 40)}"`);
  }
  return sid;
}

export class SuperSimClient {
  readonly vendor: SuperSimVendor;
  readonly http: CloudHttp;
  readonly auth: CloudAuth;
  private readonly maxPages: number;
  /** The dispatcher this client made (closed with it); undefined when the caller gave one. */
  private readonly ownDispatcher: Dispatcher | undefined;

  constructor(opts: SuperSimClientOptions) {
    this.vendor = opts.credentials.kind;
    const baseUrl = opts.baseUrl ?? SUPERSIM_BASE_URLS[this.vendor];
    const tokenUrl = opts.tokenUrl ?? KORE_TOKEN_URL;
    if (this.vendor === 'kore') checkCloudUrl(new URL(tokenUrl), 'KORE token URL');
    // one explicitly verifying dispatcher for the API and the KORE token endpoint alike
    this.ownDispatcher = opts.dispatcher ? undefined : createCloudDispatcher(opts.network);
    const dispatcher = opts.dispatcher ?? this.ownDispatcher!;
    this.auth = authFor(opts.credentials, {
      tokenUrl,
      dispatcher,
      timing: opts.timing,
      timeoutMs: opts.timeoutMs,
    });
    this.http = new CloudHttp({
      ...opts,
      dispatcher,
      baseUrl,
      auth: this.auth,
      service: 'Super SIM API',
      authHint:
        this.vendor === 'kore'
          ? 'KORE_CLIENT_ID / KORE_CLIENT_SECRET'
          : 'TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY / TWILIO_API_SECRET)',
    });
    this.maxPages = opts.maxPages ?? 20;
  }

  /** Client with credentials from TWILIO_* or KORE_* variables. */
  static fromEnv(env: Record<string, string | undefined>, opts: Omit<SuperSimClientOptions, 'credentials'> = {}): SuperSimClient {
    return new SuperSimClient({ ...opts, credentials: credentialsFromEnv(env) });
  }

  private closed = false;

  /** Closes the connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.http.close();
    await this.ownDispatcher?.close();
  }

  /** Reserves an eSIM profile (201; status `new`, or `reserving` when a callback was given). */
  async createESimProfile(params: CreateESimProfileParams, signal?: AbortSignal): Promise<ESimProfile> {
    if (!params.Eid && params.GenerateMatchingId !== true) {
      throw new LpaError('USAGE', 'creating an ESimProfile needs an Eid, or GenerateMatchingId=true');
    }
    const res = await this.http.request({
      method: 'POST',
      path: '/v1/ESimProfiles',
      form: { ...params },
      what: 'create ESimProfile',
      idempotent: false,
      signal,
    });
    return parseESimProfile(res.json);
  }

  async fetchESimProfile(sid: string, signal?: AbortSignal): Promise<ESimProfile> {
    checkSid(sid, 'HP', 'ESimProfile');
    const res = await this.http.request({ method: 'GET', path: `/v1/ESimProfiles/${sid}`, what: `fetch ESimProfile ${sid}`, signal });
    return parseESimProfile(res.json);
  }

  /** Every ESimProfile matching the filter, following `meta.next_page_url` (at most maxPages pages). */
  async listESimProfiles(filter: ListESimProfilesFilter = {}, signal?: AbortSignal): Promise<ESimProfile[]> {
    const out: ESimProfile[] = [];
    let path: string | null = '/v1/ESimProfiles';
    let query: Record<string, string | number | undefined> | undefined = { ...filter };
    for (let page = 0; path !== null; page++) {
      if (page >= this.maxPages) {
        throw new LpaError('CLOUD_BAD_RESPONSE', `Super SIM API: ESimProfiles list has more than ${this.maxPages} pages; narrow the filter`, {
          maxPages: this.maxPages,
        });
      }
      const res = await this.http.request({ method: 'GET', path, query, what: 'list ESimProfiles', signal });
      const { items, meta } = parseListPage(res.json, 'esim_profiles', parseESimProfile);
      out.push(...items);
      path = meta.next_page_url;
      query = undefined;
    }
    return out;
  }

  /** Updates a Sim: 200, or 202 when the change is queued (`scheduled`). */
  async updateSim(sid: string, params: UpdateSimParams, signal?: AbortSignal): Promise<{ sim: Sim; scheduled: boolean }> {
    checkSid(sid, 'HS', 'Sim');
    const res = await this.http.request({
      method: 'POST',
      path: `/v1/Sims/${sid}`,
      form: { ...params },
      what: `update Sim ${sid}`,
      // Setting the same values twice has the same effect: safe to retry after a 5xx.
      idempotent: true,
      signal,
    });
    const sim = parseSim(res.json);
    return { sim, scheduled: res.status === 202 || sim.status === 'scheduled' };
  }

  async fetchSim(sid: string, signal?: AbortSignal): Promise<Sim> {
    checkSid(sid, 'HS', 'Sim');
    const res = await this.http.request({ method: 'GET', path: `/v1/Sims/${sid}`, what: `fetch Sim ${sid}`, signal });
    return parseSim(res.json);
  }

  /** Fetches a Fleet by SID (`HF...`) or unique name. */
  async fetchFleet(sidOrName: string, signal?: AbortSignal): Promise<Fleet> {
    if (typeof sidOrName !== 'string' || sidOrName.length === 0 || sidOrName.length > 200) {
      throw new LpaError('USAGE', 'fleet must be a Fleet SID (HF...) or a unique name of at most 200 characters');
    }
    const res = await this.http.request({
      method: 'GET',
      path: `/v1/Fleets/${encodeURIComponent(sidOrName)}`,
      what: `fetch Fleet ${sidOrName}`,
      signal,
    });
    return parseFleet(res.json);
  }
}
