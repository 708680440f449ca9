/**
 * ES9+ cancelSession: verifies the eUICC's signature over euiccCancelSessionSigned with the key of
 * the session's eUICC, the transaction id and the SM-DP+ OID, records the reason and releases the
 * order (state `cancelled`: downloadable again, unless already installed). Ends the session.
 * A session that never reached authenticateClient has no eUICC key and no order: it is dropped.
 */

import { decodeCancelSessionResponse, decodeEuiccCancelSessionSigned } from '../../../es10/cancelSession.js';
import { signatureValue } from '../../../es10/common.js';
import { ecdsaVerify } from '../../../crypto/ecdsa.js';
import { bytesEqual } from '../../../util/hex.js';
import { SUCCESS_HEADER, es9Failure, type Es9Body } from '../status.js';
import type { SmdpContext } from './context.js';
import { base64Field, decodeField, transactionIdField } from './fields.js';

export function cancelSession(ctx: SmdpContext, body: Es9Body): Es9Body {
  const transactionId = transactionIdField(body);
  const resp = decodeField('cancelSessionResponse', () => decodeCancelSessionResponse(base64Field(body, 'cancelSessionResponse')));
  const session = ctx.sessions.get(transactionId);
  if (!session) throw es9Failure('8.10.1', '3.9', `transaction ${transactionId} is unknown`);
  if (!resp.ok) {
    if (resp.error === 'invalidTransactionId') throw es9Failure('8.10.1', '3.9', 'the eUICC does not know this transaction');
    throw es9Failure('8.1', '6.1', `the eUICC refused CancelSession: ${resp.error} (${resp.errorCode ?? '?'})`);
  }
  const signed = decodeField('euiccCancelSessionSigned', () => decodeEuiccCancelSessionSigned(resp.euiccCancelSessionSigned));
  if (!bytesEqual(signed.transactionId, session.tx)) throw es9Failure('8.10.1', '3.9', 'euiccCancelSessionSigned names another transaction');
  if (!session.euiccKey) {
    ctx.sessions.delete(transactionId);
    return { header: SUCCESS_HEADER };
  }
  const sig = decodeField('euiccCancelSessionSignature', () => signatureValue(resp.euiccCancelSessionSignature));
  if (!ecdsaVerify(session.euiccKey, resp.euiccCancelSessionSigned, sig)) {
    throw es9Failure('8.1', '6.1', 'euiccCancelSessionSignature does not verify with the eUICC certificate');
  }
  if (signed.smdpOid !== ctx.pki.oid) throw es9Failure('8.8', '3.10', `smdpOid ${signed.smdpOid} is not this SM-DP+ (${ctx.pki.oid})`);
  ctx.orders.cancel(session.transactionId, `${signed.reason}${signed.reasonCode !== undefined ? ` (${signed.reasonCode})` : ''}`);
  ctx.sessions.delete(transactionId);
  return { header: SUCCESS_HEADER };
}
