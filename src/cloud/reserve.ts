/**
 * SuperSimProvider: the SM-DP+ address for an EID from the Super SIM API.
 *
 * Reuses a live ESimProfile of the EID (never creates a second one: a profile downloads once),
 * otherwise reserves one; waits until it is `available` (polling with backoff, woken early by a
 * callback when a listener is given); assigns its Sim to the fleet and activates it.
 */
import { LpaError } from '../errors.js';
import { validateEid } from '../ids/eid.js';
import { backoffDelay, realTiming, throwIfAborted, type BackoffPolicy, type Timing } from './backoff.js';
import type { CallbackListener } from './callbacks.js';
import type { SuperSimClient } from './supersim.js';
import type { AddressProvider, CloudAddress, CloudProgress, ESimProfile, GetAddressOptions } from './types.js';

export interface SuperSimProviderOptions {
  /** Default fleet (SID or unique name) when getAddress gets none. */
  fleet?: string;
  /** When given, its URL is sent as CallbackUrl and callbacks wake the wait early. */
  callbackListener?: CallbackListener;
  callbackMethod?: 'GET' | 'POST';
  /** Overall wait for `available`. Default 10 minutes. */
  deadlineMs?: number;
  /** Poll interval growth. Default 1 s doubling to 15 s. */
  poll?: BackoffPolicy;
  timing?: Timing;
}

const READY = ['available', 'downloaded', 'installed'];
const RANK: Record<string, number> = { available: 0, downloaded: 1, installed: 2, reserving: 3, new: 4 };

/** The EID as 32 digits with valid check digits (INVALID_EID otherwise); whitespace trimmed. */
export function checkEid(eid: unknown): string {
  if (typeof eid !== 'string') throw new LpaError('INVALID_EID', `EID must be a string of 32 decimal digits, got ${typeof eid}`);
  return validateEid(eid);
}

/** The live profile to reuse: not failed, bound to this EID, best status first, newest first. */
export function pickLiveProfile(profiles: readonly ESimProfile[], eid: string): ESimProfile | undefined {
  const live = profiles.filter(
    (p) => p.sid && p.status !== 'failed' && p.status !== null && p.status in RANK && (p.eid === null || p.eid === eid),
  );
  live.sort(
    (a, b) =>
      (RANK[a.status as string] ?? 9) - (RANK[b.status as string] ?? 9) ||
      (b.date_created ?? '').localeCompare(a.date_created ?? ''),
  );
  return live[0];
}

export class SuperSimProvider implements AddressProvider {
  private readonly timing: Timing;

  constructor(
    private readonly client: SuperSimClient,
    private readonly opts: SuperSimProviderOptions = {},
  ) {
    this.timing = opts.timing ?? realTiming;
  }

