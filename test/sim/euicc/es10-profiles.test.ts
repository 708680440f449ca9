import { X509Certificate, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeDeleteProfileResponse, encodeDeleteProfileRequest } from '../../../src/es10/deleteProfile.js';
import { decodeDisableProfileResponse, encodeDisableProfileRequest } from '../../../src/es10/disableProfile.js';
import { decodeEnableProfileResponse, encodeEnableProfileRequest } from '../../../src/es10/enableProfile.js';
import { decodeListNotificationResponse, encodeListNotificationRequest } from '../../../src/es10/listNotification.js';
import { decodeMemoryResetResponse, encodeMemoryResetRequest } from '../../../src/es10/memoryReset.js';
import { decodeRemoveNotificationResponse, encodeRemoveNotificationRequest } from '../../../src/es10/removeNotification.js';
import {
  decodeRetrieveNotificationsListResponse,
  encodeRetrieveNotificationsListRequest,
  type PendingNotification,
} from '../../../src/es10/retrieveNotificationsList.js';
import { decodeSetNicknameResponse, encodeSetNicknameRequest } from '../../../src/es10/setNickname.js';
import { signatureValue } from '../../../src/es10/common.js';
import {
  BOOTSTRAP_ICCID,
  BOOTSTRAP_NOTIFICATION_ADDRESS,
  EuiccStateStore,
  openVirtualEuicc,
  VirtualEuicc,
  type StoredProfile,
} from '../../../src/sim/euicc/index.js';
import { MAX_PENDING_NOTIFICATIONS } from '../../../src/sim/euicc/notifications.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { es10, openIsdR } from './helpers.js';

const OP_ICCID = '8988307000000000024';
const TEST_ICCID = '8988307000000000032';
const OP_ADDRESS = 'smdp.operator.example';

const operational: StoredProfile = {
  iccid: OP_ICCID,
  isdpAid: 'A0000005591010FFFFFFFF8900001100',
  state: 'disabled',
  serviceProviderName: 'Operator',
  profileName: 'Operator IoT',
  profileClass: 'operational',
  notificationConfigurationInfo: { install: OP_ADDRESS, enable: OP_ADDRESS, disable: OP_ADDRESS, delete: OP_ADDRESS },
};

let dir: string;
let cards = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'veuicc-prof-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A card with the bootstrap profile plus `extra`, persisted at a temp path. */
function cardWith(...extra: StoredProfile[]): { card: VirtualEuicc; path: string; refreshes: () => number } {
  const path = join(dir, `euicc-${++cards}.json`);
  const store = EuiccStateStore.open(path);
  store.state.profiles.push(...extra.map((p) => structuredClone(p)));
  store.save();
  const card = new VirtualEuicc({ store });
  let n = 0;
  card.onRefreshRequested = () => {
    n++;
  };
  return { card, path, refreshes: () => n };
}

function retrieveAll(card: VirtualEuicc): PendingNotification[] {
  const r = decodeRetrieveNotificationsListResponse(es10(card, encodeRetrieveNotificationsListRequest()));
  if (!r.ok) throw new Error(`retrieve failed: ${r.error}`);
  return r.notifications;
}

const euiccCertPem = readFileSync(new URL('../../../data/pki/sgp26/euicc/CERT_EUICC_ECDSA_NIST.pem', import.meta.url), 'utf8');

/** Verifies an OtherSignedNotification with the public key of the eUICC certificate it carries (and the bundled one). */
function expectValidSignature(n: PendingNotification): void {
  if (n.kind !== 'otherSignedNotification') throw new Error('expected OtherSignedNotification');
  const carried = new X509Certificate(Buffer.from(n.euiccCertificate));
  const bundled = new X509Certificate(euiccCertPem);
  expect(carried.raw.equals(bundled.raw)).toBe(true);
  expect(carried.subject).toContain('89049032123451234512345678901235');
  const rs = signatureValue(n.euiccNotificationSignature);
  expect(rs.length).toBe(64);
  expect(verify('sha256', n.tbsOtherNotification, { key: bundled.publicKey, dsaEncoding: 'ieee-p1363' }, rs)).toBe(true);
  const tampered = Uint8Array.from(n.tbsOtherNotification);
  tampered[tampered.length - 1]! ^= 1;
  expect(verify('sha256', tampered, { key: bundled.publicKey, dsaEncoding: 'ieee-p1363' }, rs)).toBe(false);
  expect(new X509Certificate(Buffer.from(n.eumCertificate)).subject).toContain('EUM Test');
  expect(carried.checkIssued(new X509Certificate(Buffer.from(n.eumCertificate)))).toBe(true);
}

