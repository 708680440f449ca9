/**
 * ES10b CancelSession (BF41): placeholder until the download functions exist. The request is
 * checked and the session state dropped; the answer is undefinedError (nothing to sign yet).
 */

import { decodeCancelSessionRequest, encodeCancelSessionResponse, TAG_CANCEL_SESSION } from '../../../es10/cancelSession.js';
import type { Es10Handler } from './context.js';

export const cancelSessionHandler: Es10Handler = {
  name: 'CancelSession',
  tag: TAG_CANCEL_SESSION,
  handle(request, ctx) {
    decodeCancelSessionRequest(request);
    delete ctx.session.euiccChallenge;
    return encodeCancelSessionResponse({ ok: false, error: 'undefinedError' });
  },
};
