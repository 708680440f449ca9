import { afterEach, describe, expect, it } from 'vitest';
import { parseESimProfile, parseListPage } from '../../src/cloud/parse.js';
import { SuperSimClient, SUPERSIM_BASE_URLS } from '../../src/cloud/supersim.js';
import { LpaError } from '../../src/errors.js';
import { startCloudDouble, type CloudDouble } from '../../src/sim/cloud/index.js';
import { EID, EID2, fastTiming, TINY } from './helpers.js';

let double: CloudDouble | undefined;
let client: SuperSimClient | undefined;
afterEach(async () => {
  await client?.close();
  await double?.close();
  client = undefined;
  double = undefined;
});

async function setup(opts: Parameters<typeof startCloudDouble>[0] = {}, maxPages?: number): Promise<{ d: CloudDouble; c: SuperSimClient }> {
  double = await startCloudDouble({ reserveDelayMs: 5, ...opts });
  client = new SuperSimClient({
    credentials: { kind: 'twilio', accountSid: double.credentials.accountSid, authToken: double.credentials.authToken },
    baseUrl: double.url,
    timing: fastTiming(),
    backoff: TINY,
    maxPages,
  });
  return { d: double, c: client };
}

describe('SuperSimClient', () => {
  it('uses the public base URLs by default', () => {
    const c = new SuperSimClient({ credentials: { kind: 'kore', clientId: 'a', clientSecret: 'b' } });
    expect(c.http.baseUrl.href).toBe(`${SUPERSIM_BASE_URLS.kore}/`);
    void c.close();
  });

  it('creates, fetches and lists ESimProfiles, following next_page_url', async () => {
    const { d, c } = await setup();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await c.createESimProfile({ Eid: i % 2 ? EID2 : EID }));
    expect(created[0]).toMatchObject({ status: 'new', eid: EID, smdp_plus_address: null, sim_sid: null });
    const fetched = await c.fetchESimProfile(created[0]!.sid!);
    expect(fetched.sid).toBe(created[0]!.sid);
    const all = await c.listESimProfiles({ PageSize: 2 });
    expect(all.map((p) => p.sid)).toEqual(created.map((p) => p.sid));
    expect(d.requests.filter((r) => r.method === 'GET' && r.path === '/v1/ESimProfiles')).toHaveLength(3);
    const mine = await c.listESimProfiles({ Eid: EID, PageSize: 1 });
    expect(mine).toHaveLength(3);
    expect(await c.listESimProfiles({ Eid: EID, Status: 'failed' })).toEqual([]);
  });

  it('bounds the number of pages followed', async () => {
    const { c } = await setup({}, 2);
    for (let i = 0; i < 3; i++) await c.createESimProfile({ Eid: EID });
    await expect(c.listESimProfiles({ PageSize: 1 })).rejects.toMatchObject({ code: 'CLOUD_BAD_RESPONSE' });
  });

  it('creates with GenerateMatchingId and gets a matching id and activation code', async () => {
    const { d, c } = await setup();
    const p = await c.createESimProfile({ GenerateMatchingId: true });
    await d.completeReservation(p.sid!);
    const ready = await c.fetchESimProfile(p.sid!);
    expect(ready.status).toBe('available');
    expect(ready.matching_id).toMatch(/^[A-Z0-9]{5}(-[A-Z0-9]{5}){4}$/);
    expect(ready.activation_code).toBe(`1$SM-DP-PLUS.DOUBLE.TEST$${ready.matching_id}`);
    expect(d.requests[0]!.form).toEqual([['GenerateMatchingId', 'true']]);
  });

  it('updates Sims (200, or 202 scheduled) and fetches Sims and Fleets by SID or name', async () => {
    const { d, c } = await setup({ scheduleSimUpdates: true, simScheduleDelayMs: 5 });
    const p = await c.createESimProfile({ Eid: EID });
    await d.completeReservation(p.sid!);
    const simSid = (await c.fetchESimProfile(p.sid!)).sim_sid!;
    const fleet = await c.fetchFleet('demo-fleet');
    expect(fleet.unique_name).toBe('demo-fleet');
    expect(await c.fetchFleet(fleet.sid!)).toEqual(fleet);
    const upd = await c.updateSim(simSid, { Fleet: fleet.sid!, Status: 'active' });
    expect(upd.scheduled).toBe(true);
    expect(upd.sim.status).toBe('scheduled');
    let sim = await c.fetchSim(simSid);
    for (let i = 0; i < 100 && sim.status === 'scheduled'; i++) {
      await new Promise((r) => setTimeout(r, 5));
      sim = await c.fetchSim(simSid);
    }
    expect(sim).toMatchObject({ status: 'active', fleet_sid: fleet.sid });
  });

  it('reports wrong SIDs and names as CLOUD_NOT_FOUND and malformed SIDs as USAGE', async () => {
    const { c } = await setup();
    await expect(c.fetchESimProfile(`HP${'0'.repeat(32)}`)).rejects.toMatchObject({ code: 'CLOUD_NOT_FOUND' });
    await expect(c.fetchSim(`HS${'0'.repeat(32)}`)).rejects.toMatchObject({ code: 'CLOUD_NOT_FOUND' });
    await expect(c.fetchFleet('no-such-fleet')).rejects.toMatchObject({ code: 'CLOUD_NOT_FOUND' });
    await expect(c.fetchESimProfile('HP../../Sims')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(c.fetchSim(`HP${'0'.repeat(32)}`)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(c.createESimProfile({})).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('parses the RFC 9457 error shape too', async () => {
    const { d, c } = await setup({ errorShape: 'rfc9457' });
    const e = (await c.fetchFleet('missing').catch((x) => x)) as LpaError;
    expect(e.code).toBe('CLOUD_NOT_FOUND');
    expect(e.details).toMatchObject({ httpStatus: 404, apiCode: 20404, problemTitle: 'Not Found' });
    d.setErrorShape('legacy');
    const e2 = (await c.fetchFleet('missing').catch((x) => x)) as LpaError;
    expect(e2.details).toMatchObject({ apiCode: 20404, moreInfo: 'https://www.twilio.com/docs/errors/20404' });
  });
});

describe('response parsing', () => {
  it('tolerates unknown and missing fields, rejects wrong types', () => {
    const p = parseESimProfile({ sid: 'HP1', status: 'available', brand_new_field: 1, error_code: 32001 });
    expect(p).toMatchObject({ sid: 'HP1', status: 'available', brand_new_field: 1, eid: null, error_code: '32001' });
    expect(() => parseESimProfile({ sid: 5 })).toThrow(LpaError);
    expect(() => parseESimProfile({ status: {} })).toThrow(/field status/);
    expect(() => parseESimProfile([])).toThrow(/not a JSON object/);
    expect(() => parseESimProfile(null)).toThrow(LpaError);
    expect(() => parseListPage({ esim_profiles: {} }, 'esim_profiles', parseESimProfile)).toThrow(/no "esim_profiles" array/);
    expect(parseListPage({ esim_profiles: [] }, 'esim_profiles', parseESimProfile).meta.next_page_url).toBeNull();
  });
});
