/**
 * IMEI (3GPP TS 23.003): 14 digits and a Luhn check digit, as `AT+CGSN` prints it (some modules add
 * a software version: 16 digits, IMEISV). Its first 8 digits are the Type Allocation Code (TAC)
 * that SGP.22 deviceInfo carries.
 */

import { LpaError } from '../errors.js';

/** True when the last digit is the Luhn check digit of the others. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Parses an IMEI typed by a user or printed by a module: 15 digits with a valid check digit, or 16
 * (IMEISV, no check digit). Surrounding white space, quotes and an `IMEI:` label are ignored.
 * Throws USAGE with the reason.
 */
export function parseImei(input: string): string {
  const s = input.trim().replace(/^(?:\+?CGSN:|IMEI:)\s*/i, '').replace(/^"(.*)"$/, '$1');
  if (!/^\d+$/.test(s)) throw new LpaError('USAGE', `invalid IMEI "${input.slice(0, 40)}": an IMEI has decimal digits only`);
  if (s.length === 16) return s;
  if (s.length !== 15) throw new LpaError('USAGE', `invalid IMEI "${s}": an IMEI has 15 digits (or 16 for an IMEISV), got ${s.length}`);
  if (!luhnValid(s)) throw new LpaError('USAGE', `invalid IMEI "${s}": the check digit (last) does not match`);
  return s;
}

/** The IMEI out of a module's answer, or undefined when it holds none. */
export function imeiFromModule(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return parseImei(text);
  } catch {
    return undefined;
  }
}

/** The TAC (first 8 digits) as the 4 BCD bytes deviceInfo carries, e.g. 35290611 -> 35 29 06 11. */
export function tacOf(imei: string): Uint8Array {
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = ((imei.charCodeAt(2 * i) - 48) << 4) | (imei.charCodeAt(2 * i + 1) - 48);
  return out;
}
