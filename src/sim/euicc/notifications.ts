/**
 * The eUICC's pending notifications: building and signing OtherSignedNotification for
 * enable/disable/delete, queueing, and reading the NotificationMetadata back out of what is stored.
 */

import { LpaError } from '../../errors.js';
import { encodeSignature } from '../../es10/common.js';
import { encIccid } from '../../es10/common.js';
import { encInt, encNamedBits, encUtf8, tlv } from '../../es10/der.js';
import { encodeNotificationMetadata, TAG_NOTIFICATION_METADATA, type NotificationMetadata } from '../../es10/notificationMetadata.js';
import { NOTIFICATION_EVENT_BITS, type NotificationEvent } from '../../es10/results.js';
import { encodeOtherSignedNotification } from '../../es10/retrieveNotificationsList.js';
import { parseTlv } from '../../util/tlv.js';
import type { Es10Context } from './es10/context.js';
import type { EuiccIdentity } from './identity.js';
import type { Notify } from './profiles.js';
import type { EuiccQuirks } from './quirks.js';
import type { EuiccStateStore, NotificationOperation, StoredNotification, StoredProfile } from './state.js';

export const OPERATION_EVENTS: Record<NotificationOperation, NotificationEvent> = {
  install: 'notificationInstall',
  enable: 'notificationEnable',
  disable: 'notificationDisable',
  delete: 'notificationDelete',
};

export function operationOfEvent(event: string): NotificationOperation | undefined {
  for (const [op, ev] of Object.entries(OPERATION_EVENTS)) if (ev === event) return op as NotificationOperation;
  return undefined;
}

/** NotificationMetadata with a second operation bit set (the twoOperationBits quirk). */
function twoBitMetadata(md: NotificationMetadata): Uint8Array {
  const extra = md.profileManagementOperation === 'notificationDelete' ? 'notificationInstall' : 'notificationDelete';
  return tlv(
    TAG_NOTIFICATION_METADATA,
    encInt(0x80, md.seqNumber),
    encNamedBits(0x81, [md.profileManagementOperation, extra], NOTIFICATION_EVENT_BITS),
    encUtf8(0x0c, md.notificationAddress),
    md.iccid === undefined ? new Uint8Array(0) : encIccid(md.iccid),
  );
}

/** The same DER without its signature element (the malformedNotifications quirk). */
function withoutSignature(der: Uint8Array): Uint8Array {
  const t = parseTlv(der, 'pending notification');
  return tlv(t.tag, ...t.children.filter((c) => c.tag !== 0x5f37).map((c) => c.raw));
}

/**
 * OtherSignedNotification ::= SEQUENCE { NotificationMetadata, 5F37 signature over the metadata DER,
 * eUICC certificate, EUM certificate }.
 */
export function signOtherNotification(identity: EuiccIdentity, md: NotificationMetadata, twoBits = false): Uint8Array {
  const mdDer = twoBits ? twoBitMetadata(md) : encodeNotificationMetadata(md);
  return encodeOtherSignedNotification({
    tbsOtherNotification: mdDer,
    euiccNotificationSignature: encodeSignature(identity.sign(mdDer)),
    euiccCertificate: identity.euiccCertificate,
    eumCertificate: identity.eumCertificate,
  });
}

/**
 * Most pending notifications the eUICC keeps (about 1.3 KB each with both certificates); beyond
 * that the oldest is dropped, as a card with limited memory would.
 */
export const MAX_PENDING_NOTIFICATIONS = 32;

/** Appends an already signed notification (e.g. a ProfileInstallationResult) to the queue. */
export function addPendingNotification(store: EuiccStateStore, n: StoredNotification, quirks?: EuiccQuirks): void {
  const list = store.state.notifications;
  if (quirks && quirks.malformedNotifications > 0) {
    quirks.malformedNotifications--;
    n = { ...n, signedDer: Buffer.from(withoutSignature(pendingNotificationDer(n))).toString('base64') };
  }
  list.push(n);
  if (list.length > MAX_PENDING_NOTIFICATIONS) list.splice(0, list.length - MAX_PENDING_NOTIFICATIONS);
}

/** Signs and queues the notification for `op` on `profile`; nothing when it has no address for `op`. */
export function queueNotification(
  store: EuiccStateStore,
  identity: EuiccIdentity,
  profile: StoredProfile,
  op: NotificationOperation,
  quirks?: EuiccQuirks,
): StoredNotification | undefined {
  const address = profile.notificationConfigurationInfo[op];
  if (!address) return undefined;
  const seqNumber = store.takeSeqNumber();
  const twoBits = quirks !== undefined && quirks.twoOperationBits > 0;
  if (twoBits) quirks.twoOperationBits--;
  const der = signOtherNotification(
    identity,
    { seqNumber, profileManagementOperation: OPERATION_EVENTS[op], notificationAddress: address, iccid: profile.iccid },
    twoBits,
  );
  const n: StoredNotification = { seqNumber, operation: op, address, iccid: profile.iccid, signedDer: Buffer.from(der).toString('base64') };
  addPendingNotification(store, n, quirks);
  return n;
}

/** The `Notify` callback profile operations use, bound to a handler's context. */
export function notifier(ctx: Pick<Es10Context, 'store' | 'identity'> & { quirks?: EuiccQuirks }): Notify {
  return (profile, op) => {
    queueNotification(ctx.store, ctx.identity, profile, op, ctx.quirks);
  };
}

export function pendingNotificationDer(n: StoredNotification): Uint8Array {
  return new Uint8Array(Buffer.from(n.signedDer, 'base64'));
}

/**
 * The NotificationMetadata (BF2F) element inside a stored notification, byte-for-byte: the first
 * element of an OtherSignedNotification, or ProfileInstallationResult BF37 > BF27 > BF2F.
 */
export function storedMetadataDer(n: StoredNotification): Uint8Array {
  let t = parseTlv(pendingNotificationDer(n), 'pending notification');
  if (t.tag === 0xbf37) {
    const data = t.children.find((c) => c.tag === 0xbf27);
    if (data) t = data;
  }
  const md = t.children.find((c) => c.tag === 0xbf2f);
  if (!md) throw new LpaError('INTERNAL', `stored notification ${n.seqNumber} holds no NotificationMetadata`, { seqNumber: n.seqNumber });
  return md.raw.slice();
}
