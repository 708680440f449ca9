/** ES10b RemoveNotificationFromList: `BF30 { 80 seqNumber }` -> `BF30 { 80 deleteNotificationStatus }`. */

import { decodeRoot, encInt, need, readInt, tlv } from './der.js';
import { decResultResponse, encResultResponse, type ResultResponse } from './common.js';
import { REMOVE_NOTIFICATION_RESULT } from './results.js';

export const TAG_REMOVE_NOTIFICATION = 0xbf30;

export interface RemoveNotificationRequest {
  seqNumber: number;
}

export type RemoveNotificationResponse = ResultResponse<keyof typeof REMOVE_NOTIFICATION_RESULT>;

export function encodeRemoveNotificationRequest(req: RemoveNotificationRequest): Uint8Array {
  return tlv(TAG_REMOVE_NOTIFICATION, encInt(0x80, req.seqNumber));
}

export function decodeRemoveNotificationRequest(der: Uint8Array): RemoveNotificationRequest {
  const w = 'NotificationSentRequest.seqNumber';
  return { seqNumber: readInt(need(decodeRoot(der, TAG_REMOVE_NOTIFICATION, 'NotificationSentRequest'), 0x80, w), w) };
}

export function encodeRemoveNotificationResponse(resp: RemoveNotificationResponse): Uint8Array {
  return encResultResponse(TAG_REMOVE_NOTIFICATION, REMOVE_NOTIFICATION_RESULT, resp, 'NotificationSentResponse');
}

export function decodeRemoveNotificationResponse(der: Uint8Array): RemoveNotificationResponse {
  return decResultResponse(der, TAG_REMOVE_NOTIFICATION, REMOVE_NOTIFICATION_RESULT, 'NotificationSentResponse');
}
