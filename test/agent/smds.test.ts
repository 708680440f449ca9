/**
 * `provision --cloud smds`'s address provider (src/agent/smds.ts): real ES11 against the local
 * SM-DS with the virtual eUICC, virtual time for the waits between polls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Timing } from '../../src/cloud/backoff.js';
import type { CloudProgress } from '../../src/cloud/types.js';
import { isTransient, SMDS_POLL_BACKOFF, SmdsProvider } from '../../src/agent/smds.js';
import { LpaError } from '../../src/errors.js';
import { Es9Pool } from '../../src/lpa/es9.js';
import { VIRTUAL_EID } from '../../src/sim/euicc/index.js';
import { startSmds } from '../../src/sim/smds/index.js';
import { startInProcessPeers, type InProcessPeers } from '../helpers/inProcessPeers.js';
import { lpaRejection } from '../util/lpaError.js';

/** Virtual time: sleeping advances the clock at once and runs `onSleep` (which may change the world). */
function virtualTime(onSleep: (n: number, ms: number) => void = () => undefined): Timing & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new LpaError('INTERRUPTED', 'interrupted');
      slept.push(ms);
      now += ms;
      onSleep(slept.length, ms);
    },
  };
}

describe('SmdsProvider', () => {
  let peers: InProcessPeers;
  beforeAll(async () => {
    peers = await startInProcessPeers('generic', { smds: true });
  });
  afterAll(() => peers?.close());

  it('polls with backoff until the event appears, then names its SM-DP+ and event id', async () => {
    let eventId = '';
    const timing = virtualTime((n) => {
      if (n === 2) eventId = peers.smdp.admin.createOrder({ eid: VIRTUAL_EID, profile: 'TS48V1-A-UNIQUE', smds: true }).smdsEventId!;
    });
    const progress: CloudProgress[] = [];
    const p = new SmdsProvider({ es10: peers.es10, pool: peers.pool, timing });
    const addr = await p.getAddress(VIRTUAL_EID, { onProgress: (x) => progress.push(x) });
    expect(addr).toEqual({ smdpAddress: peers.smdp.address, matchingId: eventId, eventId, smdsAddress: peers.smds!.address });
    // two empty polls, with growing waits (random 0.5: three quarters of each step)
    expect(timing.slept).toEqual([2250, 4500]);
    expect(progress.map((x) => x.step)).toEqual(['request', 'not-ready', 'not-ready', 'done']);
    expect(progress[1]!.message).toBe(`no event for this eUICC at ${peers.smds!.address} yet; asking again in 2 s`);
    expect(progress[3]!.message).toBe(`event ${eventId}: the profile waits at SM-DP+ ${peers.smdp.address}`);
    expect(SMDS_POLL_BACKOFF.maxMs).toBe(120_000);
  });

  it('waits out an unreachable SM-DS, and gives up with SMDS_NO_EVENT at its deadline', async () => {
    const pool = new Es9Pool({ caFiles: [peers.smdp.caFile], connectTo: ['testsmds1.example.com:443:127.0.0.1:9'], timeoutMs: 2000 });
    try {
      const timing = virtualTime();
      const p = new SmdsProvider({ es10: peers.es10, pool, timing, deadlineMs: 20_000 });
      const err = await lpaRejection(p.getAddress(VIRTUAL_EID));
      expect(err.code).toBe('SMDS_NO_EVENT');
      expect(err.message).toMatch(/^no profile announced for this eUICC within 20 s \(.*SM-DS.*\); rerun to keep waiting$/);
      expect(timing.slept.length).toBeGreaterThanOrEqual(2);
      expect(err.exitCode).toBe(6);
    } finally {
      await pool.close();
    }
  });

  it('stops at once on a refusal (an SGP.22 status), without waiting', async () => {
    // an SM-DS that signs another address than the one asked for refuses it (8.8.1/3.8)
    const other = await startSmds({ address: 'testsmds1.example.com:8444' });
    const pool = new Es9Pool({ caFiles: [other.caFile], connectTo: [`testsmds1.example.com:443:127.0.0.1:${other.port}`] });
    try {
      const timing = virtualTime();
      const p = new SmdsProvider({ es10: peers.es10, pool, timing, smdsAddress: 'testsmds1.example.com' });
      const err = await lpaRejection(p.getAddress(VIRTUAL_EID));
      expect(err).toMatchObject({ code: 'ES9_FAILED', details: { subjectCode: '8.8.1', reasonCode: '3.8', server: 'SM-DS' } });
      expect(timing.slept).toEqual([]);
    } finally {
      await pool.close();
      await other.close();
    }
  });

  it('an abort while waiting is INTERRUPTED', async () => {
    const controller = new AbortController();
    const timing = virtualTime(() => controller.abort());
    const p = new SmdsProvider({ es10: peers.es10, pool: peers.pool, timing });
    for (const e of peers.smds!.events()) peers.smds!.deleteEvent(e.eventId);
    expect((await lpaRejection(p.getAddress(VIRTUAL_EID, { signal: controller.signal }))).code).toBe('INTERRUPTED');
  });

  it('transient: network, timeouts, HTTP 5xx/429/408; not: refusals, 404, TLS', () => {
    const e = (code: LpaError['code'], httpStatus?: number) => new LpaError(code, 'x', httpStatus !== undefined ? { httpStatus } : {});
    expect([e('NETWORK'), e('ES9_TIMEOUT'), e('ES9_HTTP', 503), e('ES9_HTTP', 429), e('ES9_HTTP', 408)].every(isTransient)).toBe(true);
    expect([e('ES9_FAILED'), e('ES9_HTTP', 404), e('TLS_UNTRUSTED'), e('ES9_BAD_RESPONSE'), e('APDU_STATUS')].some(isTransient)).toBe(false);
  });
});
