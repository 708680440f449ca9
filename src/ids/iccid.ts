/**
 * ICCID (ITU-T E.118): what users type (18-20 digits) and how the eUICC stores it (EF_ICCID
 * coding: 10 bytes, BCD with the two digits of each byte swapped, padded with F).
 */

import { LpaError } from '../errors.js';
import { toHex } from '../util/hex.js';
import { luhnValid } from './imei.js';

const ICCID_RE = /^[0-9]{18,20}$/;

function invalid(input: string, reason: string): LpaError {
  const shown = input.length > 40 ? `${input.slice(0, 40)}...` : input;
  return new LpaError('INVALID_ICCID', `invalid ICCID "${shown}": ${reason}`, { reason });
}

/**
 * Parses an ICCID typed by a user or printed by a module: 18-20 decimal digits, optionally
 * followed by one `F`/`f` padding nibble (dropped). Surrounding whitespace is ignored.
 */
export function parseIccid(input: string): string {
  let s = input.trim();
  if (s.length > 0 && (s.endsWith('F') || s.endsWith('f'))) s = s.slice(0, -1);
  if (!/^[0-9]*$/.test(s)) throw invalid(input.trim(), 'an ICCID has decimal digits only');
  if (!ICCID_RE.test(s)) throw invalid(input.trim(), `an ICCID has 18 to 20 digits, got ${s.length}`);
  return s;
}

/**
 * Parses an ICCID a person typed and checks its last digit, the Luhn check digit of E.118, so a
 * typo is a clear INVALID_ICCID (usage) error instead of "profile not found" from the eUICC.
 */
export function parseTypedIccid(input: string): string {
  const iccid = parseIccid(input);
  if (!luhnValid(iccid)) {
    const expected = [...'0123456789'].find((d) => luhnValid(iccid.slice(0, -1) + d));
    throw invalid(input.trim(), `the check digit (last digit) should be ${expected}; a typo?`);
  }
  return iccid;
}

export function isValidIccid(input: string): boolean {
  try {
    parseIccid(input);
    return true;
  } catch {
    return false;
  }
}

/** ICCID digits -> 10 bytes as stored on the card (nibble-swapped BCD, F-padded). */
export function iccidToBcd(digits: string): Uint8Array {
  const d = parseIccid(digits).padEnd(20, 'F');
  const out = new Uint8Array(10);
  for (let i = 0; i < 10; i++) {
    const lo = parseInt(d[2 * i]!, 16);
    const hi = parseInt(d[2 * i + 1]!, 16);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * 10 stored bytes -> ICCID digits (trailing F padding stripped). Throws INVALID_ICCID for a wrong
 * length, a non-decimal nibble or padding in the middle.
 */
export function iccidFromBcd(bytes: Uint8Array): string {
  if (bytes.length !== 10) throw invalid(toHex(bytes), `stored ICCID must be 10 bytes, got ${bytes.length}`);
  let s = '';
  for (const b of bytes) s += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  s = s.toUpperCase().replace(/F+$/, '');
  if (!ICCID_RE.test(s)) throw invalid(toHex(bytes), 'stored ICCID is not 18-20 BCD digits');
  return s;
}
