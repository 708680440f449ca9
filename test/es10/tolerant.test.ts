import { describe, expect, it } from 'vitest';
import { encIccid } from '../../src/es10/common.js';
import { encInt, encNamedBits, encUtf8, tlv } from '../../src/es10/der.js';
import { decodeEuiccInfo2Response, encodeEuiccInfo2Response, type EuiccInfo2 } from '../../src/es10/euiccInfo2.js';
import { decodeListNotificationResponse } from '../../src/es10/listNotification.js';
import { encodeNotificationMetadata } from '../../src/es10/notificationMetadata.js';
import { encodeProfileInstallationResult, encodeProfileInstallationResultData, readInstallResult } from '../../src/es10/profileInstallationResult.js';
import { decodeProfilesInfoResponse, encodeProfileInfo } from '../../src/es10/profilesInfo.js';
import { NOTIFICATION_EVENT_BITS } from '../../src/es10/results.js';
import { decodeRetrieveNotificationsListResponse } from '../../src/es10/retrieveNotificationsList.js';
import { encodeStoreMetadata, readStoreMetadataTolerant } from '../../src/es10/storeMetadata.js';
import { fromHex } from '../../src/util/hex.js';
import { judgeInstallResult } from '../../src/lpa/install.js';

const ICCID = '8949449999999990049';

describe('tolerant decoding of what real cards return', () => {
  it('UTF8String SIZE counts characters: 32 CJK characters of provider name, 64 emoji of nickname, 64 CJK of name list', () => {
    const spn = '中国移动通信集团有限公司'.repeat(3).slice(0, 32);
    const nickname = '😀'.repeat(64);
    const name = '测'.repeat(64);
    expect([...spn]).toHaveLength(32);
    const r = decodeProfilesInfoResponse(tlv(0xbf2d, tlv(0xa0, encodeProfileInfo({ iccid: ICCID, serviceProviderName: spn, nickname, profileName: name }))));
    expect(r.ok && r.profiles[0]).toMatchObject({ iccid: ICCID, serviceProviderName: spn, nickname, profileName: name });
    expect(r.ok && r.profiles[0]!.problems).toBeUndefined();
  });

  it('one bad profile (a non-BCD ICCID digit, a truncated entry) does not hide the others', () => {
    const good = encodeProfileInfo({ iccid: ICCID, profileName: 'good', state: 'enabled' });
    const badIccid = tlv(0xe3, tlv(0x5a, fromHex('98A444999999990940F9')), encUtf8(0x92, 'bad iccid'), encInt(0x9f70, 0));
    const badEntry = tlv(0xe3, tlv(0x5a, fromHex('98')));
    const notE3 = tlv(0x30, new Uint8Array(0));
    const r = decodeProfilesInfoResponse(tlv(0xbf2d, tlv(0xa0, badIccid, good, badEntry, notE3)));
    if (!r.ok) throw new Error('expected ok');
    expect(r.profiles).toHaveLength(4);
    expect(r.profiles[0]).toMatchObject({ iccidHex: '98A444999999990940F9', profileName: 'bad iccid', state: 'disabled' });
    expect(r.profiles[0]!.problems![0]).toMatch(/not BCD/);
    expect(r.profiles[1]).toMatchObject({ iccid: ICCID, profileName: 'good' });
    expect(r.profiles[2]!.problems![0]).toMatch(/iccid: 1 bytes/);
    expect(r.profiles[3]!.problems![0]).toMatch(/E3/);
  });

  it('notifications: two operation bits, a malformed one and a missing signature are listed with the rest', () => {
    const ok = encodeNotificationMetadata({ seqNumber: 1, profileManagementOperation: 'notificationEnable', notificationAddress: 'smdp.example.com', iccid: ICCID });
    const twoBits = tlv(0xbf2f, encInt(0x80, 2), encNamedBits(0x81, ['notificationEnable', 'notificationDisable'], NOTIFICATION_EVENT_BITS), encUtf8(0x0c, 'smdp.example.com'));
    const noSeq = tlv(0xbf2f, encUtf8(0x0c, 'smdp.example.com'));
    const list = decodeListNotificationResponse(tlv(0xbf28, tlv(0xa0, ok, twoBits, noSeq)));
    if (!list.ok) throw new Error('expected ok');
    expect(list.notifications.map((n) => [n.seqNumber, n.profileManagementOperation, n.problem])).toEqual([
      [1, 'notificationEnable', undefined],
      [2, 'notificationEnable', '2 operation bits set (notificationEnable, notificationDisable), expected exactly 1'],
    ]);
    expect(list.malformed).toHaveLength(1);

    // RetrieveNotificationsList: an OtherSignedNotification without its signature and certificates
    const unsigned = tlv(0x30, ok);
    const r = decodeRetrieveNotificationsListResponse(tlv(0xbf2b, tlv(0xa0, unsigned, tlv(0x04, Uint8Array.of(1)))));
    if (!r.ok) throw new Error('expected ok');
    expect(r.notifications.map((n) => n.kind)).toEqual(['malformed', 'malformed']);
    expect(r.notifications[0]!.metadata).toMatchObject({ seqNumber: 1, notificationAddress: 'smdp.example.com' });
    expect(r.notifications[1]!.metadata).toBeUndefined();
  });

  it('EUICCInfo2 without ppVersion and sasAcreditationNumber still decodes', () => {
    const info: EuiccInfo2 = {
      profileVersion: '2.3.1',
      svn: '2.2.2',
      euiccFirmwareVer: '1.0.0',
      extCardResource: fromHex('810100'),
      uiccCapability: ['usimSupport'],
      rspCapability: ['additionalProfile'],
      euiccCiPKIdListForVerification: [fromHex('F54172BDF98A95D65CBEB88A38A1C11D800A85C3')],
      euiccCiPKIdListForSigning: [fromHex('F54172BDF98A95D65CBEB88A38A1C11D800A85C3')],
    };
    const decoded = decodeEuiccInfo2Response(encodeEuiccInfo2Response(info));
    expect(decoded.ppVersion).toBeUndefined();
    expect(decoded.sasAcreditationNumber).toBeUndefined();
    expect(decoded.svn).toBe('2.2.2');
  });

  it('profile metadata for display never throws: what reads is kept', () => {
    const good = encodeStoreMetadata({ iccid: ICCID, serviceProviderName: 'GSMA', profileName: 'x', profilePolicyRules: ['ppr2'] });
    expect(readStoreMetadataTolerant(good)).toEqual({ metadata: expect.objectContaining({ iccid: ICCID, profilePolicyRules: ['ppr2'] }) });
    const badName = tlv(0xbf25, encIccid(ICCID), encUtf8(0x91, 'GSMA'), tlv(0x92, Uint8Array.of(0xff, 0xfe)));
    const r = readStoreMetadataTolerant(badName);
    expect(r.problem).toMatch(/UTF-8/);
    expect(r.metadata).toMatchObject({ iccid: ICCID, serviceProviderName: 'GSMA' });
    expect(readStoreMetadataTolerant(fromHex('0102')).metadata).toEqual({});
  });

  it('an install result is read as far as it decodes (truncated signature, garbage)', () => {
    const data = encodeProfileInstallationResultData({
      transactionId: fromHex('0102'),
      notificationMetadata: { seqNumber: 7, profileManagementOperation: 'notificationInstall', notificationAddress: 'smdp.example.com', iccid: ICCID },
      finalResult: { success: false, bppCommandId: 'storeMetadata', errorReason: 'pprNotAllowed' },
    });
    const pir = encodeProfileInstallationResult(data, tlv(0x5f37, new Uint8Array(64)));
    expect(readInstallResult(pir).result).toBeDefined();
    const cut = readInstallResult(pir.slice(0, pir.length - 20));
    expect(cut.result).toBeUndefined();
    expect(cut.problem).toBeDefined();
    expect(cut.notificationMetadata?.seqNumber).toBe(7);
    expect(cut.finalResult).toMatchObject({ success: false, errorReason: 'pprNotAllowed' });
    const junk = readInstallResult(fromHex('BF3704A902DEAD'));
    expect(junk.finalResult).toBeUndefined();
    expect(readInstallResult(new Uint8Array(0)).problem).toBeDefined();
  });
});

