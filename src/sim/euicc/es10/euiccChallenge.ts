/** ES10b GetEUICCChallenge (BF2E): 16 random bytes, kept in the session for AuthenticateServer. */

import { randomBytes } from 'node:crypto';
import { decodeEuiccChallengeRequest, encodeEuiccChallengeResponse, TAG_EUICC_CHALLENGE } from '../../../es10/euiccChallenge.js';
import type { Es10Handler } from './context.js';

export const euiccChallengeHandler: Es10Handler = {
  name: 'GetEUICCChallenge',
  tag: TAG_EUICC_CHALLENGE,
  handle(request, ctx) {
    decodeEuiccChallengeRequest(request);
    const euiccChallenge = new Uint8Array(randomBytes(16));
    ctx.session.euiccChallenge = euiccChallenge;
    return encodeEuiccChallengeResponse({ euiccChallenge });
  },
};
