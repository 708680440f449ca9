import type { LpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import type { CancelSessionReason } from '../es10/cancelSession.js';
import type { Es9Client } from '../es9p/client.js';

/** SGP.22 CancelSession reason for a failure: user refusals, timeouts, everything else "postponed". */
export function cancelReasonFor(err: LpaError): CancelSessionReason {
  if (err.details.cancelReason === 'endUserRejection') return 'endUserRejection';
  if (err.code === 'AT_TIMEOUT' || err.code === 'ES9_TIMEOUT') return 'timeout';
  return 'postponed';
}

/**
 * ES10b CancelSession, then ES9+ cancelSession with the eUICC's signed answer, so the SM-DP+ can
 * release the profile for another attempt. Never throws: returns a note of what could not be done
 * (the caller reports the original error, not this).
 */
export async function cancelBoth(
  es10: Es10Client,
  es9: Es9Client,
  transactionIdBytes: Uint8Array,
  transactionId: string,
  reason: CancelSessionReason,
): Promise<string | undefined> {
  let signed: Uint8Array;
  try {
    signed = (await es10.cancelSession(transactionIdBytes, reason)).raw;
  } catch (e) {
    return `eUICC ${failedOnce('CancelSession', e)}`;
  }
  try {
    await es9.cancelSession({ transactionId, cancelSessionResponse: signed });
  } catch (e) {
    return `ES9+ ${failedOnce('cancelSession', e)}`;
  }
  return undefined;
}

/** "<fn> failed: <reason>", without saying it twice when the error already starts that way. */
function failedOnce(fn: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.startsWith(`${fn} failed`) ? message : `${fn} failed: ${message}`;
}
