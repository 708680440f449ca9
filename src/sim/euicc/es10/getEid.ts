/** ES10c GetEID (BF3E): the EID when the tag list asks for 5A. */

import { tlv } from '../../../es10/der.js';
import { decodeGetEidRequest, encodeGetEidResponse, TAG_GET_EID } from '../../../es10/getEid.js';
import type { Es10Handler } from './context.js';

export const getEidHandler: Es10Handler = {
  name: 'GetEID',
  tag: TAG_GET_EID,
  handle(request, ctx) {
    const req = decodeGetEidRequest(request);
    if (!req.tagList.includes(0x5a)) return tlv(TAG_GET_EID);
    return encodeGetEidResponse({ eid: ctx.store.state.eid });
  },
};
