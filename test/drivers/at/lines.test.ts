import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LpaError } from '../../../src/errors.js';
import { toHex } from '../../../src/util/hex.js';
import {
  cmeNumber,
  decodeIccidEf,
  matchPrefix,
  parseCcho,
  parseCgla,
  parseCrsm,
  parseCsim,
  parseFinal,
  parseIccidLine,
  splitParams,
} from '../../../drivers/at/lines.js';

function badResponse(fn: () => unknown): LpaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LpaError);
    expect((e as LpaError).code).toBe('AT_BAD_RESPONSE');
    return e as LpaError;
  }
  throw new Error('expected AT_BAD_RESPONSE');
}

describe('parseFinal', () => {
  it('recognises every final result shape', () => {
    expect(parseFinal('OK')).toEqual({ kind: 'ok' });
    expect(parseFinal(' ok ')).toEqual({ kind: 'ok' });
    expect(parseFinal('ERROR')).toEqual({ kind: 'error' });
    expect(parseFinal('+CME ERROR: 13')).toEqual({ kind: 'cme', code: 13 });
    expect(parseFinal('+CME ERROR:14')).toEqual({ kind: 'cme', code: 14 });
    expect(parseFinal('+CME ERROR: SIM busy')).toEqual({ kind: 'cme', code: 'SIM busy' });
    expect(parseFinal('+CME ERROR: "operation not allowed"')).toEqual({ kind: 'cme', code: 'operation not allowed' });
    expect(parseFinal('+CMS ERROR: 500')).toEqual({ kind: 'cms', code: 500 });
    expect(parseFinal('COMMAND NOT SUPPORT')).toEqual({ kind: 'not_supported' });
  });

  it('leaves answers and URCs alone', () => {
    for (const l of ['+CGLA: 4,"9000"', 'RDY', '+CPIN: READY', 'OKAY', 'ERRORS', '1', '']) expect(parseFinal(l)).toBeUndefined();
  });
});

describe('cmeNumber', () => {
  it('maps numbers and verbose texts', () => {
    expect(cmeNumber(13)).toBe(13);
    expect(cmeNumber('SIM busy')).toBe(14);
    expect(cmeNumber('SIM failure')).toBe(13);
    expect(cmeNumber('operation not supported')).toBe(4);
    expect(cmeNumber('weird')).toBeUndefined();
  });
});

describe('matchPrefix / splitParams', () => {
  it('matches with or without the space after the colon, any case', () => {
    expect(matchPrefix('+CGLA: 4,"9000"', '+CGLA')).toBe('4,"9000"');
    expect(matchPrefix('+CGLA:4,9000', '+CGLA')).toBe('4,9000');
    expect(matchPrefix('+cgla: 4,9000', '+CGLA')).toBe('4,9000');
    expect(matchPrefix('+CGLAX: 4', '+CGLA')).toBeUndefined();
    expect(matchPrefix('+CGL', '+CGLA')).toBeUndefined();
  });
  it('splits on commas outside quotes', () => {
    expect(splitParams('144,0,"98,10"')).toEqual(['144', '0', '"98,10"']);
  });
});

describe('parseCcho', () => {
  it('reads every answer shape', () => {
    expect(parseCcho('+CCHO: 1')).toBe('1');
    expect(parseCcho('+CCHO:1')).toBe('1');
    expect(parseCcho('1')).toBe('1');
    expect(parseCcho('+CCHO: "2"')).toBe('2');
    expect(parseCcho('+CCHO: 12')).toBe('12');
  });
  it('keeps a Sierra handle verbatim', () => {
    expect(parseCcho('000000000385a7cf')).toBe('000000000385a7cf');
    expect(parseCcho('+CCHO: 000000000385a7cf')).toBe('000000000385a7cf');
  });
  it('rejects junk with the line in the message', () => {
    const e = badResponse(() => parseCcho('+CCHO: banana'));
    expect(e.message).toContain('banana');
    badResponse(() => parseCcho(''));
    badResponse(() => parseCcho('+CCHO: 1,2'));
  });
});

