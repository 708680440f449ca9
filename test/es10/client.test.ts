import { describe, expect, it } from 'vitest';
import { Es10Client } from '../../src/es10/client.js';
import * as es10 from '../../src/es10/index.js';
import { concatBytes, fromHex, toHex } from '../../src/util/hex.js';
import { FakeChannel, SW_OK, sentDer } from '../apdu/fakeChannel.js';
import { lpaRejection } from '../util/lpaError.js';

const ICCID = '8949449999999990049';
const ICCID_BCD = '5A0A989444999999990940F9';

/** A client over a channel whose last STORE DATA block is answered with `answerHex`. */
function clientAnswering(answerHex: string, options = {}): { client: Es10Client; ch: FakeChannel } {
  const ch = new FakeChannel((apdu) => (apdu[2] === 0x91 ? concatBytes(fromHex(answerHex), SW_OK) : SW_OK));
  return { client: new Es10Client(ch, options), ch };
}


describe('Es10Client', () => {
  it('getEid sends BF3E035C015A', async () => {
    const { client, ch } = clientAnswering('BF3E125A1089049032123451234512345678901235');
    expect(await client.getEid()).toBe('89049032123451234512345678901235');
    expect(ch.sent.map(toHex)).toEqual(['80E2910006BF3E035C015A']);
  });

  it('getEuiccInfo1 returns parsed and raw', async () => {
    const raw = 'BF20358203020400A9160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3AA160414F54172BDF98A95D65CBEB88A38A1C11D800A85C3';
    const { client, ch } = clientAnswering(raw);
    const r = await client.getEuiccInfo1();
    expect(toHex(r.raw)).toBe(raw);
    expect(r.info.svn).toBe('2.4.0');
    expect(toHex(sentDer(ch))).toBe('BF2000');
  });

  it('getEuiccChallenge / getConfiguredAddresses / getRat', async () => {
    expect(toHex(await clientAnswering(`BF2E1280106FF64B62254A454A42FD5DB167F4BEA6`).client.getEuiccChallenge())).toBe('6FF64B62254A454A42FD5DB167F4BEA6');
    expect(await clientAnswering('BF3C07810564732E696F').client.getConfiguredAddresses()).toEqual({ rootDsAddress: 'ds.io' });
    expect(await clientAnswering('BF4302A000').client.getRat()).toEqual([]);
  });

  it('enableProfile: ok, refresh flag and the ICCID as typed', async () => {
    const { client, ch } = clientAnswering('BF3103800100');
    await client.enableProfile(`${ICCID}F`);
    expect(toHex(sentDer(ch))).toBe(`BF3111A00C${ICCID_BCD}8101FF`);
    const { client: c2, ch: ch2 } = clientAnswering('BF3103800100');
    await c2.enableProfile(ICCID, false);
    expect(toHex(sentDer(ch2))).toBe(`BF3111A00C${ICCID_BCD}810100`);
  });

  it('enableProfile: profileNotInDisabledState -> ES10_RESULT', async () => {
    const e = await lpaRejection(clientAnswering('BF3103800102').client.enableProfile(ICCID));
    expect(e.code).toBe('ES10_RESULT');
    expect(e.details.result).toBe('profileNotInDisabledState');
    expect(e.details.resultCode).toBe(2);
    expect(e.message).toContain('profile is not in disabled state');
  });

  it('disable/delete of an unknown profile -> PROFILE_NOT_FOUND', async () => {
    expect((await lpaRejection(clientAnswering('BF3203800101').client.disableProfile(ICCID))).code).toBe('PROFILE_NOT_FOUND');
    expect((await lpaRejection(clientAnswering('BF3303800101').client.deleteProfile(ICCID))).code).toBe('PROFILE_NOT_FOUND');
  });

  it('bad ICCID text -> INVALID_ICCID before any APDU', async () => {
    const { client, ch } = clientAnswering('BF3103800100');
    expect((await lpaRejection(client.enableProfile('1234'))).code).toBe('INVALID_ICCID');
    expect(ch.sent.length).toBe(0);
  });

  it('setNickname, setDefaultDpAddress, memoryReset', async () => {
    const a = clientAnswering('BF2903800100');
    await a.client.setNickname(ICCID, 'x');
    expect(toHex(sentDer(a.ch))).toBe(`BF290F${ICCID_BCD}900178`);
    const b = clientAnswering('BF3F03800100');
    await b.client.setDefaultDpAddress('dp.io');
    expect(toHex(sentDer(b.ch))).toBe('BF3F07800564702E696F');
    const c = clientAnswering('BF3403800101');
    expect(await c.client.memoryReset(['deleteOperationalProfiles'])).toBe('nothingToDelete'); // already reset: an answer
    expect(toHex(sentDer(c.ch))).toBe('BF340482020780');
    expect(await clientAnswering('BF3403800100').client.memoryReset(['deleteOperationalProfiles', 'resetDefaultSmdpAddress'])).toBe('ok');
    expect((await lpaRejection(clientAnswering('BF340380017F').client.memoryReset(['deleteOperationalProfiles']))).details.result).toBe('undefinedError');
  });

  it('listProfiles asks for the default tag list', async () => {
    const { client, ch } = clientAnswering(`BF2D14A012E310${ICCID_BCD}9F700101`);
    expect(await client.listProfiles()).toEqual([{ iccid: ICCID, state: 'enabled', stateCode: 1 }]);
    expect(toHex(sentDer(ch))).toBe(`BF2D0E5C0C${toHex(es10.LIST_PROFILES_TAGS)}`);
    expect((await lpaRejection(clientAnswering('BF2D03810101').client.listProfiles())).code).toBe('ES10_RESULT');
  });

  it('notifications: list, retrieve (empty on noResultAvailable), remove (nothingToDelete tolerated)', async () => {
    expect(await clientAnswering('BF2802A000').client.listNotifications()).toEqual([]);
    const r = clientAnswering('BF2B03810101');
    expect(await r.client.retrieveNotifications(7)).toEqual([]);
    expect(toHex(sentDer(r.ch))).toBe('BF2B05A003800107');
    await clientAnswering('BF3003800101').client.removeNotification(7);
    expect((await lpaRejection(clientAnswering('BF300380017F').client.removeNotification(7))).code).toBe('ES10_RESULT');
  });

  it('authenticateServer: multi-block request, raw answer kept, error carries the transaction id', async () => {
    const cert = concatBytes(fromHex('308201F8048201F4'), new Uint8Array(500));
    const request: es10.AuthenticateServerRequest = {
      serverSigned1: es10.encodeServerSigned1({ transactionId: fromHex('01'), euiccChallenge: new Uint8Array(16), serverAddress: 'dp.io', serverChallenge: new Uint8Array(16) }),
      serverSignature1: es10.encodeSignature(new Uint8Array(64)),
      euiccCiPKIdToBeUsed: fromHex('0414F54172BDF98A95D65CBEB88A38A1C11D800A85C3'),
      serverCertificate: cert,
      ctxParams1: { deviceInfo: { tac: fromHex('35290611'), deviceCapabilities: {} } },
    };
    const { client, ch } = clientAnswering('BF3808A106800101020102', { timeoutMs: 5000 });
    const e = await lpaRejection(client.authenticateServer(request));
    expect(e.code).toBe('ES10_RESULT');
    expect(e.details.result).toBe('invalidSignature');
    expect(e.details.transactionId).toBe('01');
    expect(ch.sent.length).toBe(3);
    expect(ch.sent.map((a) => a[2])).toEqual([0x11, 0x11, 0x91]);
    expect(ch.options.every((o) => o?.timeoutMs === 5000)).toBe(true);
    expect(toHex(sentDer(ch))).toBe(toHex(es10.encodeAuthenticateServerRequest(request)));
  });

  it('cancelSession returns the raw signed answer', async () => {
    const signed = es10.encodeEuiccCancelSessionSigned({ transactionId: fromHex('01'), smdpOid: '2.999.10', reason: 'timeout' });
    const answer = es10.encodeCancelSessionResponse({ ok: true, euiccCancelSessionSigned: signed, euiccCancelSessionSignature: es10.encodeSignature(new Uint8Array(64)) });
    const { client, ch } = clientAnswering(toHex(answer));
    const r = await client.cancelSession(fromHex('01'), 'timeout');
    expect(toHex(r.raw)).toBe(toHex(answer));
    expect(toHex(r.response.euiccCancelSessionSigned)).toBe(toHex(signed));
    expect(toHex(sentDer(ch))).toBe('BF4106800101810102');
  });

  it('propagates APDU_STATUS and ASN1_DECODE', async () => {
    const ch = new FakeChannel(() => fromHex('6A88'));
    expect((await lpaRejection(new Es10Client(ch).getEid())).code).toBe('APDU_STATUS');
    expect((await lpaRejection(clientAnswering('BF3E035C015A').client.getEid())).code).toBe('ASN1_DECODE');
    expect((await lpaRejection(clientAnswering('').client.getEid())).code).toBe('ASN1_DECODE');
  });
});
