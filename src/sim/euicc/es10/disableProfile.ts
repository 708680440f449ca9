/** ES10c DisableProfile (BF32): disables the enabled profile, queues its notification, may ask for REFRESH. */

import { decodeDisableProfileRequest, encodeDisableProfileResponse, TAG_DISABLE_PROFILE } from '../../../es10/disableProfile.js';
import { notifier } from '../notifications.js';
import { disableProfile } from '../profiles.js';
import type { Es10Handler } from './context.js';

export const disableProfileHandler: Es10Handler = {
  name: 'DisableProfile',
  tag: TAG_DISABLE_PROFILE,
  handle(request, ctx) {
    const req = decodeDisableProfileRequest(request);
    const result = disableProfile(ctx.store.state, req.profile, notifier(ctx));
    if (result === 'ok') {
      ctx.store.save();
      if (req.refreshFlag) ctx.requestRefresh();
    }
    return encodeDisableProfileResponse({ result });
  },
};
