/**
 * `provision --cloud smds`: credential-free provisioning. The operator (or maker) ordered a profile
 * for the EID and registered an event at an SM-DS; the agent polls that SM-DS (SGP.22 ES11, the
 * eUICC authenticates) with backoff until an event appears or the deadline passes, and hands its
 * SM-DP+ address and event id (the matching id) to the download like any other provider.
 *
 * "No event yet" and transient failures (network, timeouts, HTTP 5xx/429) are waited out; an ES11
 * refusal, an untrusted certificate or an eUICC error stops at once.
 */

import { LpaError, toLpaError } from '../errors.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import type { Es10Client } from '../es10/client.js';
import { backoffDelay, realTiming, throwIfAborted, type BackoffPolicy, type Timing } from '../cloud/backoff.js';
import type { AddressProvider, CloudAddress, GetAddressOptions } from '../cloud/types.js';
import { discoverEvents } from '../lpa/discovery.js';
import type { Es9Pool } from '../lpa/es9.js';

/** Between polls: from 3 s, doubling, at most 2 minutes (with jitter), so a fleet does not hammer the SM-DS. */
export const SMDS_POLL_BACKOFF: BackoffPolicy = { initialMs: 3000, maxMs: 120_000, factor: 2 };

export interface SmdsProviderOptions {
  es10: Es10Client;
  pool: Es9Pool;
  /** Default: the eUICC's root SM-DS. */
  smdsAddress?: string;
  deviceInfo?: () => Promise<DeviceInfo>;
  /** Give up (SMDS_NO_EVENT) when the next poll would come after this long; default: never (the caller's signal ends the wait). */
  deadlineMs?: number;
  backoff?: BackoffPolicy;
  timing?: Timing;
}

/** Failures worth another poll: the SM-DS or the network may be back in a moment. */
export function isTransient(e: LpaError): boolean {
  if (e.code === 'NETWORK' || e.code === 'ES9_TIMEOUT') return true;
  const status = e.details.httpStatus;
  return e.code === 'ES9_HTTP' && typeof status === 'number' && (status >= 500 || status === 429 || status === 408);
}

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))} s`;

export class SmdsProvider implements AddressProvider {
  private readonly timing: Timing;

  constructor(private readonly opts: SmdsProviderOptions) {
    this.timing = opts.timing ?? realTiming;
  }

  async getAddress(eid: string, options: GetAddressOptions = {}): Promise<CloudAddress> {
    const started = this.timing.now();
    const deadline = this.opts.deadlineMs ?? Number.POSITIVE_INFINITY;
    const policy = this.opts.backoff ?? SMDS_POLL_BACKOFF;
    const report = (step: 'request' | 'not-ready' | 'done', message: string) =>
      options.onProgress?.({ step, message, elapsedMs: Math.round(this.timing.now() - started) });
    let last = '';
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      try {
        const r = await discoverEvents(
          this.opts.es10,
          this.opts.pool,
          { ...(this.opts.smdsAddress !== undefined ? { smdsAddress: this.opts.smdsAddress } : {}), ...(this.opts.deviceInfo ? { deviceInfo: this.opts.deviceInfo } : {}) },
          {
            onProgress: (step, message) => {
              if (step === 'smds' && attempt === 0) report('request', `asking ${message} for an event for EID ${eid}`);
              if (step === 'events' && message.includes('cannot be used')) report('request', message);
            },
            ...(options.signal ? { signal: options.signal } : {}),
          },
        );
        const ev = r.events[0];
        if (ev) {
          const more = r.events.length > 1 ? ` (${r.events.length - 1} more event(s) wait; "download --from-smds" takes them all)` : '';
          report('done', `event ${ev.eventId}: the profile waits at SM-DP+ ${ev.rspServerAddress}${more}`);
          return { smdpAddress: ev.rspServerAddress, matchingId: ev.eventId, smdsAddress: r.smdsAddress, eventId: ev.eventId };
        }
        last = `no event for this eUICC at ${r.smdsAddress} yet`;
      } catch (e) {
        const err = toLpaError(e);
        if (err.code === 'INTERRUPTED' || !isTransient(err)) throw err;
        last = err.message;
      }
      const delay = backoffDelay(attempt, policy, this.timing.random);
      const elapsed = this.timing.now() - started;
      if (elapsed + delay > deadline) {
        throw new LpaError('SMDS_NO_EVENT', `no profile announced for this eUICC within ${seconds(deadline)} (${last}); rerun to keep waiting`, {
          elapsedMs: Math.round(elapsed),
          ...(this.opts.smdsAddress !== undefined ? { smdsAddress: this.opts.smdsAddress } : {}),
        });
      }
      report('not-ready', `${last}; asking again in ${seconds(delay)}`);
      await this.timing.sleep(delay, options.signal);
    }
  }
}
