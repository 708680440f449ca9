/** ES10a GetEuiccConfiguredAddresses (BF3C): default SM-DP+ (when set) and root SM-DS. */

import {
  decodeConfiguredAddressesRequest,
  encodeConfiguredAddressesResponse,
  TAG_CONFIGURED_ADDRESSES,
} from '../../../es10/configuredAddresses.js';
import type { Es10Handler } from './context.js';

export const configuredAddressesHandler: Es10Handler = {
  name: 'GetEuiccConfiguredAddresses',
  tag: TAG_CONFIGURED_ADDRESSES,
  handle(request, ctx) {
    decodeConfiguredAddressesRequest(request);
    const { defaultDpAddress } = ctx.store.state;
    const rootDsAddress = ctx.quirks.rootDsAddress ?? ctx.store.state.rootDsAddress;
    return encodeConfiguredAddressesResponse(defaultDpAddress === '' ? { rootDsAddress } : { defaultDpAddress, rootDsAddress });
  },
};
