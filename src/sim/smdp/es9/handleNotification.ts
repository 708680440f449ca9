/**
 * ES9+ handleNotification: records every pending notification (raw and decoded). A
 * ProfileInstallationResult signed by the eUICC of its session moves the order to installed (or
 * failed); other notifications (enable, disable, delete) are verified with the certificates they
 * carry and recorded. Answers 204 No Content; an undecodable notification is HTTP 400.
 */

import { decodePendingNotification, type DecodedNotification as PendingNotification } from '../../../es10/retrieveNotificationsList.js';
import { signatureValue } from '../../../es10/common.js';
import { parseCertificate, verifyChain } from '../../../crypto/certs.js';
import { ecdsaVerify } from '../../../crypto/ecdsa.js';
import { toHex } from '../../../util/hex.js';
import type { Es9Body } from '../status.js';
import type { SmdpContext } from './context.js';
import { base64Field, decodeField } from './fields.js';

function verifyOther(ctx: SmdpContext, n: Extract<PendingNotification, { kind: 'otherSignedNotification' }>): { verified: boolean; eid?: string; problem?: string } {
  try {
    const cert = parseCertificate(n.euiccCertificate);
    verifyChain(cert, [parseCertificate(n.eumCertificate)], ctx.pki.trustedCis, { expectedRole: 'euicc' });
    const ok = ecdsaVerify(cert.publicKey, n.tbsOtherNotification, signatureValue(n.euiccNotificationSignature));
    return { verified: ok, ...(cert.eid ? { eid: cert.eid } : {}), ...(ok ? {} : { problem: 'signature does not verify' }) };
  } catch (e) {
    return { verified: false, problem: (e as Error).message };
  }
}

export function handleNotification(ctx: SmdpContext, body: Es9Body): undefined {
  const raw = base64Field(body, 'pendingNotification');
  let n: PendingNotification;
  try {
    n = decodeField('pendingNotification', () => decodePendingNotification(raw));
  } catch (e) {
    ctx.notifications.add({ kind: 'undecodable', raw: Buffer.from(raw).toString('base64'), verified: false, problem: (e as Error).message });
    throw e;
  }
  const md = n.metadata;
  const base = {
    raw: Buffer.from(raw).toString('base64'),
    seqNumber: md.seqNumber,
    operation: String(md.profileManagementOperation),
    notificationAddress: md.notificationAddress,
    ...(md.iccid ? { iccid: md.iccid } : {}),
  };
  if (n.kind === 'otherSignedNotification') {
    ctx.notifications.add({ kind: n.kind, ...base, ...verifyOther(ctx, n) });
    return undefined;
  }
  const pir = n.installation;
  const transactionId = toHex(pir.transactionId);
  const session = ctx.sessions.get(transactionId);
  const result = pir.finalResult;
  const installError = result.success ? undefined : `${result.bppCommandId}/${result.errorReason}`;
  let verified = false;
  let problem: string | undefined;
  if (!session?.euiccKey) {
    problem = `no session ${transactionId} to verify the signature with`;
  } else {
    try {
      verified = ecdsaVerify(session.euiccKey, pir.dataRaw, signatureValue(pir.euiccSignPIR));
      if (!verified) problem = 'euiccSignPIR does not verify with the eUICC of the session';
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  let orderId: string | undefined;
  if (verified) {
    const order = ctx.orders.markInstallResult(transactionId, result.success, installError);
    if (order && (order.state === 'installed' || order.state === 'failed')) {
      orderId = order.id;
      ctx.emit({
        orderId: order.id,
        iccid: order.iccid,
        profile: order.profile,
        state: order.state,
        ...(session?.eid ? { eid: session.eid } : {}),
        ...(order.matchingId ? { matchingId: order.matchingId } : {}),
      });
    }
  }
  ctx.notifications.add({
    kind: n.kind,
    ...base,
    transactionId,
    success: result.success,
    ...(installError ? { installError } : {}),
    ...(session?.eid ? { eid: session.eid } : {}),
    verified,
    ...(orderId ? { orderId } : {}),
    ...(problem ? { problem } : {}),
  });
  return undefined;
}