describe('parseCgla / parseCsim', () => {
  const golden = Uint8Array.from([0xbf, 0x3e, 0x03, 0x5a, 0x01, 0x89, 0x90, 0x00]);
  it('accepts quoted, unquoted, upper- and lower-case hex, space or not', () => {
    for (const l of [
      '+CGLA: 16,"BF3E035A01899000"',
      '+CGLA:16,"BF3E035A01899000"',
      '+CGLA: 16,BF3E035A01899000',
      '+CGLA: 16,"bf3e035a01899000"',
      '+cgla:16,bf3e035a01899000',
    ]) {
      expect(toHex(parseCgla(l))).toBe(toHex(golden));
    }
    expect(toHex(parseCsim('+CSIM: 6,"019000"'))).toBe('019000');
    expect(toHex(parseCsim('+CSIM:4,6a82'))).toBe('6A82');
  });
  it('checks the length against the hex', () => {
    const e = badResponse(() => parseCsim('+CSIM: 8,"019000"'));
    expect(e.message).toMatch(/length 8/);
    badResponse(() => parseCgla('+CGLA: 5,"90000"'));
  });
  it('rejects malformed answers', () => {
    badResponse(() => parseCgla('+CGLA: "9000"'));
    badResponse(() => parseCgla('+CGLA: 4,"90ZZ"'));
    badResponse(() => parseCgla('+CGLA: x,"9000"'));
    badResponse(() => parseCgla('+CGLA: 2,"90"'));
    badResponse(() => parseCgla('+CSIM: 4,"9000"'));
    badResponse(() => parseCsim('+CSIM: 4,"9000",1'));
  });
  it('truncates long lines in messages', () => {
    const e = badResponse(() => parseCgla(`+CGLA: 1,"${'A'.repeat(1000)}"`));
    expect(e.message.length).toBeLessThan(300);
  });
  it('never throws anything but AT_BAD_RESPONSE on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const fn of [parseCgla, parseCsim, parseCcho, parseCrsm, parseIccidLine]) {
          try {
            fn(s);
          } catch (e) {
            expect((e as LpaError).code).toBe('AT_BAD_RESPONSE');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCrsm and ICCID', () => {
  it('decodes EF_ICCID read with +CRSM (nibble swap, F padding)', () => {
    const a = parseCrsm('+CRSM: 144,0,"98942000008036496082"');
    expect(a.sw1).toBe(144);
    expect(a.sw2).toBe(0);
    expect(decodeIccidEf(a.data)).toBe('89490200000863940628');
    const padded = parseCrsm('+CRSM: 144,0,"981020304050607080F9"');
    expect(decodeIccidEf(padded.data)).toBe('8901020304050607089');
  });
  it('reads +CRSM without data', () => {
    expect(parseCrsm('+CRSM: 106,130').data.length).toBe(0);
    expect(parseCrsm('+CRSM: 106,130,""').data.length).toBe(0);
  });
  it('rejects a non-ICCID EF', () => {
    expect(() => decodeIccidEf(Uint8Array.from([0xaa, 0xbb]))).toThrow(LpaError);
  });
  it('reads vendor ICCID answers', () => {
    expect(parseIccidLine('+QCCID: 89882280000012345678')).toBe('89882280000012345678');
    expect(parseIccidLine('+ICCID: 8988228000001234567')).toBe('8988228000001234567');
    expect(parseIccidLine('%XICCID: 8988228000001234567F')).toBe('8988228000001234567');
    expect(parseIccidLine('+CCID: "89882280000012345678"')).toBe('89882280000012345678');
    expect(parseIccidLine('#CCID: 89882280000012345678')).toBe('89882280000012345678');
    expect(parseIccidLine('89882280000012345678')).toBe('89882280000012345678');
    expect(parseIccidLine('+QCCID:89882280000012345678', '+QCCID')).toBe('89882280000012345678');
    badResponse(() => parseIccidLine('+QCCID: 1234'));
  });
});
