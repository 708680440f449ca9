/**
 * Behaviour of the Super SIM double: credentials and tokens, reservations moving to `available`
 * (or `failed`), Sim updates (optionally scheduled), the SM-DP+ hook and signed callbacks.
 */
import { randomBytes } from 'node:crypto';
import { request } from '../../util/undici.js';
import { koreSignature, twilioSignature } from '../../cloud/callbacks.js';
import { CloudStore, newIccid, newMatchingId, newSid, type ProfileRec, type ProfileStatus } from './store.js';
import type { CloudDoubleOptions, CloudFaults, RecordedExchange, SentCallback, SmdpInstallEvent } from './types.js';

export interface AuthResult {
  kind: RecordedExchange['auth'];
}

export class CloudCore {
  readonly accountSid: string;
  readonly authToken: string;
  readonly apiKeys: { sid: string; secret: string }[];
  readonly kore: { clientId: string; clientSecret: string; tokenTtlSec: number };
  readonly store: CloudStore;
  readonly faults: CloudFaults;
  readonly requests: RecordedExchange[] = [];
  readonly callbacks: SentCallback[] = [];
  errorShape: 'legacy' | 'rfc9457';
  baseUrl = '';
  private readonly tokens = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(readonly opts: CloudDoubleOptions) {
    this.accountSid = opts.accountSid ?? newSid('AC');
    this.authToken = opts.authToken ?? randomBytes(16).toString('hex');
    this.apiKeys = opts.apiKeys ?? [{ sid: newSid('SK'), secret: randomBytes(16).toString('hex') }];
    this.kore = {
      clientId: opts.kore?.clientId ?? `client-${randomBytes(6).toString('hex')}`,
      clientSecret: opts.kore?.clientSecret ?? randomBytes(20).toString('hex'),
      tokenTtlSec: opts.kore?.tokenTtlSec ?? 3600,
    };
    this.errorShape = opts.errorShape ?? 'legacy';
    this.faults = { rateLimit: 0, serverErrors: 0, slowMs: 0, failReservations: false, ...opts.faults };
    this.store = new CloudStore(this.accountSid, () => this.baseUrl);
    for (const f of opts.fleets ?? [{ uniqueName: 'demo-fleet' }]) this.store.addFleet(f.uniqueName);
    opts.smdpHook?.onInstalled?.((ev) => this.markInstalled(ev));
  }

  // ---- credentials -------------------------------------------------------------------------

