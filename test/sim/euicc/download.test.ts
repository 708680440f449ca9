import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEuiccSigned1 } from '../../../src/es10/authenticateServer.js';
import { decodeCancelSessionResponse, decodeEuiccCancelSessionSigned, encodeCancelSessionRequest } from '../../../src/es10/cancelSession.js';
import { decodeProfileInstallationResult } from '../../../src/es10/profileInstallationResult.js';
import { decodeEuiccSigned2 } from '../../../src/es10/prepareDownload.js';
import { decodeProfilesInfoResponse, encodeProfilesInfoRequest } from '../../../src/es10/profilesInfo.js';
import { decodeRetrieveNotificationsListResponse, encodeRetrieveNotificationsListRequest } from '../../../src/es10/retrieveNotificationsList.js';
import { decodeListNotificationResponse, encodeListNotificationRequest } from '../../../src/es10/listNotification.js';
import { bppSequences } from '../../../src/es10/bpp.js';
import { EuiccStateStore, openVirtualEuicc, VirtualEuicc } from '../../../src/sim/euicc/index.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import {
  bind,
  buildBpp,
  CTX_PARAMS,
  hashCc,
  loadBpp,
  storeMetadata,
  upp,
  SMDP_ADDRESS,
  SMDP_OID,
  TS48_ICCID,
  TS48_PROFILE,
  verifiedByEuicc,
} from './downloadSmdp.js';
import { es10, openIsdR, storeData } from './helpers.js';

const RSK = { initialMcv: new Uint8Array(16).fill(0x22), ppkEnc: new Uint8Array(16).fill(0x00), ppkCmac: new Uint8Array(16).fill(0x11) };

function profiles(card: VirtualEuicc, ch: number) {
  const r = decodeProfilesInfoResponse(es10(card, encodeProfilesInfoRequest(), ch));
  if (!r.ok) throw new Error('GetProfilesInfo failed');
  return r.profiles;
}

/** Full download; returns the decoded PIR, its raw bytes and the APDU count of the load. */
function download(card: VirtualEuicc, opts: { rsk?: boolean; segmentSize?: number; blockSize?: number } = {}) {
  const ch = openIsdR(card);
  const b = bind(card, ch);
  expect(b.prepared.ok).toBe(true);
  const bpp = buildBpp(b.transactionId, b.prepared, {
    ...(opts.rsk ? { replaceSessionKeys: RSK } : {}),
    ...(opts.segmentSize ? { segmentSize: opts.segmentSize } : {}),
  });
  const answers = loadBpp(card, ch, bpp, opts.blockSize ?? 255);
  const last = answers[answers.length - 1]!;
  return { ch, bpp, answers, pirRaw: last.data, pir: decodeProfileInstallationResult(last.data), transactionId: b.transactionId };
}

describe('virtual eUICC download: AuthenticateServer and PrepareDownload', () => {
  it('answers a signed euiccSigned1 that copies the server fields and ctxParams1', () => {
    const card = openVirtualEuicc();
    const ch = openIsdR(card);
    const b = bind(card, ch);
    expect(b.auth.ok).toBe(true);
    if (!b.auth.ok) return;
    const s1 = decodeEuiccSigned1(b.auth.euiccSigned1);
    expect(toHex(s1.transactionId)).toBe(toHex(b.transactionId));
    expect(s1.serverAddress).toBe(SMDP_ADDRESS);
    expect(toHex(s1.euiccInfo2.subarray(0, 2))).toBe('BF22');
    expect(s1.ctxParams1[0]).toBe(0xa0);
    expect(new TextDecoder().decode(s1.ctxParams1)).toContain(CTX_PARAMS.matchingId);
    expect(verifiedByEuicc(card, b.auth.euiccSigned1, b.auth.euiccSignature1)).toBe(true);
    expect(toHex(b.auth.euiccCertificate)).toBe(toHex(card.identity.euiccCertificate));
    expect(toHex(b.auth.eumCertificate)).toBe(toHex(card.identity.eumCertificate));
    // PrepareDownload: euiccSigned2 carries a fresh uncompressed P-256 point, signed over || smdpSignature2
    expect(b.prepared.ok).toBe(true);
    if (!b.prepared.ok) return;
    const s2 = decodeEuiccSigned2(b.prepared.euiccSigned2);
    expect(toHex(s2.transactionId)).toBe(toHex(b.transactionId));
    expect(s2.euiccOtpk).toHaveLength(65);
    expect(s2.euiccOtpk[0]).toBe(0x04);
    expect(s2.hashCc).toBeUndefined();
    const signed = new Uint8Array([...b.prepared.euiccSigned2, ...b.smdpSignature2]);
    expect(verifiedByEuicc(card, signed, b.prepared.euiccSignature2)).toBe(true);
  });

  it('forwards hashCc in euiccSigned2 when the SM-DP+ requires a confirmation code', () => {
    const card = openVirtualEuicc();
    const ch = openIsdR(card);
    const h = hashCc('12345678', fromHex('00'.repeat(16)));
    const b = bind(card, ch, { ccRequired: true, hashCc: h });
    expect(b.prepared.ok).toBe(true);
    if (b.prepared.ok) expect(toHex(decodeEuiccSigned2(b.prepared.euiccSigned2).hashCc!)).toBe(toHex(h));
  });
});

