/** ES10c EnableProfile (BF31): switches the enabled profile, queues notifications, may ask for REFRESH. */

import { decodeEnableProfileRequest, encodeEnableProfileResponse, TAG_ENABLE_PROFILE } from '../../../es10/enableProfile.js';
import { notifier } from '../notifications.js';
import { enableProfile } from '../profiles.js';
import type { Es10Handler } from './context.js';

export const enableProfileHandler: Es10Handler = {
  name: 'EnableProfile',
  tag: TAG_ENABLE_PROFILE,
  handle(request, ctx) {
    const req = decodeEnableProfileRequest(request);
    const result = enableProfile(ctx.store.state, req.profile, notifier(ctx));
    if (result === 'ok') {
      ctx.store.save();
      if (req.refreshFlag) ctx.requestRefresh();
    }
    return encodeEnableProfileResponse({ result });
  },
};
