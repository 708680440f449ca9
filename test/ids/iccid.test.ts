import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { iccidFromBcd, iccidToBcd, isValidIccid, parseIccid } from '../../src/ids/iccid.js';
import { codeOf } from '../util/lpaError.js';
import { fromHex, toHex } from '../../src/util/hex.js';


describe('ICCID', () => {
  it('parses user text', () => {
    expect(parseIccid('8949449999999990049')).toBe('8949449999999990049');
    expect(parseIccid('8949449999999990049F')).toBe('8949449999999990049');
    expect(parseIccid(' 8949449999999990049f ')).toBe('8949449999999990049');
    expect(parseIccid('894944999999999004')).toBe('894944999999999004');
    expect(parseIccid('89882280000012345678')).toBe('89882280000012345678');
  });

  it('rejects bad text with INVALID_ICCID', () => {
    for (const bad of ['', '89494499999999900', '898822800000123456789', '89494499999999900A9', '8949F449999999990049', 'FF']) {
      expect(codeOf(() => parseIccid(bad)), bad).toBe('INVALID_ICCID');
      expect(isValidIccid(bad)).toBe(false);
    }
  });

  it('encodes the captured TS.48 ICCID as stored (golden)', () => {
    // profileMetadata of the captured session: 5A 0A 98 94 44 99 99 99 99 09 40 F9
    expect(toHex(iccidToBcd('8949449999999990049'))).toBe('989444999999990940F9');
    expect(iccidFromBcd(fromHex('989444999999990940F9'))).toBe('8949449999999990049');
  });

  it('encodes 18 and 20 digits (golden)', () => {
    expect(toHex(iccidToBcd('89882280000012345678'))).toBe('98882208000021436587');
    expect(toHex(iccidToBcd('894944999999999004'))).toBe('989444999999990940FF');
    expect(iccidFromBcd(fromHex('989444999999990940FF'))).toBe('894944999999999004');
  });

  it('rejects bad stored bytes', () => {
    expect(codeOf(() => iccidFromBcd(fromHex('9894449999999909')))).toBe('INVALID_ICCID');
    expect(codeOf(() => iccidFromBcd(fromHex('98F444999999990940F9')))).toBe('INVALID_ICCID');
    expect(codeOf(() => iccidFromBcd(fromHex('98A444999999990940F9')))).toBe('INVALID_ICCID');
    expect(codeOf(() => iccidFromBcd(fromHex('FFFFFFFFFFFFFFFFFFFF')))).toBe('INVALID_ICCID');
  });

  it('round-trips any 18-20 digit ICCID', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{18,20}$/), (digits) => {
        const bcd = iccidToBcd(digits);
        expect(bcd.length).toBe(10);
        expect(iccidFromBcd(bcd)).toBe(digits);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
