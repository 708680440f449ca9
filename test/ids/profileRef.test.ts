import { describe, expect, it } from 'vitest';
import { isAidHex, parseAid, STANDARD_ISDR_AID_HEX } from '../../src/ids/aid.js';
import { describeProfileRef, parseProfileRef } from '../../src/ids/profileRef.js';
import { toHex } from '../../src/util/hex.js';
import { codeOf } from '../util/lpaError.js';

describe('profile references: ICCID or ISD-P AID', () => {
  it('digits are an ICCID, hex an ISD-P AID (as lpac tells them apart)', () => {
    expect(parseProfileRef('8949449999999990049')).toEqual({ iccid: '8949449999999990049' });
    expect(parseProfileRef(' 8949449999999990049F ')).toEqual({ iccid: '8949449999999990049' });
    const aid = parseProfileRef('a0000005591010ffffffff8900001100');
    expect('isdpAid' in aid && toHex(aid.isdpAid)).toBe('A0000005591010FFFFFFFF8900001100');
    // 32 digits: too long for an ICCID, so an AID (lpac: 32 characters is an AID)
    expect('isdpAid' in parseProfileRef('12345678901234567890123456789012')).toBe(true);
    expect(describeProfileRef(aid)).toBe('ISD-P A0000005591010FFFFFFFF8900001100');
    expect(describeProfileRef({ iccid: '8949449999999990049' })).toBe('8949449999999990049');
  });

  it('anything else is INVALID_ICCID saying both forms', () => {
    for (const bad of ['', '12345', 'A00000055', 'XYZ0000005591010FFFFFFFF89000011', 'A0000005591010FFFFFFFF890000110', 'A0'.repeat(17)]) {
      expect(codeOf(() => parseProfileRef(bad)), bad).toBe('INVALID_ICCID');
    }
    expect(() => parseProfileRef('12345')).toThrow(/invalid ICCID or ISD-P AID "12345": an ICCID has 18 to 20 digits, an ISD-P AID 10 to 32 hex digits/);
  });
});

describe('AIDs (--isdr-aid)', () => {
  it('5 to 16 bytes of hex; spaces and colons between bytes are fine', () => {
    expect(toHex(parseAid(STANDARD_ISDR_AID_HEX, '--isdr-aid'))).toBe(STANDARD_ISDR_AID_HEX);
    expect(toHex(parseAid('a0:00:00:05:59', '--isdr-aid'))).toBe('A000000559');
    expect(toHex(parseAid('A0 00 00 05 59 10', 'x'))).toBe('A00000055910');
    expect(isAidHex('A0000005')).toBe(false);
    expect(isAidHex('A0'.repeat(16))).toBe(true);
    expect(isAidHex('A0'.repeat(17))).toBe(false);
  });

  it('anything else is USAGE (or the code asked for) naming the option', () => {
    expect(codeOf(() => parseAid('A0', '--isdr-aid'))).toBe('USAGE');
    expect(codeOf(() => parseAid('GG00000559', 'isdrAid', 'CONFIG_INVALID'))).toBe('CONFIG_INVALID');
    expect(() => parseAid('A000', '--isdr-aid')).toThrow('--isdr-aid "A000" is not an AID: 5 to 16 bytes written as 10 to 32 hex digits');
  });
});