describe('virtual eUICC download: LoadBoundProfilePackage', () => {
  it('installs a TS.48 profile (1036-byte 86 TLVs), answers every sequence 9000 and ends with a signed PIR', () => {
    const card = openVirtualEuicc();
    const { ch, bpp, answers, pir, pirRaw, transactionId } = download(card);
    const seqs = bppSequences(bpp).flat();
    expect(answers).toHaveLength(seqs.length);
    expect(answers.slice(0, -1).every((a) => a.sw === '9000' && a.data.length === 0)).toBe(true);
    expect(seqs.some((p) => p[0] === 0x86 && p.length > 1020)).toBe(true);
    expect(toHex(pir.transactionId)).toBe(toHex(transactionId));
    expect(pir.finalResult.success).toBe(true);
    if (pir.finalResult.success) {
      expect(toHex(pir.finalResult.aid)).toBe('A0000005591010FFFFFFFF8900001100');
      expect(pir.finalResult.simaResponse.length).toBeGreaterThan(0);
    }
    expect(pir.smdpOid).toBe(SMDP_OID);
    expect(pir.notificationMetadata).toMatchObject({ profileManagementOperation: 'notificationInstall', notificationAddress: SMDP_ADDRESS, iccid: TS48_ICCID });
    expect(verifiedByEuicc(card, pir.dataRaw, pir.euiccSignPIR)).toBe(true);

    // GetProfilesInfo: the new profile, disabled, with the metadata names
    const p = profiles(card, ch).find((x) => x.iccid === TS48_ICCID);
    expect(p).toMatchObject({ state: 'disabled', serviceProviderName: 'GSMA Test', profileName: TS48_PROFILE });
    expect(toHex(p!.isdpAid!)).toBe('A0000005591010FFFFFFFF8900001100');
    expect(card.state.profiles).toHaveLength(2);

    // the PIR is pending, returned raw by RetrieveNotificationsList and listed by ListNotification
    const list = decodeRetrieveNotificationsListResponse(es10(card, encodeRetrieveNotificationsListRequest({ searchCriteria: { seqNumber: pir.notificationMetadata.seqNumber } }), ch));
    expect(list.ok).toBe(true);
    if (list.ok) {
      expect(list.notifications).toHaveLength(1);
      expect(list.notifications[0]!.kind).toBe('profileInstallationResult');
      expect(toHex(list.notifications[0]!.raw)).toBe(toHex(pirRaw));
    }
    const md = decodeListNotificationResponse(es10(card, encodeListNotificationRequest(), ch));
    expect(md.ok && md.notifications.map((n) => n.iccid)).toContain(TS48_ICCID);

    // the session is over: CancelSession finds none
    const c = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId, reason: 'postponed' }), ch));
    expect(c).toMatchObject({ ok: false, error: 'undefinedError' });
  });

  it('ReplaceSessionKeys, 1500-byte segments and 120-byte STORE DATA blocks', () => {
    const card = openVirtualEuicc();
    const { bpp, answers, pir } = download(card, { rsk: true, segmentSize: 1500, blockSize: 120 });
    const seqs = bppSequences(bpp).flat();
    expect(seqs.some((p) => p[0] === 0xa2)).toBe(true);
    expect(answers).toHaveLength(seqs.length);
    const apdus = answers.reduce((n, a) => n + a.apdus, 0);
    expect(apdus).toBeGreaterThanOrEqual(seqs.reduce((n, p) => n + Math.ceil(p.length / 120), 0));
    expect(pir.finalResult.success).toBe(true);
    expect(verifiedByEuicc(card, pir.dataRaw, pir.euiccSignPIR)).toBe(true);
    expect(card.state.profiles.map((p) => p.iccid)).toContain(TS48_ICCID);
  });

  it('installs a second profile (test class) with the next ISD-P AID', () => {
    const card = openVirtualEuicc();
    download(card);
    const ch = openIsdR(card);
    const b = bind(card, ch);
    const iccid = '8949449999999990023'; // ProfileHeader of TS48V1-A-UNIQUE
    const bpp = buildBpp(b.transactionId, b.prepared, {
      profile: upp('TS48V1-A-UNIQUE'),
      metadata: storeMetadata({ iccid, profileName: 'TS48 V1 A', profileClass: 'test', installAddress: 'other-smdp.example.com' }),
    });
    const pir = decodeProfileInstallationResult(loadBpp(card, ch, bpp).pop()!.data);
    expect(pir.finalResult.success).toBe(true);
    if (pir.finalResult.success) expect(toHex(pir.finalResult.aid)).toBe('A0000005591010FFFFFFFF8900001200');
    // the install notification goes to the address the metadata names for install
    expect(pir.notificationMetadata.notificationAddress).toBe('other-smdp.example.com');
    expect(card.state.profiles.find((p) => p.iccid === iccid)).toMatchObject({ profileClass: 'test', profileName: 'TS48 V1 A', state: 'disabled' });
    expect(card.state.notifications.map((n) => n.seqNumber)).toEqual([1, 2]);
  });
});


