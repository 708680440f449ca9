/**
 * SGP.22 (4.1) activation code:
 * `LPA:1$<SM-DP+ address>$<matching id>[$<SM-DP+ OID>[$<CC required flag>[$<CI public key id>]]]`.
 *
 * The `LPA:` prefix (any case) is optional, as people paste both the QR payload and the bare code.
 * Format version must be `1`. The matching id may be empty (the SM-DP+ then finds the profile by
 * EID) and is made of the characters SGP.22 allows (letters, digits, hyphen). The OID, when present
 * and not empty, is a dotted OID (checked against the SM-DP+'s certificate during the download);
 * the confirmation-code flag is `1` (required) or `0`/empty (not); the sixth field names the CI
 * whose key the SM-DP+ uses, as the hex of its subject key identifier. Anything after the sixth
 * field is an error.
 */
import { LpaError } from '../errors.js';
import { parseSmdpAddress } from '../es9p/address.js';

export interface ActivationCode {
  /** SM-DP+ address exactly as written in the code (sent as smdpAddress in ES9+). */
  smdpAddress: string;
  /** Matching id, possibly empty. */
  matchingId: string;
  /** SM-DP+ OID, when the code names one. */
  oid?: string;
  /** True when the code says a confirmation code is required. */
  confirmationCodeRequired: boolean;
  /** Subject key identifier of the CI the SM-DP+ certificates chain to (the 6th field). */
  ciPkId?: Uint8Array;
}

const MAX_LENGTH = 1024;
const MATCHING_ID_RE = /^[A-Za-z0-9-]*$/;
const OID_RE = /^[0-2](?:\.(?:0|[1-9][0-9]*))+$/;

function bad(reason: string, input: string): LpaError {
  const shown = input.length > 100 ? `${input.slice(0, 100)}...` : input;
  return new LpaError('INVALID_ACTIVATION_CODE', `invalid activation code: ${reason}`, { activationCode: shown, reason });
}

/** True for a dotted OID such as 2.999.10 (first arc 0-2, at least two arcs). */
export function isDottedOid(text: string): boolean {
  if (!OID_RE.test(text)) return false;
  const arcs = text.split('.');
  // Under arcs 0 and 1 the second arc is 0-39 (X.660).
  return arcs[0] === '2' || Number(arcs[1]) <= 39;
}

/** Why a matching id is unacceptable (SGP.22: letters, digits and "-", at most 255), or undefined when it is fine. */
export function matchingIdProblem(id: string): string | undefined {
  if (id.length > 255) return `is longer than 255 characters (${id.length})`;
  if (!MATCHING_ID_RE.test(id)) return 'has characters other than letters, digits and "-"';
  return undefined;
}

/** Parses an activation code; throws INVALID_ACTIVATION_CODE with the reason. */
export function parseActivationCode(input: string): ActivationCode {
  if (typeof input !== 'string') throw bad('not a string', String(input));
  if (input.length > MAX_LENGTH) throw bad(`longer than ${MAX_LENGTH} characters`, input);
  const text = input.trim();
  if (text.length === 0) throw bad('empty', input);
  const body = /^lpa:/i.test(text) ? text.slice(4) : text;
  const fields = body.split('$');
  if (fields.length < 3) throw bad('expected 1$<SM-DP+ address>$<matching id>', input);
  if (fields.length > 6) throw bad(`unexpected data after the 6th field: "${fields.slice(6).join('$')}"`, input);
  const [version, address, matchingId, oid, cc, ci] = fields as [string, string, string, string | undefined, string | undefined, string | undefined];
  if (version !== '1') throw bad(`unsupported format version "${version}" (only 1 is defined)`, input);
  if (address.length === 0) throw bad('the SM-DP+ address is empty', input);
  try {
    const parsed = parseSmdpAddress(address);
    if (parsed.schemeStripped) throw new Error('no scheme or "/" is allowed in an activation code');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new LpaError('INVALID_ACTIVATION_CODE', `invalid activation code: bad SM-DP+ address: ${reason}`, {
      activationCode: input.length > 100 ? `${input.slice(0, 100)}...` : input,
      reason,
    }, { cause: e });
  }
  const problem = matchingIdProblem(matchingId);
  if (problem) throw bad(`the matching id ${matchingId.length > 255 ? '' : `"${matchingId}" `}${problem}`, input);
  const out: ActivationCode = { smdpAddress: address, matchingId, confirmationCodeRequired: false };
  if (oid !== undefined && oid.length > 0) {
    if (!isDottedOid(oid)) throw bad(`"${oid}" is not a dotted OID (e.g. 2.999.10)`, input);
    out.oid = oid;
  }
  if (cc !== undefined && cc !== '' && cc !== '0') {
    if (cc !== '1') throw bad(`the confirmation-code flag must be "1" (required) or "0", not "${cc}"`, input);
    out.confirmationCodeRequired = true;
  }
  if (ci !== undefined && ci.length > 0) {
    if (!/^(?:[0-9A-Fa-f]{2}){1,32}$/.test(ci)) throw bad(`the CI public key id "${ci}" is not hex (e.g. the 40 hex digits of a subject key identifier)`, input);
    out.ciPkId = new Uint8Array(Buffer.from(ci, 'hex'));
  }
  return out;
}
