import { LpaError, toLpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import type { PendingNotification } from '../es10/retrieveNotificationsList.js';
import type { Es9Pool } from './es9.js';

export interface DeliveryOutcome {
  /** null for an entry so malformed that not even its sequence number reads. */
  seqNumber: number | null;
  operation: string;
  address: string;
  iccid: string | null;
  delivered: boolean;
  /** Removed from the eUICC: after the SM-DP+ accepted it, or refused it for good. */
  removed: boolean;
  /** The SM-DP+ refused it with an ES9+ failure status: reported once and removed, never retried. */
  refused?: boolean;
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
    selected = pending.filter((n) => n.metadata !== undefined && wanted.has(n.metadata.seqNumber));
    const missing = [...wanted].filter((s) => !selected.some((n) => n.metadata?.seqNumber === s));
    if (missing.length > 0) {
      throw new LpaError('ES10_RESULT', `no pending notification with sequence number ${missing.join(', ')}`, { result: 'nothingToDelete' });
    }
  }
  const outcomes: DeliveryOutcome[] = [];
  for (const n of selected) outcomes.push(await deliverOne(es10, pool, n, options));
  return outcomes;
}

/** One notification: sent as the eUICC gave it, removed once accepted (or refused for good). */
async function deliverOne(es10: Es10Client, pool: Es9Pool, n: PendingNotification, options: DeliverOptions): Promise<DeliveryOutcome> {
  const md = n.metadata;
  if (!md || md.notificationAddress === '') {
    // one bad entry does not stop the others: it is reported and left on the eUICC
    const why = n.kind === 'malformed' ? n.problem : 'it names no notification address';
    return {
      seqNumber: md?.seqNumber ?? null,
      operation: md?.profileManagementOperation ?? 'unknown',
      address: '',
      iccid: md?.iccid ?? null,
      delivered: false,
      removed: false,
      error: { code: 'ASN1_DECODE', message: `a pending notification${md ? ` (#${md.seqNumber})` : ''} cannot be sent: ${why}` },
    };
  }
  const outcome: DeliveryOutcome = {
    seqNumber: md.seqNumber,
    operation: md.profileManagementOperation,
    address: md.notificationAddress,
    iccid: md.iccid ?? null,
    delivered: false,
    removed: false,
  };
  if (n.kind === 'malformed') {
    options.onProgress?.(`notification #${md.seqNumber} does not decode (${n.problem}); sending it as the eUICC gave it`, { seqNumber: md.seqNumber });
  }
  options.onProgress?.(`sending ${md.profileManagementOperation} notification #${md.seqNumber} to ${md.notificationAddress}`, { seqNumber: md.seqNumber });
  try {
    await pool.get(md.notificationAddress).handleNotification({ pendingNotification: n.raw });
    outcome.delivered = true;
    await es10.removeNotification(md.seqNumber);
    outcome.removed = true;
  } catch (e) {
    const err = toLpaError(e);
    outcome.error = { code: err.code, message: err.message };
    if (!outcome.delivered && isPermanentRefusal(err)) {
      // the SM-DP+ answered it: sending it again cannot change that answer
      outcome.refused = true;
      options.onProgress?.(`the SM-DP+ refused notification #${md.seqNumber} (${err.message}); removing it from the eUICC so it is not retried`, { seqNumber: md.seqNumber });
      try {
        await es10.removeNotification(md.seqNumber);
        outcome.removed = true;
      } catch (re) {
        outcome.error.message += `; removing it failed: ${(re as Error).message}`;
      }
    }
  }
  return outcome;
}

/** One line about a notification that was not delivered, for notices and progress. */
export function undeliveredLine(o: DeliveryOutcome): string {
  const what = `${o.operation} notification #${o.seqNumber ?? '?'}${o.address ? ` to ${o.address}` : ''}`;
  const fate = o.refused ? (o.removed ? 'refused by the SM-DP+ and removed from the eUICC' : 'refused by the SM-DP+') : 'it stays queued ("notifications send")';
  return `${what} not delivered: ${o.error?.message ?? 'unknown error'}; ${fate}`;
}

/** An ES9+ failure status (JSON `Failed`/`Expired`), as opposed to a network or HTTP problem. */
export function isPermanentRefusal(err: LpaError): boolean {
  return (err.code === 'ES9_FAILED' || err.code === 'PROFILE_ALREADY_DOWNLOADED') && typeof err.details.status === 'string';
}

/** Throws the first failure of a delivery as an LpaError (for commands that must fail loudly). */
export function firstDeliveryError(outcomes: readonly DeliveryOutcome[]): LpaError | undefined {
  const bad = outcomes.find((o) => o.error);
  if (!bad?.error) return undefined;
  const failed = outcomes.filter((o) => o.error).length;
  return new LpaError(
    bad.error.code as LpaError['code'],
    `${failed} of ${outcomes.length} notification(s) not delivered; first: #${bad.seqNumber ?? '?'} to ${bad.address || '(no address)'}: ${bad.error.message} (${bad.refused ? 'refused for good and removed' : 'they stay on the eUICC; retry with "notifications send"'})`,
    { seqNumber: bad.seqNumber },
  );
}

/**
 * Delivers the install result of a download right after the load: the notification the result
 * named, or every pending install notification when the result did not say (unreadable).
 */
export async function deliverInstallResults(
  es10: Es10Client,
  pool: Es9Pool,
  seqNumber: number | undefined,
  onProgress?: DeliverOptions['onProgress'],
): Promise<DeliveryOutcome[]> {
  const seqNumbers = seqNumber !== undefined ? [seqNumber] : (await es10.listNotifications(['notificationInstall'])).map((n) => n.seqNumber);
  if (seqNumbers.length === 0) return [];
  return deliverNotifications(es10, pool, { seqNumbers, ...(onProgress ? { onProgress } : {}) });
}
