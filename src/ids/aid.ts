/**
 * Application identifiers (ISO 7816-5 AIDs, 5 to 16 bytes): the ISD-R's (`--isdr-aid`, for
 * removable eUICCs that use a non-standard one) and the ISD-P AIDs that name profiles.
 */

import { LpaError, type ErrorCode } from '../errors.js';
import { fromHex, isHex } from '../util/hex.js';

/** The ISD-R AID SGP.22 assigns (the one every eUICC answers to unless it says otherwise). */
export const STANDARD_ISDR_AID_HEX = 'A0000005591010FFFFFFFF8900000100';

/** True for 5 to 16 bytes of hex (10 to 32 hex digits, even count). */
export function isAidHex(text: string): boolean {
  return text.length >= 10 && text.length <= 32 && isHex(text);
}

/**
 * Parses an AID written as hex (any case; spaces and colons between bytes are ignored). Throws
 * `code` (default USAGE) naming `what` when it is not 5 to 16 bytes of hex.
 */
export function parseAid(input: string, what: string, code: ErrorCode = 'USAGE'): Uint8Array {
  const s = input.trim().replace(/[\s:]/g, '');
  if (!isAidHex(s)) {
    const shown = input.length > 40 ? `${input.slice(0, 40)}...` : input;
    throw new LpaError(code, `${what} "${shown}" is not an AID: 5 to 16 bytes written as 10 to 32 hex digits`, { what });
  }
  return fromHex(s, what);
}
