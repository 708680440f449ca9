/** ES10b RetrieveNotificationsList (BF2B): the signed pending notifications: all, by seqNumber or by operation. */

import {
  decodePendingNotification,
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
    return encodeRetrieveNotificationsListResponse({
      ok: true,
      notifications: picked.map((n) => decodePendingNotification(pendingNotificationDer(n))),
    });
  },
};