describe('virtual eUICC profile management (ES10c) and notifications (ES10b)', () => {
  it('EnableProfile switches profiles, asks for REFRESH and queues signed disable + enable notifications', () => {
    const { card, refreshes } = cardWith(operational);
    const ch = openIsdR(card);
    const resp = es10(card, encodeEnableProfileRequest({ profile: { iccid: OP_ICCID }, refreshFlag: true }), ch);
    expect(toHex(resp)).toBe('BF3103800100');
    expect(refreshes()).toBe(1);
    expect(card.activeIccid()).toBe(OP_ICCID);
    expect(card.state.profiles.find((p) => p.iccid === BOOTSTRAP_ICCID)!.state).toBe('disabled');

    const list = decodeListNotificationResponse(es10(card, encodeListNotificationRequest(), ch));
    expect(list).toEqual({
      ok: true,
      notifications: [
        { seqNumber: 1, profileManagementOperation: 'notificationDisable', notificationAddress: BOOTSTRAP_NOTIFICATION_ADDRESS, iccid: BOOTSTRAP_ICCID },
        { seqNumber: 2, profileManagementOperation: 'notificationEnable', notificationAddress: OP_ADDRESS, iccid: OP_ICCID },
      ],
    });
    const pending = retrieveAll(card);
    expect(pending.map((n) => n.metadata!.seqNumber)).toEqual([1, 2]);
    pending.forEach(expectValidSignature);
  });

  it('EnableProfile by ISD-P AID, without REFRESH', () => {
    const { card, refreshes } = cardWith(operational);
    const resp = es10(card, encodeEnableProfileRequest({ profile: { isdpAid: fromHex(operational.isdpAid) }, refreshFlag: false }));
    expect(decodeEnableProfileResponse(resp).result).toBe('ok');
    expect(refreshes()).toBe(0);
    expect(card.activeIccid()).toBe(OP_ICCID);
  });

  it('EnableProfile result codes: iccidOrAidNotFound, profileNotInDisabledState, disallowedByPolicy (PPR1)', () => {
    const { card, refreshes } = cardWith(operational);
    const ch = openIsdR(card);
    const enable = (iccid: string) => decodeEnableProfileResponse(es10(card, encodeEnableProfileRequest({ profile: { iccid }, refreshFlag: true }), ch));
    expect(enable('8988307000000000040')).toEqual({ result: 'iccidOrAidNotFound', resultCode: 1 });
    expect(enable(BOOTSTRAP_ICCID)).toEqual({ result: 'profileNotInDisabledState', resultCode: 2 });
    const locked = cardWith({ ...operational, state: 'enabled', profilePolicyRules: ['ppr1'] });
    locked.card.state.profiles[0]!.state = 'disabled';
    const r = decodeEnableProfileResponse(es10(locked.card, encodeEnableProfileRequest({ profile: { iccid: BOOTSTRAP_ICCID }, refreshFlag: true })));
    expect(r.result).toBe('disallowedByPolicy');
    expect(locked.card.activeIccid()).toBe(OP_ICCID);
    expect(refreshes()).toBe(0);
    expect(card.state.notifications).toHaveLength(0);
  });

  it('DisableProfile: ok with a disable notification; profileNotInEnabledState; disallowedByPolicy', () => {
    const { card, refreshes } = cardWith(operational);
    const ch = openIsdR(card);
    const disable = (iccid: string, refreshFlag = true) =>
      decodeDisableProfileResponse(es10(card, encodeDisableProfileRequest({ profile: { iccid }, refreshFlag }), ch)).result;
    expect(disable(OP_ICCID)).toBe('profileNotInEnabledState');
    expect(disable('8988307000000000040')).toBe('iccidOrAidNotFound');
    expect(disable(BOOTSTRAP_ICCID)).toBe('ok');
    expect(refreshes()).toBe(1);
    expect(card.activeIccid()).toBeUndefined();
    expect(card.state.notifications.map((n) => [n.operation, n.iccid])).toEqual([['disable', BOOTSTRAP_ICCID]]);

    const locked = cardWith({ ...operational, state: 'enabled', profilePolicyRules: ['ppr1'] });
    locked.card.state.profiles[0]!.state = 'disabled';
    expect(decodeDisableProfileResponse(es10(locked.card, encodeDisableProfileRequest({ profile: { iccid: OP_ICCID }, refreshFlag: false }))).result).toBe(
      'disallowedByPolicy',
    );
  });

  it('DeleteProfile: only disabled profiles, delete notification, PPR2 refuses', () => {
    const { card } = cardWith(operational, { ...operational, iccid: TEST_ICCID, isdpAid: 'A0000005591010FFFFFFFF8900001200', profilePolicyRules: ['ppr2'] });
    const ch = openIsdR(card);
    const del = (iccid: string) => decodeDeleteProfileResponse(es10(card, encodeDeleteProfileRequest({ profile: { iccid } }), ch)).result;
    expect(del(BOOTSTRAP_ICCID)).toBe('profileNotInDisabledState');
    expect(del(TEST_ICCID)).toBe('disallowedByPolicy');
    expect(del('8988307000000000040')).toBe('iccidOrAidNotFound');
    expect(del(OP_ICCID)).toBe('ok');
    expect(card.state.profiles.map((p) => p.iccid)).toEqual([BOOTSTRAP_ICCID, TEST_ICCID]);
    const [n] = retrieveAll(card);
    expect(n!.metadata).toEqual({ seqNumber: 1, profileManagementOperation: 'notificationDelete', notificationAddress: OP_ADDRESS, iccid: OP_ICCID });
    expectValidSignature(n!);
    expect(del(OP_ICCID)).toBe('iccidOrAidNotFound');
  });

  it('SetNickname sets and clears nicknames; unknown ICCID -> iccidNotFound', () => {
    const { card, path } = cardWith();
    const ch = openIsdR(card);
    const resp = es10(card, encodeSetNicknameRequest({ iccid: BOOTSTRAP_ICCID, profileNickname: 'Werk 7 ✓' }), ch);
    expect(toHex(resp)).toBe('BF2903800100');
    expect(card.state.profiles[0]!.nickname).toBe('Werk 7 ✓');
    expect(JSON.parse(readFileSync(path, 'utf8')).profiles[0].nickname).toBe('Werk 7 ✓');
    expect(decodeSetNicknameResponse(es10(card, encodeSetNicknameRequest({ iccid: OP_ICCID, profileNickname: 'x' }), ch)).result).toBe('iccidNotFound');
    es10(card, encodeSetNicknameRequest({ iccid: BOOTSTRAP_ICCID, profileNickname: '' }), ch);
    expect(card.state.profiles[0]!.nickname).toBeUndefined();
  });

  it('ListNotification and RetrieveNotificationsList filter by operation and seqNumber; RemoveNotificationFromList', () => {
    const { card } = cardWith(operational);
    const ch = openIsdR(card);
    es10(card, encodeEnableProfileRequest({ profile: { iccid: OP_ICCID }, refreshFlag: false }), ch); // 1 disable, 2 enable
    es10(card, encodeDeleteProfileRequest({ profile: { iccid: BOOTSTRAP_ICCID } }), ch); // 3 delete
    const enables = decodeListNotificationResponse(es10(card, encodeListNotificationRequest({ profileManagementOperation: ['notificationEnable'] }), ch));
    expect(enables.ok && enables.notifications.map((n) => n.seqNumber)).toEqual([2]);
    const two = decodeListNotificationResponse(
      es10(card, encodeListNotificationRequest({ profileManagementOperation: ['notificationDisable', 'notificationDelete'] }), ch),
    );
    expect(two.ok && two.notifications.map((n) => n.seqNumber)).toEqual([1, 3]);

    const bySeq = decodeRetrieveNotificationsListResponse(es10(card, encodeRetrieveNotificationsListRequest({ searchCriteria: { seqNumber: 3 } }), ch));
    expect(bySeq.ok && bySeq.notifications.map((n) => n.metadata!.profileManagementOperation)).toEqual(['notificationDelete']);
    const byOp = decodeRetrieveNotificationsListResponse(
      es10(card, encodeRetrieveNotificationsListRequest({ searchCriteria: { profileManagementOperation: ['notificationDisable'] } }), ch),
    );
    expect(byOp.ok && byOp.notifications.map((n) => n.metadata!.seqNumber)).toEqual([1]);
    const none = es10(card, encodeRetrieveNotificationsListRequest({ searchCriteria: { seqNumber: 99 } }), ch);
    expect(toHex(none)).toBe('BF2B03810101');
    expect(decodeRetrieveNotificationsListResponse(none)).toEqual({ ok: false, error: 'noResultAvailable', errorCode: 1 });

    const rm = (seqNumber: number) => decodeRemoveNotificationResponse(es10(card, encodeRemoveNotificationRequest({ seqNumber }), ch)).result;
    expect(toHex(es10(card, encodeRemoveNotificationRequest({ seqNumber: 2 }), ch))).toBe('BF3003800100');
    expect(rm(2)).toBe('nothingToDelete');
    expect(rm(1)).toBe('ok');
    expect(retrieveAll(card).map((n) => n.metadata!.seqNumber)).toEqual([3]);
    expect(rm(3)).toBe('ok');
    expect(toHex(es10(card, encodeListNotificationRequest(), ch))).toBe('BF2802A000');
    expect(toHex(es10(card, encodeRetrieveNotificationsListRequest(), ch))).toBe('BF2B02A000');
  });

  it('eUICCMemoryReset deletes operational profiles (enabled too, with REFRESH) and resets the default SM-DP+', () => {
    const { card, refreshes } = cardWith({ ...operational, state: 'enabled' }, { ...operational, iccid: TEST_ICCID, isdpAid: 'A0000005591010FFFFFFFF8900001200', profileClass: 'test' });
    card.state.profiles[0]!.state = 'disabled';
    card.store.state.defaultDpAddress = 'smdp.example.com';
    const ch = openIsdR(card);
    const reset = (opts: Parameters<typeof encodeMemoryResetRequest>[0]['resetOptions']) =>
      decodeMemoryResetResponse(es10(card, encodeMemoryResetRequest({ resetOptions: opts }), ch)).result;
    expect(reset(['deleteOperationalProfiles'])).toBe('ok');
    expect(refreshes()).toBe(1);
    expect(card.state.profiles.map((p) => p.iccid)).toEqual([BOOTSTRAP_ICCID, TEST_ICCID]);
    expect(card.activeIccid()).toBeUndefined();
    expect(reset(['deleteOperationalProfiles'])).toBe('nothingToDelete');
    expect(reset(['deleteFieldLoadedTestProfiles', 'resetDefaultSmdpAddress'])).toBe('ok');
    expect(card.state.profiles.map((p) => p.iccid)).toEqual([BOOTSTRAP_ICCID]);
    expect(card.state.defaultDpAddress).toBe('');
    expect(reset(['deleteOperationalProfiles', 'deleteFieldLoadedTestProfiles', 'resetDefaultSmdpAddress'])).toBe('nothingToDelete');
    expect(card.state.notifications).toHaveLength(0);
  });

  it('keeps at most MAX_PENDING_NOTIFICATIONS, dropping the oldest', () => {
    const { card } = cardWith(operational);
    const ch = openIsdR(card);
    for (let i = 0; i < 20; i++) {
      const iccid = i % 2 === 0 ? OP_ICCID : BOOTSTRAP_ICCID;
      expect(decodeEnableProfileResponse(es10(card, encodeEnableProfileRequest({ profile: { iccid }, refreshFlag: false }), ch)).result).toBe('ok');
    }
    const seqs = card.state.notifications.map((n) => n.seqNumber);
    expect(seqs).toHaveLength(MAX_PENDING_NOTIFICATIONS);
    expect(seqs[0]).toBe(40 - MAX_PENDING_NOTIFICATIONS + 1);
    expect(seqs.at(-1)).toBe(40);
  });

  it('keeps profiles and signed notifications across a reload from the JSON file', () => {
    const { card, path } = cardWith(operational);
    es10(card, encodeEnableProfileRequest({ profile: { iccid: OP_ICCID }, refreshFlag: true }));
    const before = retrieveAll(card).map((n) => toHex(n.raw));
    const again = openVirtualEuicc({ statePath: path });
    expect(again.activeIccid()).toBe(OP_ICCID);
    expect(retrieveAll(again).map((n) => toHex(n.raw))).toEqual(before);
    es10(again, encodeDisableProfileRequest({ profile: { iccid: OP_ICCID }, refreshFlag: false }));
    const third = openVirtualEuicc({ statePath: path });
    expect(retrieveAll(third).map((n) => n.metadata!.seqNumber)).toEqual([1, 2, 3]);
    expect(third.state.nextSeqNumber).toBe(4);
  });
});
