/** ES10a SetDefaultDpAddress (BF3F): stores (or, with an empty string, clears) the default SM-DP+. */

import {
  decodeSetDefaultDpAddressRequest,
  encodeSetDefaultDpAddressResponse,
  TAG_SET_DEFAULT_DP_ADDRESS,
} from '../../../es10/setDefaultDpAddress.js';
import type { Es10Handler } from './context.js';

export const setDefaultDpAddressHandler: Es10Handler = {
  name: 'SetDefaultDpAddress',
  tag: TAG_SET_DEFAULT_DP_ADDRESS,
  handle(request, ctx) {
    const { defaultDpAddress } = decodeSetDefaultDpAddressRequest(request);
    ctx.store.state.defaultDpAddress = defaultDpAddress;
    ctx.store.save();
    return encodeSetDefaultDpAddressResponse({ result: 'ok' });
  },
};
