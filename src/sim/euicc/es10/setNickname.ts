/** ES10c SetNickname (BF29): sets (or, with an empty string, clears) a profile's nickname. */

import { decodeSetNicknameRequest, encodeSetNicknameResponse, TAG_SET_NICKNAME } from '../../../es10/setNickname.js';
import { setNickname } from '../profiles.js';
import type { Es10Handler } from './context.js';

export const setNicknameHandler: Es10Handler = {
  name: 'SetNickname',
  tag: TAG_SET_NICKNAME,
  handle(request, ctx) {
    const req = decodeSetNicknameRequest(request);
    const result = setNickname(ctx.store.state, req.iccid, req.profileNickname);
    if (result === 'ok') ctx.store.save();
    return encodeSetNicknameResponse({ result });
  },
};