  checkAuth(header: string | undefined): AuthResult {
    if (!header) return { kind: 'none' };
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const user = decoded.slice(0, i);
      const pass = decoded.slice(i + 1);
      if (i > 0 && user === this.accountSid && pass === this.authToken) return { kind: 'basic-account' };
      if (i > 0 && this.apiKeys.some((k) => k.sid === user && k.secret === pass)) return { kind: 'basic-api-key' };
      return { kind: 'invalid' };
    }
    if (scheme?.toLowerCase() === 'bearer') {
      const exp = this.tokens.get(value);
      return exp !== undefined && Date.now() < exp ? { kind: 'bearer' } : { kind: 'invalid' };
    }
    return { kind: 'invalid' };
  }

  /** OAuth2 client credentials; undefined when the client is not known. */
  issueToken(clientId: string | null, clientSecret: string | null): { access_token: string; token_type: string; expires_in: number } | undefined {
    if (clientId !== this.kore.clientId || clientSecret !== this.kore.clientSecret) return undefined;
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + this.kore.tokenTtlSec * 1000);
    return { access_token: token, token_type: 'Bearer', expires_in: this.kore.tokenTtlSec };
  }

  /** Fault: every bearer token issued so far stops working. */
  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  // ---- reservations ------------------------------------------------------------------------

  createProfile(p: {
    eid: string | null;
    generateMatchingId: boolean;
    callbackUrl: string | null;
    callbackMethod: 'GET' | 'POST';
    signer: 'twilio' | 'kore';
  }): ProfileRec {
    const now = new Date();
    const rec: ProfileRec = {
      sid: newSid('HP'),
      eid: p.eid,
      status: p.callbackUrl ? 'reserving' : 'new',
      iccid: null,
      simSid: null,
      smdpAddress: null,
      matchingId: null,
      activationCode: null,
      errorCode: null,
      errorMessage: null,
      generateMatchingId: p.generateMatchingId,
      created: now,
      updated: now,
      callbackUrl: p.callbackUrl,
      callbackMethod: p.callbackMethod,
      signer: p.signer,
    };
    this.store.profiles.set(rec.sid, rec);
    this.later(this.opts.reserveDelayMs ?? 50, () => this.completeReservation(rec.sid));
    return rec;
  }

  /** Ends a reservation now: `available` (or `failed` when the fault is on or the SM-DP+ refuses). */
  async completeReservation(sid: string): Promise<void> {
    const rec = this.store.profiles.get(sid);
    if (!rec || (rec.status !== 'new' && rec.status !== 'reserving')) return;
    const fail = this.faults.failReservations;
    if (fail) {
      const f = fail === true ? { code: '32001', message: 'Simulated reservation failure' } : fail;
      this.setStatus(rec, 'failed', { errorCode: f.code, errorMessage: f.message });
      return;
    }
    let smdpAddress = this.opts.smdpAddress ?? 'sm-dp-plus.double.test';
    let iccid = newIccid();
    let matchingId: string | null = rec.generateMatchingId ? newMatchingId() : null;
    if (this.opts.smdpHook && rec.eid) {
      try {
        const order = await this.opts.smdpHook.createOrder(rec.eid);
        smdpAddress = order.smdpAddress;
        iccid = order.iccid ?? iccid;
        // an Eid reservation is the SM-DP+ Default method: bound to the EID, no matching id
        // (unless the caller also asked for a generated one)
        if (rec.generateMatchingId) matchingId = order.matchingId ?? matchingId;
      } catch (e) {
        this.setStatus(rec, 'failed', { errorCode: '32002', errorMessage: `SM-DP+ order failed: ${(e as Error).message ?? e}` });
        return;
      }
    }
    const sim = this.store.addSim(iccid);
    rec.iccid = iccid;
    rec.simSid = sim.sid;
    rec.smdpAddress = smdpAddress;
    rec.matchingId = matchingId;
    rec.activationCode = matchingId ? `1$${smdpAddress.toUpperCase()}$${matchingId}` : null;
    this.setStatus(rec, 'available');
  }

  /** The SM-DP+ recorded a download/install: move the matching profile on. */
  markInstalled(ev: SmdpInstallEvent): void {
    const rec = [...this.store.profiles.values()].find(
      (p) =>
        p.status !== 'failed' &&
        ((ev.iccid && p.iccid === ev.iccid) || (ev.matchingId && p.matchingId === ev.matchingId) || (!ev.iccid && !ev.matchingId && ev.eid && p.eid === ev.eid)),
    );
    if (rec) this.setStatus(rec, ev.state ?? 'installed');
  }

  setStatus(rec: ProfileRec, status: ProfileStatus, err?: { errorCode: string; errorMessage: string }): void {
    rec.status = status;
    rec.updated = new Date();
    if (err) {
      rec.errorCode = err.errorCode;
      rec.errorMessage = err.errorMessage;
    }
    if (rec.callbackUrl && (status === 'available' || status === 'downloaded' || status === 'installed' || status === 'failed')) {
      this.track(this.sendCallback(rec));
    }
  }

  // ---- Sims --------------------------------------------------------------------------------

  /** Applies a Sim update now, or (scheduleSimUpdates) answers `scheduled` and applies it later. */
  updateSim(simSid: string, change: { fleetSid?: string; status?: 'ready' | 'active' | 'inactive'; uniqueName?: string }): boolean {
    const sim = this.store.sims.get(simSid);
    if (!sim) return false;
    const apply = (): void => {
      if (change.fleetSid !== undefined) sim.fleetSid = change.fleetSid;
      if (change.uniqueName !== undefined) sim.uniqueName = change.uniqueName;
      if (change.status !== undefined) sim.status = change.status;
      sim.updated = new Date();
    };
    if (this.opts.scheduleSimUpdates && change.status !== undefined) {
      if (change.uniqueName !== undefined) sim.uniqueName = change.uniqueName;
      sim.status = 'scheduled';
      sim.updated = new Date();
      this.later(this.opts.simScheduleDelayMs ?? 20, apply);
      return true;
    }
    apply();
    return false;
  }

  // ---- callbacks ---------------------------------------------------------------------------

  private async sendCallback(rec: ProfileRec): Promise<void> {
    const params: Record<string, string> = { AccountSid: this.accountSid, EsimProfileSid: rec.sid, Status: rec.status };
    if (rec.eid) params.Eid = rec.eid;
    const sent: SentCallback = { url: rec.callbackUrl as string, method: rec.callbackMethod, params };
    this.callbacks.push(sent);
    const form = new URLSearchParams(params).toString();
    let url = rec.callbackUrl as string;
    if (rec.callbackMethod === 'GET') url += (url.includes('?') ? '&' : '?') + form;
    const body = rec.callbackMethod === 'POST' ? form : '';
    const headers: Record<string, string> = {};
    if (rec.callbackMethod === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
    if (rec.signer === 'kore') headers['kore-signature'] = koreSignature(this.kore.clientSecret, rec.callbackMethod, url, body);
    else headers['x-twilio-signature'] = twilioSignature(this.authToken, url, rec.callbackMethod === 'POST' ? params : {});
    try {
      const res = await request(url, {
        method: rec.callbackMethod,
        headers,
        body: rec.callbackMethod === 'POST' ? body : undefined,
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      await res.body.dump();
      sent.status = res.statusCode;
    } catch (e) {
      sent.error = (e as Error).message;
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  later(ms: number, fn: () => unknown): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) this.track(Promise.resolve().then(fn));
    }, ms);
    this.timers.add(t);
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.pending.delete(q));
    this.pending.add(q);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.pending]);
  }
}
