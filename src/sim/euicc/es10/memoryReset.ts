/**
 * ES10c eUICCMemoryReset (BF34): deletes operational / test profiles and/or the default SM-DP+.
 * With the memoryResetNotifies quirk, each deleted profile's delete notification is queued (as some
 * cards do); by default none are.
 */

import { decodeMemoryResetRequest, encodeMemoryResetResponse, TAG_MEMORY_RESET } from '../../../es10/memoryReset.js';
import { notifier } from '../notifications.js';
import { memoryReset } from '../profiles.js';
import type { Es10Handler } from './context.js';

export const memoryResetHandler: Es10Handler = {
  name: 'eUICCMemoryReset',
  tag: TAG_MEMORY_RESET,
  handle(request, ctx) {
    const { resetOptions } = decodeMemoryResetRequest(request);
    const opts = new Set<string>(resetOptions);
    const out = memoryReset(ctx.store.state, {
      deleteOperationalProfiles: opts.has('deleteOperationalProfiles'),
      deleteFieldLoadedTestProfiles: opts.has('deleteFieldLoadedTestProfiles'),
      resetDefaultSmdpAddress: opts.has('resetDefaultSmdpAddress'),
    });
    if (ctx.quirks.memoryResetNotifies) {
      const notify = notifier(ctx);
      for (const p of out.deleted) notify(p, 'delete');
    }
    if (out.result === 'ok') ctx.store.save();
    if (out.enabledDeleted) ctx.requestRefresh();
    return encodeMemoryResetResponse({ result: out.result });
  },
};
