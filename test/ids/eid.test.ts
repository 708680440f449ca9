import { describe, expect, it } from 'vitest';
import { eidCheckDigits, isValidEid, validateEid } from '../../src/ids/eid.js';
import { isLpaError } from '../../src/errors.js';
import { codeOf } from '../util/lpaError.js';

const SGP26_EID = '89049032123451234512345678901235';


describe('EID', () => {
  it('accepts the SGP.26 test EID', () => {
    expect(validateEid(SGP26_EID)).toBe(SGP26_EID);
    expect(validateEid(`  ${SGP26_EID}\n`)).toBe(SGP26_EID);
    expect(isValidEid(SGP26_EID)).toBe(true);
  });

  it('rejects every single-digit change', () => {
    for (let i = 0; i < 32; i++) {
      const d = Number(SGP26_EID[i]);
      const flipped = `${SGP26_EID.slice(0, i)}${(d + 1) % 10}${SGP26_EID.slice(i + 1)}`;
      expect(isValidEid(flipped), flipped).toBe(false);
    }
  });

  it('gives INVALID_EID with a reason', () => {
    expect(codeOf(() => validateEid('8904903212345123451234567890123'))).toBe('INVALID_EID');
    expect(codeOf(() => validateEid('8904903212345123451234567890123A'))).toBe('INVALID_EID');
    expect(codeOf(() => validateEid('89049032123451234512345678901234'))).toBe('INVALID_EID');
    expect(codeOf(() => validateEid(''))).toBe('INVALID_EID');
    try {
      validateEid('89049032123451234512345678901234');
    } catch (e) {
      expect(isLpaError(e) && String(e.details.reason)).toMatch(/check digits/);
    }
  });

  it('computes check digits', () => {
    expect(eidCheckDigits(SGP26_EID.slice(0, 30))).toBe('35');
    expect(isValidEid(`890490321234512345123456789012${eidCheckDigits('890490321234512345123456789012')}`)).toBe(true);
    expect(isValidEid(`${'8'.repeat(30)}${eidCheckDigits('8'.repeat(30))}`)).toBe(true);
  });
});
