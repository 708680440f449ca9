/** ES10b ListNotification (BF28): metadata of the pending notifications, optionally by operation. */

import { decodeListNotificationRequest, TAG_LIST_NOTIFICATION } from '../../../es10/listNotification.js';
import { tlv } from '../../../es10/der.js';
import { operationOfEvent, storedMetadataDer } from '../notifications.js';
import type { Es10Handler } from './context.js';

export const listNotificationHandler: Es10Handler = {
  name: 'ListNotification',
  tag: TAG_LIST_NOTIFICATION,
  handle(request, ctx) {
    const req = decodeListNotificationRequest(request);
    const ops = req.profileManagementOperation?.map(operationOfEvent);
    const picked = ctx.store.state.notifications.filter((n) => ops === undefined || ops.includes(n.operation));
    // the stored metadata is sent as signed, byte-for-byte
    return tlv(TAG_LIST_NOTIFICATION, tlv(0xa0, ...picked.map(storedMetadataDer)));
  },
};