describe('virtual eUICC download: CancelSession and power cuts', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('CancelSession signs {transactionId, smdpOid, reason} and drops the session', () => {
    const card = openVirtualEuicc();
    const ch = openIsdR(card);
    const b = bind(card, ch);
    const wrong = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId: fromHex('01'.repeat(16)), reason: 'endUserRejection' }), ch));
    expect(wrong).toMatchObject({ ok: false, error: 'invalidTransactionId' });
    const r = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId: b.transactionId, reason: 'loadBppExecutionError' }), ch));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const signed = decodeEuiccCancelSessionSigned(r.euiccCancelSessionSigned);
    expect(signed).toMatchObject({ smdpOid: SMDP_OID, reason: 'loadBppExecutionError', reasonCode: 5 });
    expect(toHex(signed.transactionId)).toBe(toHex(b.transactionId));
    expect(verifiedByEuicc(card, r.euiccCancelSessionSigned, r.euiccCancelSessionSignature)).toBe(true);
    // gone: a second cancel and a BPP are refused
    const again = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId: b.transactionId, reason: 'loadBppExecutionError' }), ch));
    expect(again).toMatchObject({ ok: false, error: 'undefinedError' });
    const bpp = buildBpp(b.transactionId, b.prepared);
    const first = storeData(card, ch, bppSequences(bpp)[0]![0]!);
    expect(first.sw).toBe('9000');
    const pir = decodeProfileInstallationResult(first.data);
    expect(pir.finalResult).toMatchObject({ success: false, bppCommandId: 'initialiseSecureChannel', errorReason: 'invalidTransactionId' });
    expect(card.state.notifications).toHaveLength(0);
  });

  it('CancelSession in the middle of the BPP interrupts the load', () => {
    const card = openVirtualEuicc();
    const ch = openIsdR(card);
    const b = bind(card, ch);
    const seqs = bppSequences(buildBpp(b.transactionId, b.prepared)).flat();
    loadBpp(card, ch, seqs.slice(0, 3));
    const r = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId: b.transactionId, reason: 'timeout' }), ch));
    expect(r.ok).toBe(true);
    // the rest of the BPP is no longer routed to the load
    expect(storeData(card, ch, seqs[3]!).sw).toBe('6A88');
    expect(card.state.profiles).toHaveLength(1);
  });

  it('a power cut ends the session; installed profiles and notifications persist in the state file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'euicc-dl-'));
    dirs.push(dir);
    const statePath = join(dir, 'euicc.json');
    const card = new VirtualEuicc({ store: EuiccStateStore.open(statePath) });
    download(card);
    const ch = openIsdR(card);
    const b = bind(card, ch);
    card.reset();
    const ch2 = openIsdR(card);
    const c = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId: b.transactionId, reason: 'timeout' }), ch2));
    expect(c).toMatchObject({ ok: false, error: 'undefinedError' });
    // the BPP bound before the cut has no session to go to
    const pir = decodeProfileInstallationResult(loadBpp(card, ch2, buildBpp(b.transactionId, b.prepared)).pop()!.data);
    expect(pir.finalResult).toMatchObject({ success: false, errorReason: 'invalidTransactionId' });
    const reopened = openVirtualEuicc({ statePath });
    expect(reopened.state.profiles.find((p) => p.iccid === TS48_ICCID)?.state).toBe('disabled');
    expect(reopened.state.notifications.map((n) => n.operation)).toEqual(['install']);
  });
});
