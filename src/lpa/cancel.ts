import type { LpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import { encodeCancelSessionResponse, type CancelSessionReason } from '../es10/cancelSession.js';
import { CANCEL_SESSION_REASON } from '../es10/results.js';
import type { Es9Client } from '../es9p/client.js';

/**
 * SGP.22 CancelSession reason for a failure: the one the failure names (details.cancelReason:
 * endUserRejection, pprNotAllowed, metadataMismatch, loadBppExecutionError), timeouts, else
 * "postponed".
 */
export function cancelReasonFor(err: LpaError): CancelSessionReason {
  const named = err.details.cancelReason;
  if (typeof named === 'string' && Object.hasOwn(CANCEL_SESSION_REASON, named)) return named as CancelSessionReason;
  if (err.code === 'AT_TIMEOUT' || err.code === 'ES9_TIMEOUT') return 'timeout';
  return 'postponed';
}

/**
 * ES10b CancelSession, then ES9+ cancelSession with the eUICC's answer, so the SM-DP+ can release
 * the profile for another attempt. The eUICC's answer goes to the SM-DP+ whatever it is: the signed
 * cancellation, or its error (e.g. invalidTransactionId after a card reset); when the eUICC gave no
 * answer at all (the module failed), the SM-DP+ still hears of it, with an undefinedError answer.
 * Never throws: returns a note of what could not be done (the caller reports the original error).
 */
export async function cancelBoth(
  es10: Es10Client,
  es9: Es9Client,
  transactionIdBytes: Uint8Array,
  transactionId: string,
  reason: CancelSessionReason,
): Promise<string | undefined> {
  const notes: string[] = [];
  let answer: Uint8Array;
  try {
    const r = await es10.cancelSessionAnswer(transactionIdBytes, reason);
    answer = r.raw;
    if (!r.response.ok) notes.push(`the eUICC refused CancelSession (${r.response.error})`);
  } catch (e) {
    notes.push(`eUICC ${failedOnce('CancelSession', e)}`);
    answer = encodeCancelSessionResponse({ ok: false, error: 'undefinedError' });
  }
  try {
    await es9.cancelSession({ transactionId, cancelSessionResponse: answer });
  } catch (e) {
    notes.push(`ES9+ ${failedOnce('cancelSession', e)}`);
  }
  return notes.length > 0 ? notes.join('; ') : undefined;
}

/** "<fn> failed: <reason>", without saying it twice when the error already starts that way. */
function failedOnce(fn: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.startsWith(`${fn} failed`) ? message : `${fn} failed: ${message}`;
}
