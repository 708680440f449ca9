import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LpaError } from '../../../src/errors.js';
import { encodeAuthenticateServerResponse } from '../../../src/es10/authenticateServer.js';
import { encodePrepareDownloadResponse } from '../../../src/es10/prepareDownload.js';
import { eidCheckDigits } from '../../../src/ids/eid.js';
import { MAX_CC_ATTEMPTS } from '../../../src/sim/smdp/orders.js';
import { download, TestEuicc } from './helpers/euicc.js';
import { postRaw, startHarness, type Harness } from './helpers/setup.js';

const OTHER_EID = `890490320000000000000000000001${eidCheckDigits('890490320000000000000000000001')}`;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function refused(p: Promise<unknown>, subjectCode: string, reasonCode: string, fn?: string): Promise<LpaError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LpaError);
  expect((e as LpaError).details).toMatchObject({ subjectCode, reasonCode, ...(fn ? { function: fn } : {}) });
  return e as LpaError;
}

describe('local SM-DP+ refusals through the ES9+ client', () => {
  it('wrong EID 8.1.1/3.8 and unknown matching id 8.2.6/3.8 (order untouched)', async () => {
    h = await startHarness();
    const order = h.smdp.admin.createOrder({ eid: OTHER_EID, matchingId: 'FOR-SOMEONE-ELSE' });
    const euicc = new TestEuicc();
    await refused(download(h.client, euicc, { matchingId: 'FOR-SOMEONE-ELSE' }), '8.1.1', '3.8', 'authenticateClient');
    expect(h.smdp.admin.getOrder(order.id)!.state).toBe('released');
    await refused(download(h.client, euicc, { matchingId: 'NO-SUCH-ID' }), '8.2.6', '3.8', 'authenticateClient');
    // no order bound to this EID for the Default SM-DP+ method
    await refused(download(h.client, euicc), '8.1.1', '3.8');
  });

  it('confirmation code: missing 8.2.7/2.2, wrong 8.2.7/3.8, right downloads; attempts are bounded (8.8.5/6.4)', async () => {
    h = await startHarness({ confirmationCodes: { 'TS48V1-A-UNIQUE': '1234', 'TS48V1-B-UNIQUE': '9999' } });
    const euicc = new TestEuicc();
    expect(h.smdp.admin.getOrder('TS48V1-A-UNIQUE')).toMatchObject({ confirmationCodeRequired: true });
    expect(JSON.stringify(h.smdp.admin.listOrders())).not.toContain('1234');
    await refused(download(h.client, euicc, { matchingId: 'TS48V1-A-UNIQUE' }), '8.2.7', '2.2', 'getBoundProfilePackage');
    await refused(download(h.client, euicc, { matchingId: 'TS48V1-A-UNIQUE', confirmationCode: '0000' }), '8.2.7', '3.8');
    const ok = await download(h.client, euicc, { matchingId: 'TS48V1-A-UNIQUE', confirmationCode: '1234' });
    expect(ok.opened.profile.length).toBeGreaterThan(1000);
    expect(h.smdp.admin.getOrder('TS48V1-A-UNIQUE')!.state).toBe('downloaded');

    for (let i = 0; i < MAX_CC_ATTEMPTS; i++) {
      await refused(download(h.client, euicc, { matchingId: 'TS48V1-B-UNIQUE', confirmationCode: `wrong${i}` }), '8.2.7', '3.8');
    }
    await refused(download(h.client, euicc, { matchingId: 'TS48V1-B-UNIQUE', confirmationCode: '9999' }), '8.8.5', '6.4', 'authenticateClient');
    expect(h.smdp.admin.getOrder('TS48V1-B-UNIQUE')).toMatchObject({ state: 'released', ccFailures: MAX_CC_ATTEMPTS });
  });

  it('a bad euiccSignature1 is 8.1/6.1 and ends the session', async () => {
    h = await startHarness();
    const euicc = new TestEuicc();
    euicc.corruptSignature1 = true;
    await refused(download(h.client, euicc, { matchingId: 'TS48V1-A-UNIQUE' }), '8.1', '6.1', 'authenticateClient');
    expect(h.smdp.admin.getOrder('TS48V1-A-UNIQUE')!.state).toBe('released');
  });

  it('no CI in common 8.8.2/3.1; unknown transaction 8.10.1/3.9; steps out of order 8.10.1/3.9', async () => {
    h = await startHarness();
    const euicc = new TestEuicc();
    await refused(h.client.initiateAuthentication({ euiccChallenge: euicc.challenge, euiccInfo1: euicc.info1([new Uint8Array(20).fill(7)]) }), '8.8.2', '3.1');
    await refused(h.client.authenticateClient({ transactionId: '00112233445566778899AABBCCDDEEFF', authenticateServerResponse: encodeAuthenticateServerResponse({ ok: false, error: 'undefinedError', transactionId: new Uint8Array(16) }) }), '8.10.1', '3.9');
    const init = await h.client.initiateAuthentication({ euiccChallenge: euicc.challenge, euiccInfo1: euicc.info1() });
    await refused(h.client.getBoundProfilePackage({ transactionId: init.transactionId, prepareDownloadResponse: encodePrepareDownloadResponse({ ok: false, error: 'undefinedError', transactionId: new Uint8Array(16) }) }), '8.10.1', '3.9');
  });
});

