import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LpaError } from '../../../src/errors.js';
import { dataPath } from '../../../src/util/data.js';
import type { SmdpInstallEvent } from '../../../src/sim/smdp/index.js';
import { download, TestEuicc } from './helpers/euicc.js';
import { startHarness, type Harness } from './helpers/setup.js';

const PROFILE = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
const pkg = (id: string) => new Uint8Array(readFileSync(dataPath('upp', `${id}.der`)));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function rejection(p: Promise<unknown>): Promise<LpaError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LpaError);
  return e as LpaError;
}

describe('local SM-DP+: download by matching id', () => {
  it('serves the TS.48 profile through a BSP-protected BPP, records the install and refuses a second download', async () => {
    h = await startHarness();
    const events: SmdpInstallEvent[] = [];
    h.smdp.admin.onInstalled((e) => events.push(e));
    const euicc = new TestEuicc();

    const r = await download(h.client, euicc, { matchingId: PROFILE });
    expect(r.opened.profile).toEqual(pkg(PROFILE));
    expect(r.opened.storeMetadata).toEqual(r.auth.profileMetadata);
    expect(r.opened.configureIsdp).toEqual(Uint8Array.of(0xbf, 0x24, 0x00));
    expect(r.opened.replaceSessionKeys).toBeDefined();
    expect(r.opened.segments).toBeGreaterThan(1);
    expect(r.opened.initialiseSecureChannel.hostId.length).toBeGreaterThan(0);

    const order = h.smdp.admin.getOrder(PROFILE)!;
    expect(order.state).toBe('downloaded');
    expect(order.downloadedBy).toBe(euicc.eid);
    expect(order.transactionId).toBe(r.transactionId);

    await h.client.handleNotification({ pendingNotification: euicc.installationResult(r.session, order.iccid, h.smdp.address) });
    expect(h.smdp.admin.getOrder(PROFILE)!.state).toBe('installed');
    const [n] = h.smdp.admin.notifications();
    expect(n).toMatchObject({ kind: 'profileInstallationResult', success: true, verified: true, iccid: order.iccid, transactionId: r.transactionId, eid: euicc.eid, orderId: order.id });
    expect(events.map((e) => e.state)).toEqual(['downloaded', 'installed']);
    expect(events[1]).toMatchObject({ iccid: order.iccid, eid: euicc.eid, matchingId: PROFILE });

    const again = await rejection(download(h.client, euicc, { matchingId: PROFILE }));
    expect(again.code).toBe('PROFILE_ALREADY_DOWNLOADED');
    expect(again.details).toMatchObject({ subjectCode: '8.2', reasonCode: '3.7', function: 'authenticateClient' });

    // the whole exchange went over one keep-alive TLS connection
    expect(h.client.stats().tlsHandshakes).toBe(1);
    expect(h.smdp.stats().tlsConnections).toBe(1);
    expect(h.smdp.stats().requests).toMatchObject({ initiateAuthentication: 2, authenticateClient: 2, getBoundProfilePackage: 1, handleNotification: 1 });
  });

  it('records an enable notification verified with the certificates it carries', async () => {
    h = await startHarness();
    const euicc = new TestEuicc();
    await h.client.handleNotification({ pendingNotification: euicc.enableNotification('8949449999999990023', h.smdp.address) });
    expect(h.smdp.admin.notifications()).toEqual([
      expect.objectContaining({ kind: 'otherSignedNotification', operation: 'notificationEnable', iccid: '8949449999999990023', verified: true, eid: euicc.eid }),
    ]);
  });

  it('a failed installation marks the order failed, and it can be downloaded again', async () => {
    h = await startHarness();
    const euicc = new TestEuicc();
    const id = 'TS48V1-A-UNIQUE';
    const r = await download(h.client, euicc, { matchingId: id });
    await h.client.handleNotification({ pendingNotification: euicc.installationResult(r.session, '8949449999999990023', h.smdp.address, false) });
    const o = h.smdp.admin.getOrder(id)!;
    expect(o.state).toBe('failed');
    expect(o.installError).toBe('loadProfileElements/installFailedDueToPEProcessingError');
    const again = await download(h.client, euicc, { matchingId: id });
    expect(again.opened.profile).toEqual(pkg(id));
  });
});

describe('local SM-DP+: Default SM-DP+ method (EID-bound order)', () => {
  it('finds the order by the EID of the eUICC certificate with an empty matching id; no ReplaceSessionKeys when turned off', async () => {
    const euicc = new TestEuicc();
    const id = 'TS48V2-SAIP2-3-NOBERTLV-UNIQUE';
    h = await startHarness({ binds: [{ eid: euicc.eid, profile: id }], replaceSessionKeys: false });
    const bound = h.smdp.admin.listOrders().find((o) => o.eid === euicc.eid)!;
    expect(bound).toMatchObject({ profile: id, state: 'released', isDefault: false });
    expect(bound.matchingId).toBeUndefined();
    // the default matching-id order of that profile was withdrawn
    expect(h.smdp.admin.getOrder(id)).toBeUndefined();

    const r = await download(h.client, euicc, { matchingId: '' });
    expect(r.opened.profile).toEqual(pkg(id));
    expect(r.opened.replaceSessionKeys).toBeUndefined();
    expect(h.smdp.admin.getOrder(bound.id)!.state).toBe('downloaded');

    const absent = await rejection(download(h.client, euicc));
    expect(absent.details).toMatchObject({ subjectCode: '8.2', reasonCode: '3.7' });
  });
});

describe('local SM-DP+: cancelSession', () => {
  it('verifies the eUICC signature, records the reason and releases the profile for a retry', async () => {
    h = await startHarness();
    const euicc = new TestEuicc();
    const r = await download(h.client, euicc, { matchingId: PROFILE });
    expect(h.smdp.admin.getOrder(PROFILE)!.state).toBe('downloaded');

    // a forged cancellation is refused and changes nothing
    const forged = await rejection(h.client.cancelSession({ transactionId: r.transactionId, cancelSessionResponse: euicc.cancelSession(r.session, 'loadBppExecutionError', true) }));
    expect(forged.details).toMatchObject({ subjectCode: '8.1', reasonCode: '6.1' });
    expect(h.smdp.admin.getOrder(PROFILE)!.state).toBe('downloaded');

    const status = await h.client.cancelSession({ transactionId: r.transactionId, cancelSessionResponse: euicc.cancelSession(r.session, 'loadBppExecutionError') });
    expect(status.status).toBe('Executed-Success');
    const o = h.smdp.admin.getOrder(PROFILE)!;
    expect(o.state).toBe('cancelled');
    expect(o.cancellations).toEqual([expect.objectContaining({ transactionId: r.transactionId, reason: 'loadBppExecutionError (5)' })]);

    // the session is gone
    const gone = await rejection(h.client.cancelSession({ transactionId: r.transactionId, cancelSessionResponse: euicc.cancelSession(r.session) }));
    expect(gone.details).toMatchObject({ subjectCode: '8.10.1', reasonCode: '3.9' });

    const retry = await download(h.client, euicc, { matchingId: PROFILE });
    expect(retry.opened.profile).toEqual(pkg(PROFILE));
    expect(h.smdp.admin.getOrder(PROFILE)!.state).toBe('downloaded');
  });
});
