/**
 * Fuzz: decode(encode(x)) = x for ES10 codecs, with arbitrary field values (any ICCID length
 * 18-20, any enum code including unknown ones, any bit set including unnamed bits, any UTF-8 text
 * within the SGP.22 size limits, optional fields present or not). Encoders given out-of-range
 * values must fail with ASN1_ENCODE only. Complements the fixed golden vectors in
 * test/es10/codecs.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as es10 from '../../src/es10/index.js';
import { decodeIccidEf } from '../../drivers/at/lines.js';
import { iccidFromBcd, iccidToBcd } from '../../src/ids/iccid.js';
import { encodeTlv } from './helpers.js';
import { onlyTyped } from './helpers.js';

const RUNS = 2000;

// ---- field arbitraries

const iccid = fc.stringMatching(/^[0-9]{18,20}$/);
const aid = fc.uint8Array({ minLength: 1, maxLength: 16 });
const int48 = fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 });
const code = fc.oneof(fc.integer({ min: 0, max: 127 }), int48);

/** Valid Unicode text (no lone surrogates) of at most `maxBytes` UTF-8 bytes; BOMs included on purpose. */
function text(maxBytes: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('', '', '', '\uFEFF'), fc.string({ unit: 'grapheme', maxLength: Math.min(40, maxBytes) }))
    .map(([a, b]) => a + b)
    .filter((s) => Buffer.byteLength(s, 'utf8') <= maxBytes);
}

/** Unique bit indexes, sorted, mapped to names (or bitN): what readNamedBits returns. */
function namedBits<N extends string>(names: readonly N[], max = 24): fc.Arbitrary<(N | `bit${number}`)[]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max }), { maxLength: 6 })
    .map((bits) => [...bits].sort((a, b) => a - b).map((i) => names[i] ?? (`bit${i}` as const)));
}

function enumOf<T extends es10.EnumTable>(table: T): fc.Arbitrary<{ name: es10.NameOf<T> | 'unknown'; code: number }> {
  return code.map((c) => ({ name: es10.enumName(table, c), code: c }));
}

function resultResponse<T extends es10.EnumTable>(table: T): fc.Arbitrary<es10.ResultResponse<es10.NameOf<T>>> {
  return enumOf(table).map((e) => ({ result: e.name, resultCode: e.code }));
}

function errorAnswer<T extends es10.EnumTable>(table: T): fc.Arbitrary<es10.ErrorAnswer<es10.NameOf<T>>> {
  return enumOf(table).map((e) => ({ ok: false as const, error: e.name, errorCode: e.code }));
}

const profileId: fc.Arbitrary<es10.ProfileId> = fc.oneof(iccid.map((i) => ({ iccid: i })), aid.map((a) => ({ isdpAid: a })));

const operatorId: fc.Arbitrary<es10.OperatorId> = fc.record(
  { mccMnc: fc.uint8Array({ minLength: 3, maxLength: 3 }), gid1: fc.uint8Array({ maxLength: 255 }), gid2: fc.uint8Array({ maxLength: 8 }) },
  { requiredKeys: ['mccMnc'] },
);

const metadata: fc.Arbitrary<es10.NotificationMetadata> = fc.record(
  {
    seqNumber: int48,
    profileManagementOperation: fc.integer({ min: 0, max: 15 }).map((i) => es10.NOTIFICATION_EVENT_BITS[i] ?? (`bit${i}` as const)),
    notificationAddress: text(255),
    iccid,
  },
  { requiredKeys: ['seqNumber', 'profileManagementOperation', 'notificationAddress'] },
);

const enumPair = <T extends es10.EnumTable>(table: T, nameKey: string, codeKey: string): fc.Arbitrary<Record<string, unknown>> =>
  fc.option(enumOf(table), { nil: undefined }).map((e) => (e ? { [nameKey]: e.name, [codeKey]: e.code } : {}));

const profileInfo: fc.Arbitrary<es10.ProfileInfo> = fc
  .tuple(
    fc.record(
      {
        iccid,
        isdpAid: aid,
        nickname: text(64),
        serviceProviderName: text(64),
        profileName: text(128),
        icon: fc.uint8Array({ maxLength: 1024 }),
        notificationConfigurationInfo: fc.array(
          fc.record({ profileManagementOperation: namedBits(es10.NOTIFICATION_EVENT_BITS), notificationAddress: text(255) }),
          { maxLength: 3 },
        ),
        profileOwner: operatorId,
        dpProprietaryData: fc.uint8Array({ maxLength: 20 }).map((v) => encodeTlv(0xb8, encodeTlv(0x80, v))),
        ppr: namedBits(es10.PPR_BITS),
      },
      { requiredKeys: [] },
    ),
    enumPair(es10.PROFILE_STATE, 'state', 'stateCode'),
    enumPair(es10.ICON_TYPE, 'iconType', 'iconTypeCode'),
    enumPair(es10.PROFILE_CLASS, 'profileClass', 'profileClassCode'),
  )
  .map(([p, a, b, c]) => ({ ...p, ...a, ...b, ...c }) as es10.ProfileInfo);

