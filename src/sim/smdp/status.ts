/**
 * ES9+ answers of the local SM-DP+: the `header.functionExecutionStatus` every JSON answer carries
 * (as in the captured session), and refusals. A refusal is thrown inside a handler as an LpaError
 * ES9_FAILED whose details carry the SGP.22 `subjectCode` / `reasonCode`; the router turns it into
 * `{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{...}}}}`.
 *
 * Malformed requests (body not a JSON object, a field missing, bad base64 or hex, undecodable
 * ASN.1) are answered HTTP 400 with the same JSON shape, subject 1.2 (the request) and reason 2.1
 * (invalid) or 2.2 (mandatory element missing). Never HTML.
 */

import { LpaError } from '../../errors.js';

export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
  message?: string;
}

export type Es9Body = Record<string, unknown>;

export const SUCCESS_HEADER = { functionExecutionStatus: { status: 'Executed-Success' } } as const;

/** A refusal (`Failed`) with SGP.22 codes; `httpStatus` 400 marks malformed input. */
export function es9Failure(subjectCode: string, reasonCode: string, message: string, httpStatus = 200, cause?: unknown): LpaError {
  return new LpaError('ES9_FAILED', message, { subjectCode, reasonCode, httpStatus }, cause === undefined ? undefined : { cause });
}

/** Malformed request: HTTP 400, 1.2/2.1 (or 2.2 when `missing`). */
export function badRequest(message: string, missing = false, cause?: unknown): LpaError {
  return es9Failure('1.2', missing ? '2.2' : '2.1', message, 400, cause);
}

/** JSON body of a Failed answer. */
export function failedBody(scd: StatusCodeData): Es9Body {
  return { header: { functionExecutionStatus: { status: 'Failed', statusCodeData: scd } } };
}

/** Status code data out of a refusal; anything that is not one becomes 8.8/... internal. */
export function statusOf(e: unknown): { httpStatus: number; scd: StatusCodeData } {
  if (e instanceof LpaError && typeof e.details.subjectCode === 'string' && typeof e.details.reasonCode === 'string') {
    const httpStatus = typeof e.details.httpStatus === 'number' ? e.details.httpStatus : 200;
    return { httpStatus, scd: { subjectCode: e.details.subjectCode, reasonCode: e.details.reasonCode, message: e.message } };
  }
  // A bug or an unexpected failure: 500 with a JSON body, no internals beyond the message.
  const message = e instanceof Error ? e.message : String(e);
  return { httpStatus: 500, scd: { subjectCode: '8.8', reasonCode: '4.2', message: `internal error: ${message}` } };
}
