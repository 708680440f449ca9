/** ES10b RemoveNotificationFromList (BF30): drops a delivered notification by sequence number. */

import {
  decodeRemoveNotificationRequest,
  encodeRemoveNotificationResponse,
  TAG_REMOVE_NOTIFICATION,
} from '../../../es10/removeNotification.js';
import type { Es10Handler } from './context.js';

export const removeNotificationHandler: Es10Handler = {
  name: 'RemoveNotificationFromList',
  tag: TAG_REMOVE_NOTIFICATION,
  handle(request, ctx) {
    const { seqNumber } = decodeRemoveNotificationRequest(request);
    const state = ctx.store.state;
    const kept = state.notifications.filter((n) => n.seqNumber !== seqNumber);
    if (kept.length === state.notifications.length) return encodeRemoveNotificationResponse({ result: 'nothingToDelete' });
    state.notifications = kept;
    ctx.store.save();
    return encodeRemoveNotificationResponse({ result: 'ok' });
  },
};
