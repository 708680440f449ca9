/**
 * The captured real download session (independent SM-DP+ and eUICC): our codecs must read its
 * ES10 pieces and, where they encode, produce the very same bytes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as es10 from '../../src/es10/index.js';
import { concatBytes, fromHex, toHex } from '../../src/util/hex.js';

interface Exchange {
  function: string;
  request: Record<string, string>;
  response: Record<string, unknown>;
}
const session = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/vectors/es9p-download-session.json', import.meta.url)), 'utf8')) as {
  es9p: Exchange[];
  euiccOneTimeKey: { publicKeyUncompressed: string };
  bspKeyDerivation: { eid: string };
};
const b64 = (s: unknown): Uint8Array => new Uint8Array(Buffer.from(String(s), 'base64'));
const [initiate, authClient, getBpp] = session.es9p as [Exchange, Exchange, Exchange];

const CI_SKI = 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3';
const TX = '576DB55F33E54E99AF3A62C9829BBE77';

describe('captured session: EUICCInfo1', () => {
  const raw = b64(initiate.request.euiccInfo1);
  it('decodes and re-encodes byte-for-byte', () => {
    const info = es10.decodeEuiccInfo1Response(raw);
    expect(info.svn).toBe('2.4.0');
    expect(info.euiccCiPKIdListForVerification.map(toHex)).toEqual([CI_SKI]);
    expect(info.euiccCiPKIdListForSigning.map(toHex)).toEqual([CI_SKI]);
    expect(toHex(es10.encodeEuiccInfo1Response(info))).toBe(toHex(raw));
  });
});

describe('captured session: AuthenticateServer', () => {
  const serverSigned1 = b64(initiate.response.serverSigned1);
  const serverSignature1 = b64(initiate.response.serverSignature1);
  const ski = b64(initiate.response.euiccCiPKIdToBeUsed);
  const serverCertificate = b64(initiate.response.serverCertificate);
  const response = b64(authClient.request.authenticateServerResponse);

  it('reads serverSigned1', () => {
    const s = es10.decodeServerSigned1(serverSigned1);
    expect(toHex(s.transactionId)).toBe(TX);
    expect(toHex(s.euiccChallenge)).toBe(toHex(b64(initiate.request.euiccChallenge)));
    expect(s.serverAddress).toBe('testsmdpplus1.example.com');
    expect(toHex(s.serverChallenge)).toBe('8CADFFC4AA9DCD03EEF08FDF0BA2B408');
    expect(toHex(es10.encodeServerSigned1(s))).toBe(toHex(serverSigned1));
  });

  it('reads the eUICC answer and re-encodes it byte-for-byte', () => {
    const r = es10.decodeAuthenticateServerResponse(response);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(es10.signatureValue(r.euiccSignature1).length).toBe(64);
    expect(toHex(es10.encodeAuthenticateServerResponse(r))).toBe(toHex(response));
    const signed = es10.decodeEuiccSigned1(r.euiccSigned1);
    expect(toHex(signed.transactionId)).toBe(TX);
    expect(signed.serverAddress).toBe('testsmdpplus1.example.com');
    expect(toHex(signed.serverChallenge)).toBe('8CADFFC4AA9DCD03EEF08FDF0BA2B408');
    expect(toHex(es10.encodeEuiccSigned1(signed))).toBe(toHex(r.euiccSigned1));
    // both certificates are whole DER SEQUENCEs
    expect(r.euiccCertificate[0]).toBe(0x30);
    expect(r.eumCertificate[0]).toBe(0x30);
  });

  it('reads EUICCInfo2 from euiccSigned1 and re-encodes it', () => {
    const r = es10.decodeAuthenticateServerResponse(response);
    if (!r.ok) throw new Error('not ok');
    const raw = es10.decodeEuiccSigned1(r.euiccSigned1).euiccInfo2;
    const info = es10.decodeEuiccInfo2Response(raw);
    expect(info).toMatchObject({
      profileVersion: '2.3.1',
      svn: '2.4.0',
      euiccFirmwareVer: '35.66.0',
      javacardVersion: '17.2.0',
      globalplatformVersion: '2.3.0',
      ppVersion: '1.0.0',
      sasAcreditationNumber: 'OSMOCOM-TEST-1',
    });
    expect(info.rspCapability).toEqual(['additionalProfile', 'testProfileSupport', 'bit4', 'bit5']);
    expect(info.uiccCapability.slice(0, 11)).toEqual([
      'usimSupport', 'isimSupport', 'akaMilenage', 'akaTuak128', 'akaTuak256', 'gbaAuthenUsim', 'gbaAuthenISim', 'eapClient', 'javacard',
      'multipleUsimSupport', 'multipleIsimSupport',
    ]);
    expect(info.euiccCiPKIdListForVerification.map(toHex)).toEqual([CI_SKI]);
    expect(es10.parseExtCardResource(info.extCardResource)).toEqual({ installedApplications: 0, freeNonVolatileMemory: 0x49c68, freeVolatileMemory: 0x2223 });
    expect(toHex(es10.encodeEuiccInfo2Response(info))).toBe(toHex(raw));
  });

  it('builds the request from the four ES9+ items verbatim + ctxParams1 (golden from the eUICC copy)', () => {
    const r = es10.decodeAuthenticateServerResponse(response);
    if (!r.ok) throw new Error('not ok');
    const ctxRaw = es10.decodeEuiccSigned1(r.euiccSigned1).ctxParams1;
    const ctx = es10.decodeCtxParams1(ctxRaw);
    expect(ctx).toEqual({ matchingId: 'TS48V2-SAIP2-1-BERTLV-UNIQUE', deviceInfo: { tac: fromHex('35230145'), deviceCapabilities: {} } });
    expect(toHex(es10.encodeCtxParams1(ctx))).toBe(toHex(ctxRaw));

    const req = es10.encodeAuthenticateServerRequest({ serverSigned1, serverSignature1, euiccCiPKIdToBeUsed: ski, serverCertificate, ctxParams1: ctx });
    const body = concatBytes(serverSigned1, serverSignature1, ski, serverCertificate, ctxRaw);
    expect(toHex(req)).toBe(`BF3882${body.length.toString(16).toUpperCase().padStart(4, '0')}${toHex(body)}`);

    const back = es10.decodeAuthenticateServerRequest(req);
    expect(toHex(back.serverSigned1)).toBe(toHex(serverSigned1));
    expect(toHex(back.serverSignature1)).toBe(toHex(serverSignature1));
    expect(toHex(back.euiccCiPKIdToBeUsed)).toBe(toHex(ski));
    expect(toHex(back.serverCertificate)).toBe(toHex(serverCertificate));
    expect(toHex(back.ctxParams1Raw)).toBe(toHex(ctxRaw));
    expect(back.ctxParams1).toEqual(ctx);
  });

  it('encodes ctxParams1 with capabilities and IMEI (golden)', () => {
    const ctx: es10.CtxParams1 = {
      matchingId: '',
      deviceInfo: { tac: fromHex('35290611'), deviceCapabilities: { gsmSupportedRelease: '15.0.0', eutranEpcSupportedRelease: '15.0.0' }, imei: fromHex('3529061100000010') },
    };
    const hex = 'A0208000A11C80043529061 1A10A80030F00008503 0F0000820835290611000000 10'.replace(/ /g, '');
    expect(toHex(es10.encodeCtxParams1(ctx))).toBe(hex);
    expect(es10.decodeCtxParams1(fromHex(hex))).toEqual(ctx);
  });

  it('error answer (golden)', () => {
    const err = { ok: false as const, transactionId: fromHex(TX), error: 'invalidSignature' as const, errorCode: 2 };
    const hex = `BF3817A1158010${TX}020102`;
    expect(toHex(es10.encodeAuthenticateServerResponse(err))).toBe(hex);
    expect(es10.decodeAuthenticateServerResponse(fromHex(hex))).toEqual(err);
  });
});

describe('captured session: PrepareDownload', () => {
  const smdpSigned2 = b64(authClient.response.smdpSigned2);
  const smdpSignature2 = b64(authClient.response.smdpSignature2);
  const smdpCertificate = b64(authClient.response.smdpCertificate);
  const response = b64(getBpp.request.prepareDownloadResponse);

  it('reads smdpSigned2', () => {
    const s = es10.decodeSmdpSigned2(smdpSigned2);
    expect(s).toEqual({ transactionId: fromHex(TX), ccRequiredFlag: false });
    expect(toHex(es10.encodeSmdpSigned2(s))).toBe(toHex(smdpSigned2));
  });

  it('builds the request verbatim, with and without hashCc', () => {
    const req = es10.encodePrepareDownloadRequest({ smdpSigned2, smdpSignature2, smdpCertificate });
    const body = concatBytes(smdpSigned2, smdpSignature2, smdpCertificate);
    expect(toHex(req)).toBe(`BF2182${body.length.toString(16).toUpperCase().padStart(4, '0')}${toHex(body)}`);
    expect(es10.decodePrepareDownloadRequest(req)).toEqual({ smdpSigned2, smdpSignature2, smdpCertificate });
    const hashCc = new Uint8Array(32).fill(0xcc);
    const withCc = es10.encodePrepareDownloadRequest({ smdpSigned2, smdpSignature2, hashCc, smdpCertificate });
    expect(toHex(withCc)).toContain(`${toHex(smdpSignature2)}0420${'CC'.repeat(32)}${toHex(smdpCertificate)}`);
    expect(es10.decodePrepareDownloadRequest(withCc).hashCc).toEqual(hashCc);
  });

  it('reads the eUICC answer: euiccOtpk is the session one-time key', () => {
    const r = es10.decodePrepareDownloadResponse(response);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = es10.decodeEuiccSigned2(r.euiccSigned2);
    expect(toHex(s.transactionId)).toBe(TX);
    expect(toHex(s.euiccOtpk)).toBe(session.euiccOneTimeKey.publicKeyUncompressed.toUpperCase());
    expect(s.hashCc).toBeUndefined();
    expect(toHex(es10.encodeEuiccSigned2(s))).toBe(toHex(r.euiccSigned2));
    expect(toHex(es10.encodePrepareDownloadResponse(r))).toBe(toHex(response));
  });

  it('error answer (golden)', () => {
    const err = { ok: false as const, transactionId: fromHex(TX), error: 'invalidTransactionId' as const, errorCode: 5 };
    const hex = `BF2117A1158010${TX}020105`;
    expect(toHex(es10.encodePrepareDownloadResponse(err))).toBe(hex);
    expect(es10.decodePrepareDownloadResponse(fromHex(hex))).toEqual(err);
  });
});
