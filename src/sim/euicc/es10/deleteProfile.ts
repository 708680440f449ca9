/** ES10c DeleteProfile (BF33): deletes a disabled profile and queues its delete notification. */

import { decodeDeleteProfileRequest, encodeDeleteProfileResponse, TAG_DELETE_PROFILE } from '../../../es10/deleteProfile.js';
import { notifier } from '../notifications.js';
import { deleteProfile } from '../profiles.js';
import type { Es10Handler } from './context.js';

export const deleteProfileHandler: Es10Handler = {
  name: 'DeleteProfile',
  tag: TAG_DELETE_PROFILE,
  handle(request, ctx) {
    const req = decodeDeleteProfileRequest(request);
    const result = deleteProfile(ctx.store.state, req.profile, notifier(ctx));
    if (result === 'ok') ctx.store.save();
    return encodeDeleteProfileResponse({ result });
  },
};
