import { LpaError, toLpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import type { PendingNotification } from '../es10/retrieveNotificationsList.js';
import type { Es9Pool } from './es9.js';

export interface DeliveryOutcome {
  seqNumber: number;
  operation: string;
  address: string;
  iccid: string | null;
  delivered: boolean;
  /** Removed from the eUICC (only ever after the SM-DP+ accepted it). */
  removed: boolean;
  error?: { code: string; message: string };
}

export interface DeliverOptions {
  /** Only these sequence numbers; all pending ones when absent. */
  seqNumbers?: readonly number[];
  onProgress?: (message: string, data: Record<string, unknown>) => void;
}

/**
 * Delivers pending notifications: one RetrieveNotificationsList for all of them, or by sequence
 * number when only one is wanted (fewest APDUs),
 * then for each one ES9+ handleNotification with its signed DER exactly as the eUICC gave it, and
 * RemoveNotificationFromList only after the SM-DP+ accepted it. A failure on one notification is
 * recorded and the others still go; the caller decides what a partial failure means.
 */
export async function deliverNotifications(es10: Es10Client, pool: Es9Pool, options: DeliverOptions = {}): Promise<DeliveryOutcome[]> {
  const one = options.seqNumbers?.length === 1 ? options.seqNumbers[0] : undefined;
  const pending = await es10.retrieveNotifications(one);
  let selected: PendingNotification[] = pending;
  if (options.seqNumbers) {
    const wanted = new Set(options.seqNumbers);
    selected = pending.filter((n) => wanted.has(n.metadata.seqNumber));
    const missing = [...wanted].filter((s) => !pending.some((n) => n.metadata.seqNumber === s));
    if (missing.length > 0) {
      throw new LpaError('ES10_RESULT', `no pending notification with sequence number ${missing.join(', ')}`, { result: 'nothingToDelete' });
    }
  }
  const outcomes: DeliveryOutcome[] = [];
  for (const n of selected) {
    const md = n.metadata;
    const outcome: DeliveryOutcome = {
      seqNumber: md.seqNumber,
      operation: md.profileManagementOperation,
      address: md.notificationAddress,
      iccid: md.iccid ?? null,
      delivered: false,
      removed: false,
    };
    options.onProgress?.(`sending ${md.profileManagementOperation} notification #${md.seqNumber} to ${md.notificationAddress}`, { seqNumber: md.seqNumber });
    try {
      await pool.get(md.notificationAddress).handleNotification({ pendingNotification: n.raw });
      outcome.delivered = true;
      await es10.removeNotification(md.seqNumber);
      outcome.removed = true;
    } catch (e) {
      const err = toLpaError(e);
      outcome.error = { code: err.code, message: err.message };
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** Throws the first failure of a delivery as an LpaError (for commands that must fail loudly). */
export function firstDeliveryError(outcomes: readonly DeliveryOutcome[]): LpaError | undefined {
  const bad = outcomes.find((o) => o.error);
  if (!bad?.error) return undefined;
  const failed = outcomes.filter((o) => o.error).length;
  return new LpaError(
    bad.error.code as LpaError['code'],
    `${failed} of ${outcomes.length} notification(s) not delivered; first: #${bad.seqNumber} to ${bad.address}: ${bad.error.message} (they stay on the eUICC; retry with "notifications send")`,
    { seqNumber: bad.seqNumber },
  );
}
