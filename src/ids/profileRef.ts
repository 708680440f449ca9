/**
 * How a user names a profile: its ICCID (18 to 20 digits, as printed on the card) or the AID of
 * the ISD-P holding it (hex, as `profiles` lists it). lpac accepts both the same way.
 */

import { LpaError } from '../errors.js';
import { toHex } from '../util/hex.js';
import { isAidHex, parseAid } from './aid.js';
import { parseIccid, parseTypedIccid } from './iccid.js';

export type ProfileSelector = { iccid: string } | { isdpAid: Uint8Array };

/**
 * `8944...` (18-20 digits, an optional F pad) is an ICCID; 10 to 32 hex digits that are not an
 * ICCID are an ISD-P AID (e.g. `A0000005591010FFFFFFFF8900001100`). INVALID_ICCID otherwise,
 * saying both forms.
 */
export function parseProfileRef(input: string): ProfileSelector {
  const s = input.trim();
  if (/^[0-9]{18,20}[Ff]?$/.test(s)) return { iccid: parseIccid(s) };
  const compact = s.replace(/[\s:]/g, '');
  if (isAidHex(compact)) return { isdpAid: parseAid(compact, 'ISD-P AID') };
  const shown = s.length > 40 ? `${s.slice(0, 40)}...` : s;
  throw new LpaError('INVALID_ICCID', `invalid ICCID or ISD-P AID "${shown}": an ICCID has 18 to 20 digits, an ISD-P AID 10 to 32 hex digits`, { reason: 'not an ICCID or AID' });
}

/** For messages: the ICCID, or `ISD-P <AID hex>`. */
export function describeProfileRef(ref: ProfileSelector): string {
  return 'iccid' in ref ? ref.iccid : `ISD-P ${toHex(ref.isdpAid)}`;
}

/**
 * parseProfileRef for what a person typed: an ICCID must also carry the right check digit (a typo
 * is a usage error before anything is sent, not "profile not found" from the eUICC).
 */
export function parseTypedProfileRef(input: string): ProfileSelector {
  const ref = parseProfileRef(input);
  if ('iccid' in ref) parseTypedIccid(input);
  return ref;
}
