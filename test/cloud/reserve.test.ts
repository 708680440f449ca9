import { afterEach, describe, expect, it } from 'vitest';
import type { CloudCredentials } from '../../src/cloud/auth.js';
import { startCallbackListener, type CallbackListener } from '../../src/cloud/callbacks.js';
import { pickLiveProfile, SuperSimProvider } from '../../src/cloud/reserve.js';
import { SuperSimClient } from '../../src/cloud/supersim.js';
import type { CloudProgress, ESimProfile } from '../../src/cloud/types.js';
import { LpaError } from '../../src/errors.js';
import { startCloudDouble, type CloudDouble } from '../../src/sim/cloud/index.js';
import { EID, EID2, expectNoSecrets, fastTiming, TINY } from './helpers.js';

let double: CloudDouble | undefined;
let client: SuperSimClient | undefined;
let listener: CallbackListener | undefined;

afterEach(async () => {
  await client?.close();
  await listener?.close();
  await double?.close();
  client = undefined;
  listener = undefined;
  double = undefined;
});

type Auth = 'token' | 'api-key' | 'kore';

function credsFor(d: CloudDouble, auth: Auth): CloudCredentials {
  const c = d.credentials;
  if (auth === 'kore') return { kind: 'kore', clientId: c.kore.clientId, clientSecret: c.kore.clientSecret };
  if (auth === 'api-key') return { kind: 'twilio', accountSid: c.accountSid, apiKey: c.apiKeys[0]!.sid, apiSecret: c.apiKeys[0]!.secret };
  return { kind: 'twilio', accountSid: c.accountSid, authToken: c.authToken };
}

function secretsOf(d: CloudDouble): string[] {
  const c = d.credentials;
  return [c.authToken, c.apiKeys[0]!.secret, c.kore.clientSecret];
}

async function setup(auth: Auth, opts: Parameters<typeof startCloudDouble>[0] = {}): Promise<{ d: CloudDouble; c: SuperSimClient; timing: ReturnType<typeof fastTiming> }> {
  double = await startCloudDouble({ reserveDelayMs: 30, ...opts });
  const timing = fastTiming();
  client = new SuperSimClient({ credentials: credsFor(double, auth), baseUrl: double.url, tokenUrl: double.tokenUrl, timing, backoff: TINY });
  return { d: double, c: client, timing };
}

