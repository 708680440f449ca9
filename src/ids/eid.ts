/**
 * EID (eUICC identifier, GSMA SGP.29): 32 decimal digits whose last two are check digits chosen so
 * that the whole 32-digit number mod 97 equals 1 (ISO 7064 MOD 97-10, the IBAN rule).
 */

import { LpaError } from '../errors.js';

const EID_RE = /^[0-9]{32}$/;

/** The 32-digit number mod 97, computed digit by digit (no bigint needed). */
function mod97(digits: string): number {
  let r = 0;
  for (let i = 0; i < digits.length; i++) r = (r * 10 + (digits.charCodeAt(i) - 48)) % 97;
  return r;
}

/** Why `input` is not a valid EID, or undefined when it is. */
function eidProblem(input: string): string | undefined {
  if (input.length !== 32) return `an EID has 32 digits, got ${input.length} characters`;
  if (!EID_RE.test(input)) return 'an EID has decimal digits only';
  if (mod97(input) !== 1) return 'check digits do not match (the 32-digit number mod 97 must be 1)';
  return undefined;
}

/**
 * Checks user or card text as an EID (surrounding whitespace ignored) and returns the 32 digits.
 * Throws INVALID_EID with the reason otherwise.
 */
export function validateEid(input: string): string {
  const eid = input.trim();
  const problem = eidProblem(eid);
  if (problem !== undefined) {
    const shown = eid.length > 40 ? `${eid.slice(0, 40)}...` : eid;
    throw new LpaError('INVALID_EID', `invalid EID "${shown}": ${problem}`, { reason: problem });
  }
  return eid;
}

export function isValidEid(input: string): boolean {
  return eidProblem(input.trim()) === undefined;
}

/**
 * The two check digits for the first 30 digits of an EID (used by simulators that mint EIDs):
 * 98 - (prefix * 100 mod 97).
 */
export function eidCheckDigits(first30: string): string {
  if (!/^[0-9]{30}$/.test(first30)) {
    throw new LpaError('INVALID_EID', 'EID prefix must be 30 decimal digits', { reason: 'bad prefix' });
  }
  const check = 98 - mod97(`${first30}00`);
  return check.toString().padStart(2, '0');
}