  async getAddress(eidInput: string, o: GetAddressOptions = {}): Promise<CloudAddress> {
    const eid = checkEid(eidInput);
    const started = this.timing.now();
    const progress = (p: Omit<CloudProgress, 'elapsedMs'>): void =>
      o.onProgress?.({ ...p, elapsedMs: Math.round(this.timing.now() - started) });
    const signal = o.signal;

    progress({ step: 'lookup', message: `looking for a live eSIM profile of EID ${eid}` });
    const existing = pickLiveProfile(await this.client.listESimProfiles({ Eid: eid }, signal), eid);
    let profile: ESimProfile;
    if (existing) {
      profile = existing;
      progress({
        step: 'reuse',
        message: `reusing ESimProfile ${existing.sid} (${existing.status})`,
        esimProfileSid: existing.sid ?? undefined,
        status: existing.status ?? undefined,
      });
    } else {
      progress({ step: 'create', message: `reserving an eSIM profile for EID ${eid}` });
      const listener = this.opts.callbackListener;
      try {
        profile = await this.client.createESimProfile(
          listener ? { Eid: eid, CallbackUrl: listener.url, CallbackMethod: this.opts.callbackMethod ?? 'POST' } : { Eid: eid },
          signal,
        );
      } catch (e) {
        // The create is never repeated, but its answer may have been lost after the API carried it
        // out: look once more, so a rerun is not needed to find it.
        const lost = e instanceof LpaError && (e.code === 'CLOUD_TIMEOUT' || (e.code === 'CLOUD_HTTP' && (e.details.httpStatus ?? 500) >= 500));
        const found = lost ? pickLiveProfile(await this.client.listESimProfiles({ Eid: eid }, signal).catch(() => []), eid) : undefined;
        if (!found) throw e;
        profile = found;
        progress({ step: 'reuse', message: `create got no answer, but ESimProfile ${found.sid} exists: using it`, esimProfileSid: found.sid ?? undefined });
      }
      if (!profile.sid) throw new LpaError('CLOUD_BAD_RESPONSE', 'Super SIM API: created ESimProfile has no sid');
      progress({ step: 'create', message: `reserved ESimProfile ${profile.sid} (${profile.status})`, esimProfileSid: profile.sid, status: profile.status ?? undefined });
    }
    profile = await this.waitUntilReady(profile, started, progress, signal);

    const simSid = profile.sim_sid;
    if (!simSid) throw new LpaError('CLOUD_BAD_RESPONSE', `Super SIM API: ESimProfile ${profile.sid} is ${profile.status} but has no sim_sid`);
    if (!profile.smdp_plus_address) {
      throw new LpaError('CLOUD_BAD_RESPONSE', `Super SIM API: ESimProfile ${profile.sid} is ${profile.status} but has no smdp_plus_address`);
    }
    const fleet = o.fleet ?? this.opts.fleet;
    if (fleet) {
      progress({ step: 'assign', message: `assigning Sim ${simSid} to fleet ${fleet} and activating it`, esimProfileSid: profile.sid ?? undefined });
      const { scheduled } = await this.client.updateSim(simSid, { Fleet: fleet, Status: 'active' }, signal);
      if (scheduled) progress({ step: 'assign', message: `Sim ${simSid} update scheduled`, status: 'scheduled' });
    } else {
      progress({ step: 'assign', message: `no fleet given: Sim ${simSid} left as it is (it needs a fleet and "active" to pass data)` });
    }

    const address: CloudAddress = { smdpAddress: stripScheme(profile.smdp_plus_address), simSid };
    if (profile.matching_id) address.matchingId = profile.matching_id;
    if (profile.activation_code) address.activationCode = profile.activation_code;
    if (profile.iccid) address.iccid = profile.iccid;
    if (profile.sid) address.esimProfileSid = profile.sid;
    progress({ step: 'done', message: `SM-DP+ address ${address.smdpAddress}`, esimProfileSid: address.esimProfileSid, status: profile.status ?? undefined });
    return address;
  }

  private async waitUntilReady(
    first: ESimProfile,
    started: number,
    progress: (p: Omit<CloudProgress, 'elapsedMs'>) => void,
    signal: AbortSignal | undefined,
  ): Promise<ESimProfile> {
    const sid = first.sid as string;
    const deadline = started + (this.opts.deadlineMs ?? 600_000);
    const policy = this.opts.poll ?? { initialMs: 1_000, maxMs: 15_000, factor: 2 };
    let profile = first;
    for (let attempt = 0; ; attempt++) {
      if (profile.status === 'failed') {
        throw new LpaError(
          'CLOUD_PROFILE_FAILED',
          `Super SIM API: reservation of ESimProfile ${sid} failed` +
            (profile.error_code || profile.error_message ? `: ${[profile.error_code, profile.error_message].filter(Boolean).join(' ')}` : '') +
            ' (retrying means reserving a new ESimProfile)',
          { esimProfileSid: sid, errorCode: profile.error_code, errorMessage: profile.error_message },
        );
      }
      if (READY.includes(profile.status ?? '')) return profile;
      const now = this.timing.now();
      if (now >= deadline) {
        throw new LpaError(
          'CLOUD_TIMEOUT',
          `Super SIM API: ESimProfile ${sid} still ${profile.status} after ${Math.round((now - started) / 1000)} s; it may still become available, run again later`,
          { esimProfileSid: sid, status: profile.status },
        );
      }
      const delay = Math.min(backoffDelay(attempt, policy, this.timing.random), deadline - now);
      progress({
        step: 'wait',
        message: `waiting for reservation (${Math.round((now - started) / 1000)} s, status ${profile.status})`,
        esimProfileSid: sid,
        status: profile.status ?? undefined,
      });
      throwIfAborted(signal);
      if (this.opts.callbackListener) {
        if (await this.opts.callbackListener.waitFor(sid, delay, signal)) {
          progress({ step: 'callback', message: `callback received for ${sid}; re-fetching`, esimProfileSid: sid });
        }
      } else await this.timing.sleep(delay, signal);
      profile = await this.client.fetchESimProfile(sid, signal);
    }
  }
}

function stripScheme(address: string): string {
  return address.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}