describe('judging the card\'s install result', () => {
  const result = (tx: string, success: boolean) =>
    encodeProfileInstallationResult(
      encodeProfileInstallationResultData({
        transactionId: fromHex(tx),
        notificationMetadata: { seqNumber: 9, profileManagementOperation: 'notificationInstall', notificationAddress: 'smdp.example.com', iccid: ICCID },
        finalResult: success
          ? { success: true, aid: fromHex('A0000005591010FFFFFFFF8900001100'), simaResponse: fromHex('3007A0053003800100') }
          : { success: false, bppCommandId: 'loadProfileElements', errorReason: 'installFailedDueToIccidAlreadyExistsOnEuicc' },
      }),
      tlv(0x5f37, new Uint8Array(64)),
    );
  const judge = (raw: Uint8Array, tx = '0102') => judgeInstallResult({ raw, reading: readInstallResult(raw) }, fromHex(tx));

  it('installed, failed, or unreadable (also when the result names another transaction)', () => {
    expect(judge(result('0102', true))).toMatchObject({ kind: 'installed', seqNumber: 9, iccid: ICCID });
    expect(judge(result('0102', false))).toMatchObject({ kind: 'failed', seqNumber: 9, result: { errorReason: 'installFailedDueToIccidAlreadyExistsOnEuicc' } });
    expect(judge(result('0304', true))).toMatchObject({ kind: 'unreadable', problem: expect.stringMatching(/names transaction 0304, not 0102/) });
    expect(judge(fromHex('BF3704A902DEAD'))).toMatchObject({ kind: 'unreadable' });
  });
});
