import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBase64 } from '../../src/util/base64.js';

// the definitions isBase64 replaces (correct, but they hold a backtrack entry per 4-character group)
const OPTIONAL_PADDING = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const REQUIRED_PADDING = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe('isBase64', () => {
  it('golden cases', () => {
    for (const ok of ['', 'QQ==', 'QUI=', 'QUJD', 'QQ', 'QUI', 'AAAA+/+/']) expect(isBase64(ok), ok).toBe(true);
    for (const bad of ['Q', 'QUJDR', 'QQ=', 'Q===', 'QUJD=', '====', 'QQ==QQ==', 'QU I=', 'QUI=\n', 'QU-_', 'QQ=A']) expect(isBase64(bad), bad).toBe(false);
    expect(isBase64('QQ', 'required')).toBe(false);
    expect(isBase64('QUI', 'required')).toBe(false);
    expect(isBase64('QQ==', 'required')).toBe(true);
  });

  it('agrees with the regular expressions it replaces', () => {
    const chars = fc.constantFrom(...'AZaz09+/=-_ \n'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 14 }).map((a) => a.join('')), (s) => {
        expect(isBase64(s)).toBe(OPTIONAL_PADDING.test(s));
        expect(isBase64(s, 'required')).toBe(REQUIRED_PADDING.test(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('checks a 1.4 MB bound profile package in one pass', () => {
    const big = Buffer.alloc(1_065_541, 0x5a).toString('base64');
    expect(isBase64(big)).toBe(true);
    expect(isBase64(`${big.slice(0, -1)}!`)).toBe(false);
  });
});
