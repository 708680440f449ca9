import { describe, expect, it } from 'vitest';
import { buildApdu, checkSw, data, isNormalEnd, sw, swHex, swMeaning } from '../../src/apdu/apdu.js';
import { isLpaError, LpaError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';

describe('command APDUs', () => {
  it('builds the four ISO cases (golden)', () => {
    expect(toHex(buildApdu({ cla: 0x80, ins: 0xca, p1: 0x00, p2: 0x5a }))).toBe('80CA005A');
    expect(toHex(buildApdu({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, le: 256 }))).toBe('00B0000000');
    expect(toHex(buildApdu({ cla: 0x00, ins: 0xa4, p1: 4, p2: 0, data: fromHex('A0000005591010FFFFFFFF8900000100') }))).toBe(
      '00A4040010A0000005591010FFFFFFFF8900000100',
    );
    expect(toHex(buildApdu({ cla: 0x80, ins: 0xe2, p1: 0x91, p2: 0, data: fromHex('BF2E00'), le: 0x10 }))).toBe('80E2910003BF2E0010');
  });

  it('rejects oversized data and bad bytes with APDU_INVALID', () => {
    expect(() => buildApdu({ cla: 0x80, ins: 0xe2, p1: 0, p2: 0, data: new Uint8Array(256) })).toThrow(LpaError);
    for (const bad of [{ cla: 256, ins: 0, p1: 0, p2: 0 }, { cla: 0, ins: -1, p1: 0, p2: 0 }, { cla: 0, ins: 0, p1: 0, p2: 0, le: 0 }]) {
      try {
        buildApdu(bad);
        expect.unreachable();
      } catch (e) {
        expect(isLpaError(e, 'APDU_INVALID')).toBe(true);
      }
    }
  });
});

describe('status words', () => {
  it('splits data and SW', () => {
    const r = fromHex('BF2E0300019000');
    expect(sw(r)).toBe(0x9000);
    expect(toHex(data(r))).toBe('BF2E030001');
    expect(swHex(0x6a88)).toBe('6A88');
    expect(() => sw(Uint8Array.of(0x90))).toThrow(/no status word/);
  });

  it('checkSw returns data on 9000', () => {
    expect(toHex(checkSw(fromHex('01029000'), 'X'))).toBe('0102');
  });

  it('checkSw takes 91xx (proactive command pending) and 92xx as normal ends, keeping the data', () => {
    expect(toHex(checkSw(fromHex('BF3103800100910B'), 'EnableProfile'))).toBe('BF3103800100');
    expect(toHex(checkSw(fromHex('0102' + '9210'), 'X'))).toBe('0102');
    expect(toHex(checkSw(fromHex('9100'), 'X'))).toBe('');
    for (const v of [0x9000, 0x9100, 0x91ff, 0x9210]) expect(isNormalEnd(v)).toBe(true);
    for (const v of [0x9300, 0x9f10, 0x6300, 0x6a80, 0x6601, 0x6100]) expect(isNormalEnd(v)).toBe(false);
    expect(swMeaning(0x910b)).toMatch(/proactive command of 11 bytes/);
  });

  it('other 9xxx and 6xxx words stay errors; 6601 is named', () => {
    for (const hex of ['9300', '9F10', '6601']) expect(() => checkSw(fromHex(hex), 'X')).toThrow(LpaError);
    expect(swMeaning(0x6601)).toMatch(/long command/);
  });

  it.each([
    ['6A88', 'referenced data not found'],
    ['6985', 'conditions of use not satisfied'],
    ['6A80', 'incorrect parameters in the data field'],
    ['6D00', 'instruction code not supported'],
    ['6E00', 'class not supported'],
    ['6700', 'wrong length'],
    ['6982', 'security status not satisfied'],
  ])('checkSw %s -> APDU_STATUS (%s)', (hex, meaning) => {
    try {
      checkSw(fromHex(hex), 'STORE DATA');
      expect.unreachable();
    } catch (e) {
      expect(isLpaError(e, 'APDU_STATUS')).toBe(true);
      const err = e as LpaError;
      expect(err.details.sw).toBe(hex);
      expect(err.message).toContain(meaning);
      expect(err.message).toContain('STORE DATA');
    }
  });

  it('describes families of status words', () => {
    expect(swMeaning(0x6110)).toMatch(/16 more/);
    expect(swMeaning(0x6c20)).toMatch(/wrong Le/);
    expect(swMeaning(0x63c2)).toMatch(/2 retries/);
    expect(swMeaning(0x6123 + 0x0800)).toBe('unknown status');
  });
});
