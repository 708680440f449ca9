/** ES10b RetrieveNotificationsList (BF2B): the signed pending notifications: all, by seqNumber or by operation. */

import { tlv } from '../../../es10/der.js';
import {
  decodeRetrieveNotificationsListRequest,
  encodeRetrieveNotificationsListResponse,
  TAG_RETRIEVE_NOTIFICATIONS_LIST,
} from '../../../es10/retrieveNotificationsList.js';
import { operationOfEvent, pendingNotificationDer } from '../notifications.js';
import type { StoredNotification } from '../state.js';
import type { Es10Handler } from './context.js';

export const retrieveNotificationsListHandler: Es10Handler = {
  name: 'RetrieveNotificationsList',
  tag: TAG_RETRIEVE_NOTIFICATIONS_LIST,
  handle(request, ctx) {
    const { searchCriteria: c } = decodeRetrieveNotificationsListRequest(request);
    let picked: StoredNotification[] = ctx.store.state.notifications;
    if (c !== undefined) {
      if ('seqNumber' in c) {
        picked = picked.filter((n) => n.seqNumber === c.seqNumber);
      } else {
        const ops = c.profileManagementOperation.map(operationOfEvent);
        picked = picked.filter((n) => ops.includes(n.operation));
      }
      if (picked.length === 0) return encodeRetrieveNotificationsListResponse({ ok: false, error: 'noResultAvailable' });
    }
    // the stored notifications go out as signed (or as stored, malformed by a quirk), byte-for-byte
    return tlv(TAG_RETRIEVE_NOTIFICATIONS_LIST, tlv(0xa0, ...picked.map(pendingNotificationDer)));
  },
};
