import { toLpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import { cancelBoth } from '../lpa/cancel.js';
import type { Es9Pool } from '../lpa/es9.js';
import { fromHex } from '../util/hex.js';
import type { Journal } from './journal.js';

/**
 * The last run stopped with a download in flight (killed, power cut, SIGKILL mid-BPP). Cancel that
 * session on the eUICC and, with the eUICC's signed answer, on the SM-DP+, so the profile is
 * released for the new attempt. If the eUICC no longer holds the session (it was reset), nothing
 * can be signed: say so and go on; the SM-DP+ decides whether the profile can still be bound.
 * Returns what could not be done, if anything.
 */
export async function recoverInFlight(
  es10: Es10Client,
  pool: Es9Pool,
  journal: Journal,
  progress: (step: string, message: string, data?: Record<string, unknown>) => void,
): Promise<string | undefined> {
  const { transactionId } = journal.snapshot;
  const smdpAddress = journal.snapshot.transactionSmdpAddress ?? journal.snapshot.smdpAddress;
  if (!transactionId) return undefined;
  progress('recover', `the last run stopped during download ${transactionId}; cancelling it so the SM-DP+ releases the profile`, { transactionId });
  let note: string | undefined;
  if (!smdpAddress) note = 'no SM-DP+ address in the journal';
  else {
    try {
      note = await cancelBoth(es10, pool.get(smdpAddress), fromHex(transactionId, 'transactionId'), transactionId, 'postponed');
    } catch (e) {
      note = toLpaError(e).message;
    }
  }
  if (note) progress('recover', `could not cancel the old session (${note}); trying a fresh download`, { transactionId });
  else progress('recover', 'old session cancelled on the eUICC and the SM-DP+', { transactionId });
  journal.update({ transactionId: undefined, transactionSmdpAddress: undefined }, note ? `recover: ${note}` : `recover: cancelled ${transactionId}`);
  return note;
}
