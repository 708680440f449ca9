import { describe, expect, it } from 'vitest';
import { describeName, enumCode, enumName, ENABLE_RESULT, resultError, RESULT_ENUMS } from '../../src/es10/results.js';

describe('SGP.22 results', () => {
  it('maps codes to names and back', () => {
    expect(enumName(ENABLE_RESULT, 2)).toBe('profileNotInDisabledState');
    expect(enumName(ENABLE_RESULT, 42)).toBe('unknown');
    expect(enumCode(ENABLE_RESULT, 'undefinedError', undefined, 'x')).toBe(127);
    expect(enumCode(ENABLE_RESULT, 'ok', 4, 'x')).toBe(4);
    expect(() => enumCode(ENABLE_RESULT, 'nope', undefined, 'x')).toThrow(/unknown value/);
  });

  it('gives readable ES10_RESULT errors', () => {
    const e = resultError('EnableProfile', 2);
    expect(e.code).toBe('ES10_RESULT');
    expect(e.message).toBe('EnableProfile failed: profile is not in disabled state (result 2)');
    expect(e.details).toEqual({ function: 'EnableProfile', result: 'profileNotInDisabledState', resultCode: 2 });
    expect(resultError('DisableProfile', 2).message).toContain('profile is not in enabled state');
    expect(resultError('MemoryReset', 99).message).toContain('unknown result 99');
    expect(resultError('PrepareDownload', 5).details.result).toBe('invalidTransactionId');
  });

  it('maps a missing profile to PROFILE_NOT_FOUND', () => {
    for (const fn of ['EnableProfile', 'DisableProfile', 'DeleteProfile', 'SetNickname'] as const) {
      const e = resultError(fn, 1);
      expect(e.code).toBe('PROFILE_NOT_FOUND');
      expect(e.category).toBe('euicc');
    }
  });

  it('has a phrase for every named value', () => {
    for (const table of Object.values(RESULT_ENUMS)) {
      for (const name of Object.keys(table)) expect(describeName(name).length).toBeGreaterThan(0);
    }
    expect(describeName('installFailedDueToIccidMismatch')).toBe('install failed due to iccid mismatch');
  });
});
