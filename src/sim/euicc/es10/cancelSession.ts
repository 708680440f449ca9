/**
 * ES10b CancelSession (BF41), eUICC side (SGP.22 5.7.19): the transaction id must be the one of
 * the open download session (else invalidTransactionId; undefinedError when no session is open).
 * The answer is euiccCancelSessionSigned { transactionId, smdpOid, reason } signed with the eUICC
 * key, which the LPA forwards to the SM-DP+; the session is dropped.
 */

import {
  decodeCancelSessionRequest,
  encodeCancelSessionResponse,
  encodeEuiccCancelSessionSigned,
  TAG_CANCEL_SESSION,
} from '../../../es10/cancelSession.js';
import { encodeSignature } from '../../../es10/common.js';
import { bytesEqual } from '../../../util/hex.js';
import type { Es10Handler } from './context.js';
import { endDownload, getDownload } from './downloadSession.js';

export const cancelSessionHandler: Es10Handler = {
  name: 'CancelSession',
  tag: TAG_CANCEL_SESSION,
  handle(request, ctx) {
    const req = decodeCancelSessionRequest(request);
    const dl = getDownload(ctx.session);
    if (!dl) return encodeCancelSessionResponse({ ok: false, error: 'undefinedError' });
    if (!bytesEqual(dl.transactionId, req.transactionId)) return encodeCancelSessionResponse({ ok: false, error: 'invalidTransactionId' });
    const signed = encodeEuiccCancelSessionSigned({
      transactionId: dl.transactionId,
      smdpOid: dl.smdpOid,
      reason: req.reason,
      ...(req.reasonCode === undefined ? {} : { reasonCode: req.reasonCode }),
    });
    endDownload(ctx.session);
    delete ctx.session.euiccChallenge;
    return encodeCancelSessionResponse({
      ok: true,
      euiccCancelSessionSigned: signed,
      euiccCancelSessionSignature: encodeSignature(ctx.identity.sign(signed)),
    });
  },
};
