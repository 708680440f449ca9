/**
 * Fuzz: the tolerant readers added for real cards and servers never throw (or only their typed
 * error), on random bytes, random ES10-like trees and mutations of real messages: the install
 * result reader, tolerant metadata, the AT+WS46 parser, IMEI, --quirk and the BPP metadata check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuirks } from '../../drivers/virtual/quirkSpec.js';
import { parseWs46 } from '../../drivers/at/identity.js';
import { encodeProfileInstallationResult, encodeProfileInstallationResultData, readInstallResult } from '../../src/es10/profileInstallationResult.js';
import { encodeStoreMetadata, readStoreMetadataTolerant } from '../../src/es10/storeMetadata.js';
import { tlv } from '../../src/es10/der.js';
import { parseImei } from '../../src/ids/imei.js';
import { fromHex } from '../../src/util/hex.js';
import { byteMutations, mutate, onlyTyped, tlvTree } from './helpers.js';

const PIR = encodeProfileInstallationResult(
  encodeProfileInstallationResultData({
    transactionId: fromHex('0102030405060708'),
    notificationMetadata: { seqNumber: 3, profileManagementOperation: 'notificationInstall', notificationAddress: 'smdp.example.com', iccid: '8949449999999990049' },
    finalResult: { success: true, aid: fromHex('A0000005591010FFFFFFFF8900001100'), simaResponse: fromHex('3007A0053003800100') },
  }),
  tlv(0x5f37, new Uint8Array(64)),
);
const MD = encodeStoreMetadata({ iccid: '8949449999999990049', serviceProviderName: 'GSMA Test', profileName: 'x', profilePolicyRules: ['ppr1'] });

describe('tolerant readers on hostile input', () => {
  it('readInstallResult never throws (random bytes, BF37 trees, mutations of a real result)', () => {
    const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), tlvTree({ rootTag: 0xbf37 }), byteMutations.map((m) => mutate(PIR, m)));
    fc.assert(
      fc.property(input, (bytes) => {
        const r = readInstallResult(bytes);
        expect(r.result !== undefined || r.problem !== undefined).toBe(true);
      }),
      { seed: 0x91a, numRuns: 3000 },
    );
  });

  it('readStoreMetadataTolerant never throws', () => {
    const input = fc.oneof(fc.uint8Array({ maxLength: 200 }), tlvTree({ rootTag: 0xbf25 }), byteMutations.map((m) => mutate(MD, m)));
    fc.assert(
      fc.property(input, (bytes) => {
        readStoreMetadataTolerant(bytes);
      }),
      { seed: 0x91b, numRuns: 3000 },
    );
  });

  it('parseWs46 never throws and only names known technologies', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 999 })).map((a) => `+WS46: (${a.join(',')})`)), { maxLength: 4 }), (lines) => {
        for (const r of parseWs46(lines) ?? []) expect(['gsm', 'utran', 'eutran', 'nr']).toContain(r);
      }),
      { seed: 0x91c, numRuns: 2000 },
    );
    expect(parseWs46(['+WS46: (12,22,25,28-31,35-39)'])).toEqual(['gsm', 'utran', 'eutran', 'nr']);
    expect(parseWs46(['+WS46: (28)'])).toEqual(['eutran']);
  });

  it('parseImei and parseQuirks fail only with USAGE', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }), (imei, quirks) => {
        onlyTyped(() => parseImei(imei), ['USAGE'], imei);
        onlyTyped(() => parseQuirks(quirks), ['USAGE'], quirks);
      }),
      { seed: 0x91d, numRuns: 3000 },
    );
  });
});
