/**
 * Golden hex vectors for every ES10 request and response, built by hand from the SGP.22 ASN.1
 * (AUTOMATIC TAGS), plus decode(encode(x)) == x.
 */
import { describe, expect, it } from 'vitest';
import * as es10 from '../../src/es10/index.js';
import { isLpaError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';

const ICCID = '8949449999999990049';
const ICCID_BCD = '5A0A989444999999990940F9';
const AID = 'A0000005591010FFFFFFFF8900001000';
const TX = '576DB55F33E54E99AF3A62C9829BBE77';
const SIG = `5F3740${'11'.repeat(64)}`;
const CERT1 = '3003020101';
const CERT2 = '3003020102';

/** encode(x) must give `hex`, and decode(hex) must give x back. */
function golden<T>(encode: (x: T) => Uint8Array, decode: (der: Uint8Array) => T, x: T, hex: string): void {
  expect(toHex(encode(x))).toBe(hex);
  expect(decode(fromHex(hex))).toEqual(x);
}

describe('empty requests', () => {
  it.each([
    ['EuiccInfo1', es10.encodeEuiccInfo1Request, es10.decodeEuiccInfo1Request, 'BF2000'],
    ['EuiccInfo2', es10.encodeEuiccInfo2Request, es10.decodeEuiccInfo2Request, 'BF2200'],
    ['EuiccChallenge', es10.encodeEuiccChallengeRequest, es10.decodeEuiccChallengeRequest, 'BF2E00'],
    ['ConfiguredAddresses', es10.encodeConfiguredAddressesRequest, es10.decodeConfiguredAddressesRequest, 'BF3C00'],
    ['GetRat', es10.encodeGetRatRequest, es10.decodeGetRatRequest, 'BF4300'],
  ])('%s', (_n, enc, dec, hex) => {
    expect(toHex(enc())).toBe(hex);
    expect(dec(fromHex(hex))).toEqual({});
    expect(() => dec(fromHex('BF3F00'))).toThrow(/expected tag/);
  });
});

describe('GetEID', () => {
  it('request is BF3E035C015A', () => {
    expect(toHex(es10.encodeGetEidRequest())).toBe('BF3E035C015A');
    expect(toHex(es10.decodeGetEidRequest(fromHex('BF3E035C015A')).tagList)).toBe('5A');
  });
  it('response', () => {
    golden(es10.encodeGetEidResponse, es10.decodeGetEidResponse, { eid: '89049032123451234512345678901235' }, 'BF3E125A1089049032123451234512345678901235');
    expect(() => es10.decodeGetEidResponse(fromHex('BF3E125A1089049032123451234512345678901A35'))).toThrow(/not decimal/);
    expect(() => es10.decodeGetEidResponse(fromHex('BF3E045A021234'))).toThrow(/2 bytes, expected 16/);
  });
});

describe('GetEUICCChallenge', () => {
  it('response', () => {
    golden(es10.encodeEuiccChallengeResponse, es10.decodeEuiccChallengeResponse, { euiccChallenge: fromHex('6FF64B62254A454A42FD5DB167F4BEA6') }, 'BF2E12801' + '06FF64B62254A454A42FD5DB167F4BEA6');
  });
});

describe('GetEuiccConfiguredAddresses / SetDefaultDpAddress', () => {
  it('addresses', () => {
    golden(es10.encodeConfiguredAddressesResponse, es10.decodeConfiguredAddressesResponse, { defaultDpAddress: 'dp.io', rootDsAddress: 'ds.io' }, 'BF3C0E800564702E696F810564732E696F');
    golden(es10.encodeConfiguredAddressesResponse, es10.decodeConfiguredAddressesResponse, { rootDsAddress: 'ds.io' }, 'BF3C07810564732E696F');
  });
  it('set default', () => {
    golden(es10.encodeSetDefaultDpAddressRequest, es10.decodeSetDefaultDpAddressRequest, { defaultDpAddress: 'dp.io' }, 'BF3F07800564702E696F');
    golden(es10.encodeSetDefaultDpAddressResponse, es10.decodeSetDefaultDpAddressResponse, { result: 'ok', resultCode: 0 }, 'BF3F03800100');
    golden(es10.encodeSetDefaultDpAddressResponse, es10.decodeSetDefaultDpAddressResponse, { result: 'undefinedError', resultCode: 127 }, 'BF3F0380017F');
  });
});

describe('GetProfilesInfo', () => {
  it('requests', () => {
    golden(es10.encodeProfilesInfoRequest, es10.decodeProfilesInfoRequest, {}, 'BF2D00');
    golden(es10.encodeProfilesInfoRequest, es10.decodeProfilesInfoRequest, { tagList: fromHex('5A9F70') }, 'BF2D055C035A9F70');
    golden(es10.encodeProfilesInfoRequest, es10.decodeProfilesInfoRequest, { searchCriteria: { iccid: ICCID }, tagList: fromHex('5A') }, `BF2D11A00C${ICCID_BCD}5C015A`);
    golden(es10.encodeProfilesInfoRequest, es10.decodeProfilesInfoRequest, { searchCriteria: { profileClass: 'operational' } }, 'BF2D05A003950102');
    golden(es10.encodeProfilesInfoRequest, es10.decodeProfilesInfoRequest, { searchCriteria: { isdpAid: fromHex(AID) } }, `BF2D14A0124F10${AID}`);
  });

  it('response with one full profile', () => {
    const profile: es10.ProfileInfo = {
      iccid: ICCID,
      isdpAid: fromHex(AID),
      state: 'enabled',
      stateCode: 1,
      nickname: 'x',
      serviceProviderName: 'sp',
      profileName: 'p',
      iconType: 'png',
      iconTypeCode: 1,
      profileClass: 'operational',
      profileClassCode: 2,
      profileOwner: { mccMnc: fromHex('00F110') },
      ppr: ['ppr1'],
    };
    const e3 = `E33D${ICCID_BCD}4F10${AID}9F700101900178910273709201709301019501 02B7058003 00F11099020640`.replace(/ /g, '');
    golden(es10.encodeProfilesInfoResponse, es10.decodeProfilesInfoResponse, { ok: true, profiles: [profile] }, `BF2D41A03F${e3}`);
  });

  it('response with notification configuration, icon and dpProprietaryData', () => {
    const profile: es10.ProfileInfo = {
      iccid: ICCID,
      icon: fromHex('89504E47'),
      notificationConfigurationInfo: [{ profileManagementOperation: ['notificationEnable', 'notificationDisable'], notificationAddress: 'dp.io' }],
      dpProprietaryData: fromHex('B8050603883701'),
    };
    // E3: 5A(12) 94 04 (6) B6 0D 30 0B 80 02 05 60 81 05 dp.io (15) B8 05 ... (7) = 40
    const hex = `BF2D2CA02AE328${ICCID_BCD}940489504E47B60D300B8002056081056470 2E696FB8050603883701`.replace(/ /g, '');
    golden(es10.encodeProfilesInfoResponse, es10.decodeProfilesInfoResponse, { ok: true, profiles: [profile] }, hex);
  });

  it('empty list and error', () => {
    golden(es10.encodeProfilesInfoResponse, es10.decodeProfilesInfoResponse, { ok: true, profiles: [] }, 'BF2D02A000');
    golden(es10.encodeProfilesInfoResponse, es10.decodeProfilesInfoResponse, { ok: false, error: 'incorrectInputValues', errorCode: 1 }, 'BF2D03810101');
  });

  it('ignores unknown extension fields in ProfileInfo', () => {
    const r = es10.decodeProfilesInfoResponse(fromHex(`BF2D18A016E314${ICCID_BCD}9F7001009F7F0100`));
    expect(r).toEqual({ ok: true, profiles: [{ iccid: ICCID, state: 'disabled', stateCode: 0 }] });
  });
});

describe('Enable / Disable / Delete', () => {
  it('enable', () => {
    golden(es10.encodeEnableProfileRequest, es10.decodeEnableProfileRequest, { profile: { iccid: ICCID }, refreshFlag: true }, `BF3111A00C${ICCID_BCD}8101FF`);
    golden(es10.encodeEnableProfileRequest, es10.decodeEnableProfileRequest, { profile: { isdpAid: fromHex(AID) }, refreshFlag: false }, `BF3117A0124F10${AID}810100`);
    golden(es10.encodeEnableProfileResponse, es10.decodeEnableProfileResponse, { result: 'ok', resultCode: 0 }, 'BF3103800100');
    golden(es10.encodeEnableProfileResponse, es10.decodeEnableProfileResponse, { result: 'profileNotInDisabledState', resultCode: 2 }, 'BF3103800102');
    expect(es10.decodeEnableProfileResponse(fromHex('BF3103800109'))).toEqual({ result: 'unknown', resultCode: 9 });
  });
  it('disable', () => {
    golden(es10.encodeDisableProfileRequest, es10.decodeDisableProfileRequest, { profile: { iccid: ICCID }, refreshFlag: true }, `BF3211A00C${ICCID_BCD}8101FF`);
    golden(es10.encodeDisableProfileResponse, es10.decodeDisableProfileResponse, { result: 'profileNotInEnabledState', resultCode: 2 }, 'BF3203800102');
  });
  it('delete', () => {
    golden(es10.encodeDeleteProfileRequest, es10.decodeDeleteProfileRequest, { profile: { iccid: ICCID } }, `BF330C${ICCID_BCD}`);
    golden(es10.encodeDeleteProfileRequest, es10.decodeDeleteProfileRequest, { profile: { isdpAid: fromHex(AID) } }, `BF33124F10${AID}`);
    golden(es10.encodeDeleteProfileResponse, es10.decodeDeleteProfileResponse, { result: 'iccidOrAidNotFound', resultCode: 1 }, 'BF3303800101');
  });
  it('encoders take the name alone', () => {
    expect(toHex(es10.encodeDeleteProfileResponse({ result: 'disallowedByPolicy' }))).toBe('BF3303800103');
  });
});

describe('SetNickname / MemoryReset / RemoveNotification', () => {
  it('nickname', () => {
    golden(es10.encodeSetNicknameRequest, es10.decodeSetNicknameRequest, { iccid: ICCID, profileNickname: 'x' }, `BF290F${ICCID_BCD}900178`);
    golden(es10.encodeSetNicknameResponse, es10.decodeSetNicknameResponse, { result: 'iccidNotFound', resultCode: 1 }, 'BF2903800101');
    // SIZE(0..64) counts characters, not bytes: 64 two-byte or four-byte characters are fine
    expect(es10.decodeSetNicknameRequest(es10.encodeSetNicknameRequest({ iccid: ICCID, profileNickname: 'é'.repeat(64) })).profileNickname).toBe('é'.repeat(64));
    expect(es10.decodeSetNicknameRequest(es10.encodeSetNicknameRequest({ iccid: ICCID, profileNickname: '😀'.repeat(64) })).profileNickname).toBe('😀'.repeat(64));
    expect(() => es10.encodeSetNicknameRequest({ iccid: ICCID, profileNickname: 'é'.repeat(65) })).toThrow(/at most 64/);
  });
  it('memory reset', () => {
    golden(es10.encodeMemoryResetRequest, es10.decodeMemoryResetRequest, { resetOptions: ['deleteOperationalProfiles', 'deleteFieldLoadedTestProfiles'] }, 'BF3404820206C0');
    golden(es10.encodeMemoryResetRequest, es10.decodeMemoryResetRequest, { resetOptions: ['deleteOperationalProfiles', 'deleteFieldLoadedTestProfiles', 'resetDefaultSmdpAddress'] }, 'BF3404820205E0');
    golden(es10.encodeMemoryResetResponse, es10.decodeMemoryResetResponse, { result: 'nothingToDelete', resultCode: 1 }, 'BF3403800101');
  });
  it('remove notification', () => {
    golden(es10.encodeRemoveNotificationRequest, es10.decodeRemoveNotificationRequest, { seqNumber: 5 }, 'BF3003800105');
    golden(es10.encodeRemoveNotificationRequest, es10.decodeRemoveNotificationRequest, { seqNumber: 300 }, 'BF300480020 12C'.replace(' ', ''));
    golden(es10.encodeRemoveNotificationResponse, es10.decodeRemoveNotificationResponse, { result: 'ok', resultCode: 0 }, 'BF3003800100');
  });
});

const MD: es10.NotificationMetadata = { seqNumber: 1, profileManagementOperation: 'notificationInstall', notificationAddress: 'dp.io', iccid: ICCID };
const MD_HEX = `BF2F1A80010181020780 0C0564702E696F${ICCID_BCD}`.replace(/ /g, '');

describe('ListNotification / NotificationMetadata', () => {
  it('metadata', () => {
    golden(es10.encodeNotificationMetadata, es10.decodeNotificationMetadata, MD, MD_HEX);
    golden(es10.encodeNotificationMetadata, es10.decodeNotificationMetadata, { seqNumber: 2, profileManagementOperation: 'notificationDelete', notificationAddress: 'dp.io' }, 'BF2F0E8001028102041 00C0564702E696F'.replace(/ /g, ''));
    expect(() => es10.decodeNotificationMetadata(fromHex('BF2F0E800102810204F00C0564702E696F'))).toThrow(/4 bits set/);
  });
  it('requests', () => {
    golden(es10.encodeListNotificationRequest, es10.decodeListNotificationRequest, {}, 'BF2800');
    golden(es10.encodeListNotificationRequest, es10.decodeListNotificationRequest, { profileManagementOperation: ['notificationInstall'] }, 'BF2804810207 80'.replace(' ', ''));
  });
  it('responses', () => {
    golden(es10.encodeListNotificationResponse, es10.decodeListNotificationResponse, { ok: true, notifications: [MD] }, `BF281FA01D${MD_HEX}`);
    golden(es10.encodeListNotificationResponse, es10.decodeListNotificationResponse, { ok: false, error: 'undefinedError', errorCode: 127 }, 'BF280381017F');
  });
});

const PIR_DATA_HEX = `BF2733800201 02${MD_HEX}060388370AA20BA0094F05A0000005590400`.replace(/ /g, '');
const PIR_HEX = `BF3779${PIR_DATA_HEX}${SIG}`;
const OTHER_TBS = MD_HEX.replace('BF2F1A800101810207 80'.replace(' ', ''), 'BF2F1A800102810206 40'.replace(' ', ''));
const OTHER_HEX = `306A${OTHER_TBS}${SIG}${CERT1}${CERT2}`;

describe('ProfileInstallationResult', () => {
  const data: es10.ProfileInstallationResultData = {
    transactionId: fromHex('0102'),
    notificationMetadata: MD,
    smdpOid: '2.999.10',
    finalResult: { success: true, aid: fromHex('A000000559'), simaResponse: new Uint8Array(0) },
  };
  it('success', () => {
    const dataDer = es10.encodeProfileInstallationResultData(data);
    expect(toHex(dataDer)).toBe(PIR_DATA_HEX);
    const der = es10.encodeProfileInstallationResult(dataDer, fromHex(SIG));
    expect(toHex(der)).toBe(PIR_HEX);
    const back = es10.decodeProfileInstallationResult(der);
    expect(back).toEqual({ ...data, raw: der, dataRaw: dataDer, euiccSignPIR: fromHex(SIG) });
  });
  it('error', () => {
    const err: es10.ProfileInstallationResultData = {
      transactionId: fromHex('0102'),
      notificationMetadata: MD,
      finalResult: { success: false, bppCommandId: 'loadProfileElements', bppCommandIdCode: 5, errorReason: 'installFailedDueToInsufficientMemoryForProfile', errorReasonCode: 10 },
    };
    const dataDer = es10.encodeProfileInstallationResultData(err);
    expect(toHex(dataDer)).toBe(`BF272B80020102${MD_HEX}A208A106800105810 10A`.replace(/ /g, ''));
    const back = es10.decodeProfileInstallationResult(es10.encodeProfileInstallationResult(dataDer, fromHex(SIG)));
    expect(back.finalResult).toEqual(err.finalResult);
    expect(back.smdpOid).toBeUndefined();
  });
  it('refuses a non-BF27 signed part', () => {
    expect(() => es10.encodeProfileInstallationResult(fromHex('3000'), fromHex(SIG))).toThrow(/BF27/);
  });
});

describe('RetrieveNotificationsList', () => {
  it('requests', () => {
    golden(es10.encodeRetrieveNotificationsListRequest, es10.decodeRetrieveNotificationsListRequest, {}, 'BF2B00');
    golden(es10.encodeRetrieveNotificationsListRequest, es10.decodeRetrieveNotificationsListRequest, { searchCriteria: { seqNumber: 5 } }, 'BF2B05A003800105');
    golden(es10.encodeRetrieveNotificationsListRequest, es10.decodeRetrieveNotificationsListRequest, { searchCriteria: { profileManagementOperation: ['notificationInstall'] } }, 'BF2B06A00481020780');
  });
  it('response keeps each pending notification raw', () => {
    const der = fromHex(`BF2B81EBA081E8${PIR_HEX}${OTHER_HEX}`);
    const r = es10.decodeRetrieveNotificationsListResponse(der);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [pir, other] = r.notifications;
    expect(pir!.kind).toBe('profileInstallationResult');
    expect(toHex(pir!.raw)).toBe(PIR_HEX);
    expect(pir!.metadata).toEqual(MD);
    expect(other!.kind).toBe('otherSignedNotification');
    expect(toHex(other!.raw)).toBe(OTHER_HEX);
    expect(other!.metadata).toEqual({ ...MD, seqNumber: 2, profileManagementOperation: 'notificationEnable' });
    if (other!.kind === 'otherSignedNotification') {
      expect(toHex(other!.tbsOtherNotification)).toBe(OTHER_TBS);
      expect(toHex(other!.euiccCertificate)).toBe(CERT1);
      expect(toHex(other!.eumCertificate)).toBe(CERT2);
      expect(toHex(es10.encodeOtherSignedNotification(other!))).toBe(OTHER_HEX);
    }
    expect(toHex(es10.encodeRetrieveNotificationsListResponse(r))).toBe(toHex(der));
    expect(es10.decodePendingNotification(fromHex(OTHER_HEX))).toEqual(other);
  });
  it('empty and error', () => {
    golden(es10.encodeRetrieveNotificationsListResponse, es10.decodeRetrieveNotificationsListResponse, { ok: true, notifications: [] }, 'BF2B02A000');
    golden(es10.encodeRetrieveNotificationsListResponse, es10.decodeRetrieveNotificationsListResponse, { ok: false, error: 'noResultAvailable', errorCode: 1 }, 'BF2B03810101');
  });
});

describe('CancelSession', () => {
  it('request', () => {
    golden(es10.encodeCancelSessionRequest, es10.decodeCancelSessionRequest, { transactionId: fromHex(TX), reason: 'postponed', reasonCode: 1 }, `BF411580 10${TX}810101`.replace(' ', ''));
  });
  it('response', () => {
    const signed = es10.encodeEuiccCancelSessionSigned({ transactionId: fromHex(TX), smdpOid: '2.999.10', reason: 'postponed' });
    expect(toHex(signed)).toBe(`301A8010${TX}810388370A820101`);
    expect(es10.decodeEuiccCancelSessionSigned(signed)).toEqual({ transactionId: fromHex(TX), smdpOid: '2.999.10', reason: 'postponed', reasonCode: 1 });
    golden(
      es10.encodeCancelSessionResponse,
      es10.decodeCancelSessionResponse,
      { ok: true, euiccCancelSessionSigned: signed, euiccCancelSessionSignature: fromHex(SIG) },
      `BF4161A05F${toHex(signed)}${SIG}`,
    );
    golden(es10.encodeCancelSessionResponse, es10.decodeCancelSessionResponse, { ok: false, error: 'invalidTransactionId', errorCode: 5 }, 'BF4103810105');
  });
});

describe('GetRAT', () => {
  it('response', () => {
    golden(
      es10.encodeGetRatResponse,
      es10.decodeGetRatResponse,
      { rat: [{ pprIds: ['ppr1', 'ppr2'], allowedOperators: [{ mccMnc: fromHex('00F110') }], pprFlags: ['consentRequired'] }] },
      'BF4315A013301180020560A10730058003 00F11082020780'.replace(' ', ''),
    );
    golden(es10.encodeGetRatResponse, es10.decodeGetRatResponse, { rat: [] }, 'BF4302A000');
  });
});

describe('wrong input', () => {
  it.each([
    ['wrong top tag', () => es10.decodeEnableProfileResponse(fromHex('BF3203800100'))],
    ['missing result', () => es10.decodeEnableProfileResponse(fromHex('BF3103810100'))],
    ['primitive where constructed', () => es10.decodeEnableProfileResponse(fromHex('9F3103800100'))],
    ['bad ICCID nibble', () => es10.decodeSetNicknameRequest(fromHex(`BF290F5A0A9894449999999909A0F9900178`))],
    ['unknown alternative', () => es10.decodeProfilesInfoResponse(fromHex('BF2D03820101'))],
    ['two alternatives', () => es10.decodeCancelSessionResponse(fromHex('BF4106810105810105'))],
    ['bad UTF-8', () => es10.decodeConfiguredAddressesResponse(fromHex('BF3C048102C328'))],
  ])('%s -> ASN1_DECODE', (_n, f) => {
    try {
      f();
      expect.unreachable();
    } catch (e) {
      expect(isLpaError(e, 'ASN1_DECODE')).toBe(true);
    }
  });
});