describe('SuperSimProvider against the double', () => {
  for (const auth of ['token', 'api-key', 'kore'] as const) {
    it(`reserves -> available -> fleet + active (${auth})`, async () => {
      const { d, c, timing } = await setup(auth);
      const progress: CloudProgress[] = [];
      const provider = new SuperSimProvider(c, { poll: TINY, timing });
      const address = await provider.getAddress(EID, { fleet: 'demo-fleet', onProgress: (p) => progress.push(p) });

      const [profile] = d.profiles();
      expect(profile).toMatchObject({ eid: EID, status: 'available' });
      expect(address).toEqual({
        smdpAddress: 'sm-dp-plus.double.test',
        simSid: profile!.sim_sid,
        iccid: profile!.iccid,
        esimProfileSid: profile!.sid,
      });
      const [fleet] = d.fleets();
      const sim = d.sims().find((s) => s.sid === address.simSid);
      expect(sim).toMatchObject({ status: 'active', fleet_sid: fleet!.sid });
      expect(d.count('POST', '/v1/ESimProfiles')).toBe(1);
      expect(progress.map((p) => p.step)).toEqual(expect.arrayContaining(['lookup', 'create', 'wait', 'assign', 'done']));
      const wanted = auth === 'kore' ? 'bearer' : auth === 'api-key' ? 'basic-api-key' : 'basic-account';
      expect(d.requests.every((r) => r.auth === wanted)).toBe(true);
      expect(expectNoSecrets(progress.map((p) => p.message), secretsOf(d))).toEqual([]);
    });
  }

  it('reuses a live profile of the EID instead of reserving a second one', async () => {
    const { d, c, timing } = await setup('token');
    const provider = new SuperSimProvider(c, { poll: TINY, timing, fleet: 'demo-fleet' });
    const first = await provider.getAddress(EID);
    const progress: CloudProgress[] = [];
    const second = await provider.getAddress(EID, { onProgress: (p) => progress.push(p) });
    expect(second).toEqual(first);
    expect(d.count('POST', '/v1/ESimProfiles')).toBe(1);
    expect(progress.some((p) => p.step === 'reuse')).toBe(true);
    // a profile still reserving is reused too (and waited for)
    const other = await c.createESimProfile({ Eid: EID2 });
    const third = await provider.getAddress(EID2);
    expect(third.esimProfileSid).toBe(other.sid);
    expect(d.count('POST', '/v1/ESimProfiles')).toBe(2);
  });

  it('reserves anew when the only profile of the EID failed', async () => {
    const { d, c, timing } = await setup('token', { faults: { failReservations: true } });
    const provider = new SuperSimProvider(c, { poll: TINY, timing });
    const err = await provider.getAddress(EID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LpaError);
    expect((err as LpaError).code).toBe('CLOUD_PROFILE_FAILED');
    expect((err as LpaError).message).toContain('32001 Simulated reservation failure');
    expect((err as LpaError).details).toMatchObject({ errorCode: '32001', errorMessage: 'Simulated reservation failure' });
    d.faults.failReservations = false;
    const address = await provider.getAddress(EID);
    expect(d.count('POST', '/v1/ESimProfiles')).toBe(2);
    expect(d.profiles().find((p) => p.sid === address.esimProfileSid)?.status).toBe('available');
  });

  it('recovers from 429 bursts and 5xx answers during the flow', async () => {
    const { d, c, timing } = await setup('kore', { faults: { rateLimit: 3, retryAfterSec: 0 } });
    const provider = new SuperSimProvider(c, { poll: TINY, timing, fleet: 'demo-fleet' });
    d.faults.serverErrors = 0;
    const p = provider.getAddress(EID);
    const address = await p;
    expect(address.smdpAddress).toBe('sm-dp-plus.double.test');
    expect(d.requests.filter((r) => r.status === 429)).toHaveLength(3);
    d.faults.serverErrors = 2;
    d.faults.serverErrorMethods = ['GET'];
    const again = await provider.getAddress(EID);
    expect(again).toEqual(address);
    expect(d.requests.filter((r) => r.status === 500)).toHaveLength(2);
    expect(d.count('POST', '/v1/ESimProfiles')).toBe(1);
  });

  it('never retries a create that got a 5xx', async () => {
    const { d, c, timing } = await setup('token', { faults: { serverErrors: 1, serverErrorMethods: ['POST'], serverErrorStatus: 503 } });
    const provider = new SuperSimProvider(c, { poll: TINY, timing });
    const err = (await provider.getAddress(EID).catch((e: unknown) => e)) as LpaError;
    expect(err.code).toBe('CLOUD_HTTP');
    expect(err.details.httpStatus).toBe(503);
    expect(d.count('POST', '/v1/ESimProfiles')).toBe(1);
    expect(d.profiles()).toHaveLength(0);
  });

  it('finds a profile whose create answer was lost, without creating again', async () => {
    const { d, c, timing } = await setup('token', { faults: { lostPosts: 1 } });
    const progress: CloudProgress[] = [];
    const address = await new SuperSimProvider(c, { poll: TINY, timing }).getAddress(EID, { onProgress: (p) => progress.push(p) });
    expect(d.count('POST', '/v1/ESimProfiles')).toBe(1);
    expect(d.profiles()).toHaveLength(1);
    expect(address.esimProfileSid).toBe(d.profiles()[0]!.sid);
    expect(progress.some((p) => p.step === 'reuse' && p.message.includes('create got no answer'))).toBe(true);
  });

  it('wakes on a signed callback (Twilio and KORE schemes) and re-fetches', async () => {
    for (const auth of ['token', 'kore'] as const) {
      const { d, c } = await setup(auth, { reserveDelayMs: 20 });
      listener = await startCallbackListener({
        verify: auth === 'kore' ? { scheme: 'kore', secret: d.credentials.kore.clientSecret } : { scheme: 'twilio', authToken: d.credentials.authToken },
      });
      // Long poll interval: only the callback can make this finish quickly.
      const provider = new SuperSimProvider(c, { callbackListener: listener, poll: { initialMs: 20_000, maxMs: 20_000, factor: 1 } });
      const progress: CloudProgress[] = [];
      const address = await provider.getAddress(EID, { fleet: 'demo-fleet', onProgress: (p) => progress.push(p) });
      expect(address.esimProfileSid).toBeDefined();
      expect(listener.stats).toEqual({ accepted: 1, rejected: 0 });
      expect(d.requests[1]!.form).toEqual([
        ['Eid', EID],
        ['CallbackUrl', listener.url],
        ['CallbackMethod', 'POST'],
      ]);
      expect(progress.some((p) => p.step === 'callback')).toBe(true);
      await client?.close();
      await listener.close();
      await d.close();
      client = undefined;
      listener = undefined;
      double = undefined;
    }
  });

  it('gives up at the overall deadline with CLOUD_TIMEOUT', async () => {
    const { c, timing } = await setup('token', { reserveDelayMs: 60_000 });
    const provider = new SuperSimProvider(c, { poll: TINY, timing, deadlineMs: 30 });
    const err = (await provider.getAddress(EID).catch((e: unknown) => e)) as LpaError;
    expect(err.code).toBe('CLOUD_TIMEOUT');
    expect(err.message).toMatch(/still new after \d+ s/);
  });

  it('rejects a malformed EID before any request', async () => {
    const { d, c } = await setup('token');
    const provider = new SuperSimProvider(c);
    const wrongCheck = `${EID.slice(0, 30)}${EID.slice(30) === '00' ? '01' : '00'}`;
    for (const bad of ['1234', `${EID}0`, 'x'.repeat(32), wrongCheck, 42 as unknown as string]) {
      await expect(provider.getAddress(bad)).rejects.toMatchObject({ code: 'INVALID_EID' });
    }
    expect(d.requests).toHaveLength(0);
  });

  it('stops when aborted', async () => {
    const { c, timing } = await setup('token', { reserveDelayMs: 60_000 });
    const provider = new SuperSimProvider(c, { poll: TINY, timing });
    const ac = new AbortController();
    const p = provider.getAddress(EID, { signal: ac.signal, onProgress: (e) => e.step === 'wait' && ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });
});

describe('pickLiveProfile', () => {
  const p = (sid: string, status: string, created: string, eid: string | null = EID): ESimProfile =>
    ({ sid, status, eid, date_created: created }) as unknown as ESimProfile;

  it('prefers available/downloaded/installed over new/reserving, never failed, newest first', () => {
    expect(pickLiveProfile([p('A', 'failed', '2024'), p('B', 'reserving', '2024'), p('C', 'available', '2023')], EID)?.sid).toBe('C');
    expect(pickLiveProfile([p('A', 'new', '2023'), p('B', 'new', '2024')], EID)?.sid).toBe('B');
    expect(pickLiveProfile([p('A', 'failed', '2024')], EID)).toBeUndefined();
    expect(pickLiveProfile([p('A', 'available', '2024', EID2)], EID)).toBeUndefined();
    expect(pickLiveProfile([p('A', 'mystery', '2024')], EID)).toBeUndefined();
  });
});
