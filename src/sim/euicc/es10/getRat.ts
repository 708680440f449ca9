/** ES10b GetRAT (BF43): the Rules Authorisation Table (the `rat` quirk; by default no rule). */

import { decodeGetRatRequest, encodeGetRatResponse, TAG_GET_RAT } from '../../../es10/getRat.js';
import type { Es10Handler } from './context.js';

export const getRatHandler: Es10Handler = {
  name: 'GetRAT',
  tag: TAG_GET_RAT,
  handle(request, ctx) {
    decodeGetRatRequest(request);
    return encodeGetRatResponse({ rat: ctx.quirks.rat });
  },
};
