/** ES10b GetRAT (BF43): the Rules Authorisation Table; this eUICC has no rules (empty list). */

import { decodeGetRatRequest, encodeGetRatResponse, TAG_GET_RAT } from '../../../es10/getRat.js';
import type { Es10Handler } from './context.js';

export const getRatHandler: Es10Handler = {
  name: 'GetRAT',
  tag: TAG_GET_RAT,
  handle(request) {
    decodeGetRatRequest(request);
    return encodeGetRatResponse({ rat: [] });
  },
};