// ---- the round trips

function roundTrip<T>(name: string, arb: fc.Arbitrary<T>, enc: (x: T) => Uint8Array, dec: (d: Uint8Array) => T, seed: number, numRuns = RUNS): void {
  it(name, () => {
    fc.assert(
      fc.property(arb, (x) => {
        const der = enc(x);
        expect(dec(der)).toEqual(x);
        // and the encoding is canonical: encode(decode(der)) gives the same bytes
        expect(Buffer.from(enc(dec(der))).equals(Buffer.from(der))).toBe(true);
      }),
      { seed, numRuns },
    );
  });
}

describe('ES10 round trips with arbitrary field values', () => {
  roundTrip('NotificationMetadata', metadata, es10.encodeNotificationMetadata, es10.decodeNotificationMetadata, 101);
  roundTrip(
    'ProfilesInfoResponse (ok and error)',
    fc.oneof(fc.array(profileInfo, { maxLength: 3 }).map((profiles) => ({ ok: true as const, profiles })), errorAnswer(es10.PROFILE_INFO_LIST_ERROR)),
    es10.encodeProfilesInfoResponse,
    es10.decodeProfilesInfoResponse,
    102,
    1000,
  );
  roundTrip(
    'ProfilesInfoRequest',
    fc.record(
      {
        searchCriteria: fc.oneof(
          iccid.map((i) => ({ iccid: i })),
          aid.map((a) => ({ isdpAid: a })),
          code.map((c) => {
            const n = es10.enumName(es10.PROFILE_CLASS, c);
            return { profileClass: n === 'unknown' ? c : n };
          }),
        ),
        tagList: fc.uint8Array({ maxLength: 64 }),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<es10.ProfilesInfoRequest>,
    es10.encodeProfilesInfoRequest,
    es10.decodeProfilesInfoRequest,
    103,
  );
  roundTrip('EnableProfileRequest', fc.record({ profile: profileId, refreshFlag: fc.boolean() }), es10.encodeEnableProfileRequest, es10.decodeEnableProfileRequest, 104);
  roundTrip('DisableProfileRequest', fc.record({ profile: profileId, refreshFlag: fc.boolean() }), es10.encodeDisableProfileRequest, es10.decodeDisableProfileRequest, 105);
  roundTrip('DeleteProfileRequest', fc.record({ profile: profileId }), es10.encodeDeleteProfileRequest, es10.decodeDeleteProfileRequest, 106);
  roundTrip('SetNicknameRequest', fc.record({ iccid, profileNickname: text(64) }), es10.encodeSetNicknameRequest, es10.decodeSetNicknameRequest, 107);
  roundTrip('EuiccMemoryResetRequest', fc.record({ resetOptions: namedBits(es10.MEMORY_RESET_BITS) }), es10.encodeMemoryResetRequest, es10.decodeMemoryResetRequest, 108);
  roundTrip('NotificationSentRequest', fc.record({ seqNumber: int48 }), es10.encodeRemoveNotificationRequest, es10.decodeRemoveNotificationRequest, 109);
  roundTrip('SetDefaultDpAddressRequest', fc.record({ defaultDpAddress: text(255) }), es10.encodeSetDefaultDpAddressRequest, es10.decodeSetDefaultDpAddressRequest, 110);
  roundTrip(
    'EuiccConfiguredAddressesResponse',
    fc.record({ defaultDpAddress: text(255), rootDsAddress: text(255) }, { requiredKeys: ['rootDsAddress'] }),
    es10.encodeConfiguredAddressesResponse,
    es10.decodeConfiguredAddressesResponse,
    111,
  );
  roundTrip('GetEuiccDataResponse (EID)', fc.record({ eid: fc.stringMatching(/^[0-9]{32}$/) }), es10.encodeGetEidResponse, es10.decodeGetEidResponse, 112);
  roundTrip(
    'GetEuiccChallengeResponse',
    fc.record({ euiccChallenge: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    es10.encodeEuiccChallengeResponse,
    es10.decodeEuiccChallengeResponse,
    113,
  );
  roundTrip(
    'EUICCInfo1',
    fc.record({
      svn: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((v) => v.join('.')),
      euiccCiPKIdListForVerification: fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 4 }),
      euiccCiPKIdListForSigning: fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 4 }),
    }),
    es10.encodeEuiccInfo1Response,
    es10.decodeEuiccInfo1Response,
    114,
  );
  roundTrip(
    'ListNotificationRequest / Response',
    fc.oneof(fc.array(metadata, { maxLength: 4 }).map((notifications) => ({ ok: true as const, notifications })), errorAnswer(es10.LIST_NOTIFICATION_ERROR)),
    es10.encodeListNotificationResponse,
    es10.decodeListNotificationResponse,
    115,
  );
  roundTrip(
    'ListNotificationRequest',
    fc.record({ profileManagementOperation: namedBits(es10.NOTIFICATION_EVENT_BITS) }, { requiredKeys: [] }),
    es10.encodeListNotificationRequest,
    es10.decodeListNotificationRequest,
    116,
  );
  roundTrip(
    'RetrieveNotificationsListRequest',
    fc.record(
      { searchCriteria: fc.oneof(int48.map((seqNumber) => ({ seqNumber })), namedBits(es10.NOTIFICATION_EVENT_BITS).map((o) => ({ profileManagementOperation: o }))) },
      { requiredKeys: [] },
    ),
    es10.encodeRetrieveNotificationsListRequest,
    es10.decodeRetrieveNotificationsListRequest,
    117,
  );
  roundTrip(
    'CancelSessionRequest',
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 16 }), enumOf(es10.CANCEL_SESSION_REASON)).map(([transactionId, e]) => ({
      transactionId,
      reason: e.name,
      reasonCode: e.code,
    })),
    es10.encodeCancelSessionRequest,
    es10.decodeCancelSessionRequest,
    118,
  );
  roundTrip(
    'GetRatResponse',
    fc.record({
      rat: fc.array(
        fc.record({
          pprIds: namedBits(es10.PPR_BITS),
          allowedOperators: fc.array(operatorId, { maxLength: 3 }),
          pprFlags: namedBits(es10.PPR_FLAG_BITS),
        }),
        { maxLength: 3 },
      ),
    }),
    es10.encodeGetRatResponse,
    es10.decodeGetRatResponse,
    119,
  );

  const results: [string, es10.EnumTable, (r: never) => Uint8Array, (d: Uint8Array) => unknown][] = [
    ['EnableProfileResponse', es10.ENABLE_RESULT, es10.encodeEnableProfileResponse, es10.decodeEnableProfileResponse],
    ['DisableProfileResponse', es10.DISABLE_RESULT, es10.encodeDisableProfileResponse, es10.decodeDisableProfileResponse],
    ['DeleteProfileResponse', es10.DELETE_RESULT, es10.encodeDeleteProfileResponse, es10.decodeDeleteProfileResponse],
    ['SetNicknameResponse', es10.SET_NICKNAME_RESULT, es10.encodeSetNicknameResponse, es10.decodeSetNicknameResponse],
    ['EuiccMemoryResetResponse', es10.MEMORY_RESET_RESULT, es10.encodeMemoryResetResponse, es10.decodeMemoryResetResponse],
    ['NotificationSentResponse', es10.REMOVE_NOTIFICATION_RESULT, es10.encodeRemoveNotificationResponse, es10.decodeRemoveNotificationResponse],
    ['SetDefaultDpAddressResponse', es10.SET_DEFAULT_DP_ADDRESS_RESULT, es10.encodeSetDefaultDpAddressResponse, es10.decodeSetDefaultDpAddressResponse],
  ];
  it('every result-only answer, any result code (known names and unknown codes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: results.length - 1 }), code, (k, c) => {
        const [, table, enc, dec] = results[k]!;
        const r = { result: es10.enumName(table, c), resultCode: c };
        expect(dec(enc(r as never))).toEqual(r);
      }),
      { seed: 120, numRuns: RUNS },
    );
  });
});

