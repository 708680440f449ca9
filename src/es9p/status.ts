/**
 * ES9+ `header.functionExecutionStatus`: checked on every answer. `Executed-Success` and
 * `Executed-WithWarning` pass; `Failed` and `Expired` become ES9_FAILED (or
 * PROFILE_ALREADY_DOWNLOADED for 8.2/3.7) carrying the SGP.22 subject/reason codes and a readable
 * explanation of the common ones.
 */
import { LpaError } from '../errors.js';

export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
  subjectIdentifier?: string;
  message?: string;
}

export interface ExecutionStatus {
  status: 'Executed-Success' | 'Executed-WithWarning';
  /** Present with Executed-WithWarning when the server says why. */
  statusCodeData?: StatusCodeData;
}

/** Readable explanations of the subject/reason pairs SM-DP+s commonly send (SGP.22 v2). */
const EXPLANATIONS: Record<string, string> = {
  '8.1/6.1': 'the eUICC signature or the server challenge is invalid',
  '8.1/4.8': 'the eUICC has not enough free memory for the profile',
  '8.1.1/3.8': 'the EID does not match the one the profile was ordered for',
  '8.1.3/6.1': 'the eUICC certificate is invalid',
  '8.2/1.2': 'the profile is not released for download yet',
  '8.2/3.7': 'the profile was already downloaded (not available for a new binding)',
  '8.2.6/3.8': 'the matching ID was refused (unknown or already used)',
  '8.2.7/2.2': 'a confirmation code is required but was not given',
  '8.2.7/3.8': 'the confirmation code was refused',
  '8.8.1/3.8': 'the SM-DP+ address is not the one this server expects',
  '8.8.2/3.1': 'the eUICC and the SM-DP+ share no CI key',
  '8.8.5/4.1': 'the download order has expired',
  '8.8.5/6.4': 'the maximum number of download retries was exceeded',
  '8.10.1/3.9': 'the SM-DP+ does not know this transaction id (session expired or cancelled)',
  '8.11.1/3.9': 'the SM-DP+ does not know the requested CI',
};

/** The explanation of a subject/reason pair, if it is one of the common ones. */
export function explainStatus(subjectCode: string, reasonCode: string): string | undefined {
  return EXPLANATIONS[`${subjectCode}/${reasonCode}`];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shortText(v: unknown, max = 200): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}...` : t;
}

function readStatusCodeData(v: unknown): StatusCodeData | undefined {
  if (!isRecord(v)) return undefined;
  const subjectCode = shortText(v.subjectCode, 32);
  const reasonCode = shortText(v.reasonCode, 32);
  if (subjectCode === undefined || reasonCode === undefined) return undefined;
  const out: StatusCodeData = { subjectCode, reasonCode };
  const subjectIdentifier = shortText(v.subjectIdentifier, 100);
  const message = shortText(v.message);
  if (subjectIdentifier !== undefined) out.subjectIdentifier = subjectIdentifier;
  if (message !== undefined) out.message = message;
  return out;
}

/**
 * Checks the answer's `header.functionExecutionStatus`. Returns the status when the function was
 * executed; throws ES9_FAILED / PROFILE_ALREADY_DOWNLOADED for Failed or Expired, and
 * ES9_BAD_RESPONSE when the header is missing or malformed.
 */
export function checkExecutionStatus(body: Record<string, unknown>, fn: string, httpStatus?: number): ExecutionStatus {
  const header = body.header;
  const fes = isRecord(header) ? header.functionExecutionStatus : undefined;
  if (!isRecord(fes) || typeof fes.status !== 'string') {
    throw new LpaError('ES9_BAD_RESPONSE', `${fn}: the SM-DP+ answer has no header.functionExecutionStatus.status`, {
      function: fn,
      field: 'header.functionExecutionStatus.status',
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    });
  }
  const status = fes.status;
  const scd = readStatusCodeData(fes.statusCodeData);
  if (status === 'Executed-Success' || status === 'Executed-WithWarning') {
    return scd ? { status, statusCodeData: scd } : { status };
  }
  if (status === 'Failed' || status === 'Expired') {
    const codes = scd ? `${scd.subjectCode}/${scd.reasonCode}` : 'no status code';
    const explanation = scd ? explainStatus(scd.subjectCode, scd.reasonCode) : undefined;
    const text = explanation ?? (scd?.message ? `"${scd.message}"` : 'no reason given');
    const code = scd?.subjectCode === '8.2' && scd.reasonCode === '3.7' ? 'PROFILE_ALREADY_DOWNLOADED' : 'ES9_FAILED';
    throw new LpaError(code, `SM-DP+ refused ${fn} (${status}, ${codes}): ${text}`, {
      function: fn,
      status,
      ...(scd ?? {}),
      ...(explanation && scd?.message ? { serverMessage: scd.message } : {}),
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    });
  }
  throw new LpaError('ES9_BAD_RESPONSE', `${fn}: unknown functionExecutionStatus.status "${shortText(status, 40)}"`, {
    function: fn,
    field: 'header.functionExecutionStatus.status',
  });
}
