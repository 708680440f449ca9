/**
 * ES10b ListNotification: `BF28 { [81 operations(bits)] }` ->
 * `BF28 { A0 { BF2F ... } | 81 error }`.
 */

import { decodeRoot, encNamedBits, find, opt, readNamedBits, single, tlv } from './der.js';
import { encErrorAnswer, readErrorAnswer, type ErrorAnswer } from './common.js';
import { encodeNotificationMetadata, readNotificationMetadataTolerant, type NotificationMetadata } from './notificationMetadata.js';
import { LIST_NOTIFICATION_ERROR, NOTIFICATION_EVENT_BITS, type NotificationEvent } from './results.js';
import { asn1Error } from '../util/tlv.js';

export const TAG_LIST_NOTIFICATION = 0xbf28;

export interface ListNotificationRequest {
  /** Only notifications for these operations; all when absent. */
  profileManagementOperation?: (NotificationEvent | `bit${number}`)[];
}

export type ListNotificationResponse =
  | {
      ok: true;
      notifications: NotificationMetadata[];
      /** Entries the card sent that do not decode at all (not even a sequence number). */
      malformed?: { problem: string }[];
    }
  | ErrorAnswer<keyof typeof LIST_NOTIFICATION_ERROR>;

export function encodeListNotificationRequest(req: ListNotificationRequest = {}): Uint8Array {
  return tlv(TAG_LIST_NOTIFICATION, opt(req.profileManagementOperation, (ops) => encNamedBits(0x81, ops, NOTIFICATION_EVENT_BITS)));
}

export function decodeListNotificationRequest(der: Uint8Array): ListNotificationRequest {
  const w = 'ListNotificationRequest';
  const ops = find(decodeRoot(der, TAG_LIST_NOTIFICATION, w), 0x81);
  return ops ? { profileManagementOperation: readNamedBits(ops, NOTIFICATION_EVENT_BITS, `${w}.profileManagementOperation`) } : {};
}

export function encodeListNotificationResponse(resp: ListNotificationResponse): Uint8Array {
  if (!resp.ok) return tlv(TAG_LIST_NOTIFICATION, encErrorAnswer(0x81, LIST_NOTIFICATION_ERROR, resp, 'ListNotificationResponse'));
  return tlv(TAG_LIST_NOTIFICATION, tlv(0xa0, ...resp.notifications.map(encodeNotificationMetadata)));
}

export function decodeListNotificationResponse(der: Uint8Array): ListNotificationResponse {
  const w = 'ListNotificationResponse';
  const choice = single(decodeRoot(der, TAG_LIST_NOTIFICATION, w), w);
  if (choice.tag === 0x81) return readErrorAnswer(choice, LIST_NOTIFICATION_ERROR, `${w}.listNotificationsResultError`);
  if (choice.tag !== 0xa0) throw asn1Error(w, `unexpected alternative tag ${choice.tag.toString(16).toUpperCase()}`, choice.offset);
  // one bad entry must not hide the others: each is read on its own, tolerantly
  const notifications: NotificationMetadata[] = [];
  const malformed: { problem: string }[] = [];
  if (!choice.constructed) throw asn1Error(w, 'notificationMetadataList must be constructed', choice.offset);
  for (const t of choice.children) {
    try {
      notifications.push(readNotificationMetadataTolerant(t, `${w}.notificationMetadata`));
    } catch (e) {
      malformed.push({ problem: (e as Error).message });
    }
  }
  return { ok: true, notifications, ...(malformed.length > 0 ? { malformed } : {}) };
}