describe('ICCID storage coding, three ways', () => {
  it('ids/iccid BCD, the ES10 5A element and the AT EF_ICCID decoder agree', () => {
    fc.assert(
      fc.property(iccid, (digits) => {
        const bcd = iccidToBcd(digits);
        expect(iccidFromBcd(bcd)).toBe(digits);
        expect(decodeIccidEf(bcd)).toBe(digits);
        expect(es10.decodeSetNicknameRequest(es10.encodeSetNicknameRequest({ iccid: digits, profileNickname: '' })).iccid).toBe(digits);
      }),
      { seed: 121, numRuns: RUNS },
    );
  });
});

describe('ES10 encoders refuse out-of-range values with ASN1_ENCODE only', () => {
  it('arbitrary ICCIDs, AIDs, nicknames, versions, EIDs, transaction ids', () => {
    const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 80 }));
    fc.assert(
      fc.property(anyText, fc.uint8Array({ maxLength: 40 }), anyText, (s, bytes, nick) => {
        const codes = ['ASN1_ENCODE'] as const;
        onlyTyped(() => es10.encodeDeleteProfileRequest({ profile: { iccid: s } }), codes, s);
        onlyTyped(() => es10.encodeDeleteProfileRequest({ profile: { isdpAid: bytes } }), codes, bytes);
        onlyTyped(() => es10.encodeSetNicknameRequest({ iccid: '89000000000000000000', profileNickname: nick }), codes, nick);
        onlyTyped(() => es10.encodeEuiccInfo1Response({ svn: s, euiccCiPKIdListForVerification: [], euiccCiPKIdListForSigning: [] }), codes, s);
        onlyTyped(() => es10.encodeGetEidResponse({ eid: s }), codes, s);
        onlyTyped(() => es10.encodeCancelSessionRequest({ transactionId: bytes, reason: 'postponed' }), codes, bytes);
        onlyTyped(() => es10.encodeNotificationMetadata({ seqNumber: 1, profileManagementOperation: s as 'bit1', notificationAddress: 'a' }), codes, s);
      }),
      { seed: 122, numRuns: RUNS },
    );
  });
});
