/**
 * What the local SM-DP+ recorded from handleNotification: every notification, raw (base64) and
 * decoded, with whether its eUICC signature verified. Bounded (oldest dropped).
 */

export const MAX_NOTIFICATIONS = 1000;

export interface NotificationRecord {
  /** 1, 2, ... in arrival order. */
  seq: number;
  receivedAt: string;
  kind: 'profileInstallationResult' | 'otherSignedNotification' | 'undecodable';
  /** The pendingNotification as received (base64). */
  raw: string;
  /** From NotificationMetadata. */
  seqNumber?: number;
  operation?: string;
  notificationAddress?: string;
  iccid?: string;
  /** ProfileInstallationResult only. */
  transactionId?: string;
  success?: boolean;
  /** "bppCommandId/errorReason" of a failed installation. */
  installError?: string;
  /** EID of the signer when known. */
  eid?: string;
  /** The eUICC signature verified (with the session's eUICC key or the attached certificates). */
  verified: boolean;
  /** Order the notification changed, if any. */
  orderId?: string;
  /** Why it could not be decoded or verified. */
  problem?: string;
}

export class NotificationLog {
  readonly #items: NotificationRecord[] = [];
  #seq = 0;

  add(r: Omit<NotificationRecord, 'seq' | 'receivedAt'>): NotificationRecord {
    const rec: NotificationRecord = { seq: ++this.#seq, receivedAt: new Date().toISOString(), ...r };
    this.#items.push(rec);
    if (this.#items.length > MAX_NOTIFICATIONS) this.#items.shift();
    return rec;
  }

  list(): NotificationRecord[] {
    return this.#items.map((r) => ({ ...r }));
  }
}
