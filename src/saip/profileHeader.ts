/**
 * The SAIP ProfileHeader (the first ProfileElement of a profile package, tag A0). What this project
 * reads out of it is the ICCID: field [3], tag 83, 10 bytes of plain BCD in reading order, F-padded
 * (not nibble-swapped like EF.ICCID). Untrusted bytes: the package must be a sequence of
 * well-formed top-level elements (bounded count), the header is walked with the bounded TLV reader.
 */

import { LpaError } from '../errors.js';
import { parseIccid } from '../ids/iccid.js';
import { toHex } from '../util/hex.js';
import { parseTlv, readTlvs, tagHex } from '../util/tlv.js';

export const TAG_PROFILE_HEADER = 0xa0;
export const TAG_PROFILE_HEADER_ICCID = 0x83;
/** Most top-level profile elements accepted in one package. */
export const MAX_PROFILE_ELEMENTS = 20_000;

/** The ICCID of a SAIP profile package's ProfileHeader; ASN1_DECODE naming `what` otherwise. */
export function readSaipIccid(pkg: Uint8Array, what = 'profile package'): string {
  const first = readTlvs(pkg, what, MAX_PROFILE_ELEMENTS)[0];
  if (!first) throw new LpaError('ASN1_DECODE', `${what} is empty`, { what });
  const header = parseTlv(first.raw, `${what} ProfileHeader`);
  if (header.tag !== TAG_PROFILE_HEADER || !header.constructed) {
    throw new LpaError('ASN1_DECODE', `${what}: the first element is tag ${tagHex(header.tag)}, not a ProfileHeader (A0)`, { what });
  }
  const f = header.children.find((c) => c.tag === TAG_PROFILE_HEADER_ICCID);
  if (!f || f.constructed || f.value.length !== 10) {
    throw new LpaError('ASN1_DECODE', `${what}: ProfileHeader has no 10-byte iccid (tag 83)`, { what });
  }
  try {
    return parseIccid(toHex(f.value).replace(/F+$/, ''));
  } catch (e) {
    throw new LpaError('ASN1_DECODE', `${what}: ProfileHeader iccid ${toHex(f.value)} is not BCD digits`, { what }, { cause: e });
  }
}
