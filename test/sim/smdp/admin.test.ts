import { afterEach, describe, expect, it } from 'vitest';
import { LpaError } from '../../../src/errors.js';
import type { SmdpInstallEvent as CloudInstallEvent } from '../../../src/sim/cloud/types.js';
import { runServeSmdp, type SmdpServer } from '../../../src/sim/smdp/index.js';
import { download, TestEuicc } from './helpers/euicc.js';
import { startHarness, type Harness } from './helpers/setup.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function admin(method: string, url: string, body?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method, ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json' } } : {}) });
  return { status: res.status, json: await res.json() };
}

describe('SM-DP+ admin over HTTP', () => {
  it('creates and reads orders, lists notifications and profiles; bad input is a 400 JSON error', async () => {
    h = await startHarness();
    const base = `${h.smdp.adminUrl}/admin`;
    const euicc = new TestEuicc();
    const created = await admin('POST', `${base}/orders`, JSON.stringify({ eid: euicc.eid, matchingId: 'ADMIN-1', profile: 'TS48V1-B-UNIQUE', confirmationCode: '4321' }));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ eid: euicc.eid, matchingId: 'ADMIN-1', profile: 'TS48V1-B-UNIQUE', state: 'released', confirmationCodeRequired: true });
    expect(JSON.stringify(created.json)).not.toContain('4321');

    const r = await download(h.client, euicc, { matchingId: 'ADMIN-1', confirmationCode: '4321' });
    await h.client.handleNotification({ pendingNotification: euicc.installationResult(r.session, '8949449999999990031', h.smdp.address) });

    const one = await admin('GET', `${base}/orders/ADMIN-1`);
    expect(one).toMatchObject({ status: 200, json: { state: 'installed', iccid: '8949449999999990031' } });
    const all = (await admin('GET', `${base}/orders`)).json as { matchingId?: string }[];
    expect(all.some((o) => o.matchingId === 'ADMIN-1')).toBe(true);
    const notes = (await admin('GET', `${base}/notifications`)).json as { kind: string; verified: boolean }[];
    expect(notes).toEqual([expect.objectContaining({ kind: 'profileInstallationResult', verified: true, success: true })]);
    const profiles = (await admin('GET', `${base}/profiles`)).json as { id: string }[];
    expect(profiles.map((p) => p.id)).toContain('TS48V1-A-UNIQUE');

    expect(await admin('POST', `${base}/orders`, JSON.stringify({ eid: '1234' }))).toMatchObject({ status: 400, json: { code: 'INVALID_EID' } });
    expect(await admin('POST', `${base}/orders`, '{oops')).toMatchObject({ status: 400 });
    expect(await admin('POST', `${base}/orders`, JSON.stringify({ eid: 5 }))).toMatchObject({ status: 400 });
    expect((await admin('GET', `${base}/orders/nope`)).status).toBe(404);
    expect((await admin('DELETE', `${base}/orders`)).status).toBe(405);
    expect((await admin('GET', `${h.smdp.adminUrl}/other`)).status).toBe(404);
  });
});

describe('SM-DP+ hook for the Super SIM double', () => {
  it('creates an EID-bound order with a matching id and reports download and install', async () => {
    h = await startHarness();
    const euicc = new TestEuicc();
    const events: CloudInstallEvent[] = [];
    h.smdp.hook.onInstalled!((e) => events.push(e));
    const order = await h.smdp.hook.createOrder(euicc.eid);
    expect(order.smdpAddress).toBe('testsmdpplus1.example.com');
    expect(order.matchingId).toMatch(/^SS-[0-9A-F]{16}$/);
    // reachable by its activation code
    const r = await download(h.client, euicc, { matchingId: order.matchingId! });
    expect(h.smdp.admin.getOrder(order.matchingId!)).toMatchObject({ iccid: order.iccid, state: 'downloaded' });
    await h.client.handleNotification({ pendingNotification: euicc.installationResult(r.session, order.iccid!, h.smdp.address) });
    expect(events).toEqual([
      { eid: euicc.eid, iccid: order.iccid, matchingId: order.matchingId, state: 'downloaded' },
      { eid: euicc.eid, iccid: order.iccid, matchingId: order.matchingId, state: 'installed' },
    ]);
    await expect(h.smdp.hook.createOrder('not-an-eid')).rejects.toMatchObject({ code: 'INVALID_EID' });
  });
});

describe('serve-smdp', () => {
  it('validates --bind and --cc before listening', async () => {
    await expect(runServeSmdp({ binds: ['89049032123451234512345678901234=TS48V1-A-UNIQUE'], out: () => {} })).rejects.toMatchObject({ code: 'INVALID_EID' });
    await expect(runServeSmdp({ binds: ['89049032123451234512345678901235=NOPE'], out: () => {} })).rejects.toThrow(/unknown profile "NOPE"/);
    await expect(runServeSmdp({ binds: ['justtext'], out: () => {} })).rejects.toBeInstanceOf(LpaError);
    await expect(runServeSmdp({ ccs: ['UNKNOWN-ID=1234'], out: () => {} })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runServeSmdp({ ccs: ['TS48V1-A-UNIQUE='], out: () => {} })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('prints its URL, --connect-to and --ca, serves until aborted', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let server: SmdpServer | undefined;
    const done = runServeSmdp({
      binds: ['89049032123451234512345678901235=TS48V1-A-UNIQUE'],
      ccs: ['TS48V1-B-UNIQUE=1111'],
      out: (l) => lines.push(l),
      signal: stop.signal,
      onReady: (s) => (server = s),
    });
    await expect.poll(() => server).toBeDefined();
    const text = lines.join('\n');
    expect(text).toContain(`SM-DP+ listening on https://127.0.0.1:${server!.port}`);
    expect(text).toContain(`--connect-to testsmdpplus1.example.com:443:127.0.0.1:${server!.port}`);
    expect(text).toMatch(/--ca \S+CERT_CI_ECDSA_NIST\.pem/);
    expect(text).toContain('bound to EID 89049032123451234512345678901235');
    expect(server!.admin.getOrder('TS48V1-B-UNIQUE')!.confirmationCodeRequired).toBe(true);
    stop.abort();
    await done;
  });
});