describe('local SM-DP+ raw requests', () => {
  it('a foreign smdpAddress is 8.8.1/3.8; the same address in another case is accepted', async () => {
    h = await startHarness();
    const euicc = new TestEuicc();
    const body = (smdpAddress: string) => JSON.stringify({ euiccChallenge: b64(euicc.challenge), euiccInfo1: b64(euicc.info1()), smdpAddress });
    const wrong = await postRaw(h.smdp, '/gsma/rsp2/es9plus/initiateAuthentication', body('other.example.com'));
    expect(wrong.status).toBe(200);
    expect(wrong.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.8.1', reasonCode: '3.8' } } } });
    const upper = await postRaw(h.smdp, '/gsma/rsp2/es9plus/initiateAuthentication', body('TESTSMDPPLUS1.example.com'));
    expect(upper.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Executed-Success' } } });
    expect(Object.keys(upper.json!)).toEqual(['serverSigned1', 'serverSignature1', 'transactionId', 'euiccCiPKIdToBeUsed', 'serverCertificate', 'header']);
  });

  it('malformed input is HTTP 400 JSON (never HTML); unknown paths 404, GET 405', async () => {
    h = await startHarness();
    const post = (fn: string, text: string, headers?: Record<string, string>) => postRaw(h!.smdp, `/gsma/rsp2/es9plus/${fn}`, text, headers);
    const cases = [
      await post('initiateAuthentication', '{not json'),
      await post('initiateAuthentication', '[1,2]'),
      await post('initiateAuthentication', JSON.stringify({ euiccChallenge: '***', euiccInfo1: 'AA==', smdpAddress: 'testsmdpplus1.example.com' })),
      await post('authenticateClient', JSON.stringify({ transactionId: 'xyz', authenticateServerResponse: 'AA==' })),
      await post('handleNotification', JSON.stringify({ pendingNotification: b64(randomBytes(40)) })),
      await post('initiateAuthentication', '{}', { 'Content-Type': 'text/html' }),
    ];
    for (const c of cases) {
      expect(c.status).toBe(400);
      expect(c.contentType).toMatch(/application\/json/);
      expect(c.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '1.2' } } } });
    }
    const missing = await post('cancelSession', JSON.stringify({ transactionId: '0011' }));
    expect(missing.json).toMatchObject({ header: { functionExecutionStatus: { statusCodeData: { reasonCode: '2.2' } } } });
    expect(h.smdp.admin.notifications()).toEqual([expect.objectContaining({ kind: 'undecodable', verified: false })]);
    const huge = await post('authenticateClient', JSON.stringify({ transactionId: '00', authenticateServerResponse: 'A'.repeat(1100 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ header: { functionExecutionStatus: { status: 'Failed' } } });
    const unknown = await post('downloadOrder', '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toBeDefined();
    const get = await postRaw(h.smdp, '/gsma/rsp2/es9plus/initiateAuthentication', '', {}, 'GET');
    expect(get.status).toBe(405);
    expect(get.text).not.toMatch(/<html/i);
  });
});
