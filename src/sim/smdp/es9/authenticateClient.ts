/**
 * ES9+ authenticateClient: verifies the eUICC (certificate chain CI -> EUM -> eUICC, signature of
 * euiccSigned1, transaction id and server challenge), finds the order by the matching id of
 * ctxParams1 or by the EID of the eUICC certificate, and answers the profile metadata and
 * smdpSigned2 { transactionId, ccRequiredFlag } signed with the DPpb key over its DER followed by
 * euiccSignature1, with the DPpb certificate.
 */

import { decodeAuthenticateServerResponse, decodeEuiccSigned1, readCtxParams1 } from '../../../es10/authenticateServer.js';
import { signatureValue } from '../../../es10/common.js';
import { encodeSmdpSigned2 } from '../../../es10/prepareDownload.js';
import { parseTlv } from '../../../util/tlv.js';
import { parseCertificate, verifyChain, type RspCertificate } from '../../../crypto/certs.js';
import { ecdsaSign, ecdsaVerify, signatureTlv } from '../../../crypto/ecdsa.js';
import { LpaError } from '../../../errors.js';
import { bytesEqual, concatBytes } from '../../../util/hex.js';
import { SUCCESS_HEADER, es9Failure, type Es9Body } from '../status.js';
import type { RspServerContext, SmdpContext } from './context.js';
import type { Session } from '../sessions.js';
import { base64Field, decodeField, transactionIdField } from './fields.js';
import { activeSession, endOnFailure } from './session.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

function certificate(der: Uint8Array, what: string): RspCertificate {
  try {
    return parseCertificate(der);
  } catch (e) {
    throw es9Failure(what === 'EUM' ? '8.1.2' : '8.1.3', '6.1', `${what} certificate cannot be parsed`, 200, e);
  }
}

/** What the eUICC proved in authenticateClient (SM-DP+ and SM-DS alike). */
export interface AuthenticatedClient {
  session: Session;
  eid: string;
  euiccCert: RspCertificate;
  /** The euiccSignature1 element (5F37 40 ...), raw. */
  euiccSignature1: Uint8Array;
  matchingId?: string;
}

/**
 * The checks every authenticateClient makes: the session is `initiated`, the eUICC answered ok,
 * its chain CI -> EUM -> eUICC verifies, euiccSignature1 is good, and the transaction and server
 * challenge are this session's. Refusals are ES9+ failures with the SGP.22 codes; the session
 * then ends (the caller runs this inside endOnFailure).
 */
export function verifyClient(ctx: RspServerContext, body: Es9Body, run: (client: AuthenticatedClient) => Es9Body): Es9Body {
  const transactionId = transactionIdField(body);
  const resp = decodeField('authenticateServerResponse', () => decodeAuthenticateServerResponse(base64Field(body, 'authenticateServerResponse')));
  const session = activeSession(ctx, transactionId, 'initiated');
  return endOnFailure(session, () => {
    if (!resp.ok) {
      throw es9Failure('8.1', '6.1', `the eUICC refused to authenticate the ${ctx.role ?? 'SM-DP+'}: ${resp.error} (${resp.errorCode ?? '?'})`);
    }
    const signed = decodeField('euiccSigned1', () => decodeEuiccSigned1(resp.euiccSigned1));
    const ctxParams = decodeField('ctxParams1', () => readCtxParams1(parseTlv(signed.ctxParams1, 'ctxParams1')));
    const euiccCert = certificate(resp.euiccCertificate, 'eUICC');
    const eumCert = certificate(resp.eumCertificate, 'EUM');
    try {
      verifyChain(euiccCert, [eumCert], ctx.pki.trustedCis, { expectedRole: 'euicc' });
    } catch (e) {
      const reason = e instanceof LpaError ? String(e.details.reason ?? '') : '';
      const subject = e instanceof LpaError && String(e.details.subject ?? '') === eumCert.subject.text ? '8.1.2' : '8.1.3';
      throw es9Failure(subject, '6.1', `eUICC certificate chain refused${reason ? ` (${reason})` : ''}: ${(e as Error).message}`, 200, e);
    }
    const eid = euiccCert.eid;
    if (eid === undefined) throw es9Failure('8.1.3', '6.1', 'the eUICC certificate carries no EID');
    const sig = decodeField('euiccSignature1', () => signatureValue(resp.euiccSignature1));
    if (!ecdsaVerify(euiccCert.publicKey, resp.euiccSigned1, sig)) {
      throw es9Failure('8.1', '6.1', 'euiccSignature1 does not verify with the eUICC certificate');
    }
    if (!bytesEqual(signed.transactionId, session.tx)) throw es9Failure('8.10.1', '3.9', 'euiccSigned1 names another transaction');
    if (!bytesEqual(signed.serverChallenge, session.serverChallenge)) {
      throw es9Failure('8.1', '6.1', 'euiccSigned1 does not carry the server challenge of this session');
    }
    return run({ session, eid, euiccCert, euiccSignature1: resp.euiccSignature1, ...(ctxParams.matchingId !== undefined ? { matchingId: ctxParams.matchingId } : {}) });
  });
}

export function authenticateClient(ctx: SmdpContext, body: Es9Body): Es9Body {
  return verifyClient(ctx, body, ({ session, eid, euiccCert, euiccSignature1, matchingId }) => {
    const order = ctx.orders.findForDownload(eid, matchingId);
    const profile = ctx.orders.profile(order.profile);
    if (!profile) throw es9Failure('8.2', '1.2', `profile ${order.profile} is not in the catalogue`);
    ctx.orders.attach(order.id, session.transactionId);
    const smdpSigned2 = encodeSmdpSigned2({ transactionId: session.tx, ccRequiredFlag: order.confirmationCodeRequired });
    const smdpSignature2 = signatureTlv(ecdsaSign(ctx.pki.dpPb.key, concatBytes(smdpSigned2, euiccSignature1)));
    session.stage = 'authenticated';
    session.eid = eid;
    session.euiccKey = euiccCert.publicKey;
    session.euiccSignature1 = euiccSignature1;
    session.smdpSignature2 = smdpSignature2;
    session.orderId = order.id;
    session.ccRequired = order.confirmationCodeRequired;
    return {
      transactionId: session.transactionId,
      profileMetadata: b64(profile.metadata),
      smdpSigned2: b64(smdpSigned2),
      smdpSignature2: b64(smdpSignature2),
      smdpCertificate: b64(ctx.pki.dpPb.der),
      header: SUCCESS_HEADER,
    };
  });
}
