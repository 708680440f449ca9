/**
 * ES10b AuthenticateServer (BF38), eUICC side (SGP.22 5.7.13): checks the SM-DP+ or SM-DS
 * (CERT.DPauth or CERT.DSauth chained to a CI this eUICC knows, serverSignature1 over the raw
 * serverSigned1, the challenge of the last GetEUICCChallenge, a plausible server address) and
 * answers euiccSigned1 signed with the eUICC key. Success opens the download session (an SM-DS
 * session simply ends with the next authentication); any failure answers AuthenticateResponseError.
 */

import {
  decodeAuthenticateServerRequest,
  decodeServerSigned1,
  encodeAuthenticateServerResponse,
  encodeEuiccSigned1,
  TAG_AUTHENTICATE_SERVER,
} from '../../../es10/authenticateServer.js';
import { encodeSignature, signatureValue } from '../../../es10/common.js';
import { readOctets } from '../../../es10/der.js';
import { encodeEuiccInfo2Request } from '../../../es10/euiccInfo2.js';
import type { AUTHENTICATE_ERROR_CODE } from '../../../es10/results.js';
import { parseTlv } from '../../../util/tlv.js';
import { ecdsaVerify } from '../../../crypto/ecdsa.js';
import { bytesEqual } from '../../../util/hex.js';
import type { Es10Handler } from './context.js';
import { endDownload, findCi, setDownload, verifySmdpCertificate } from './downloadSession.js';
import { euiccInfo2Handler } from './euiccInfo2.js';

type AuthError = keyof typeof AUTHENTICATE_ERROR_CODE;

/** A host name (LDH labels) with an optional port, as SGP.22 serverAddress / smdpAddress. */
const SERVER_ADDRESS = /^(?=.{1,253}(?::|$))[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;

export function plausibleServerAddress(address: string): boolean {
  return SERVER_ADDRESS.test(address);
}

export const authenticateServerHandler: Es10Handler = {
  name: 'AuthenticateServer',
  tag: TAG_AUTHENTICATE_SERVER,
  handle(request, ctx) {
    const req = decodeAuthenticateServerRequest(request);
    const signed1 = decodeServerSigned1(req.serverSigned1);
    const challenge = ctx.session.euiccChallenge;
    // a new authentication replaces whatever session was open; the challenge is single-use
    endDownload(ctx.session);
    delete ctx.session.euiccChallenge;
    const fail = (error: AuthError): Uint8Array =>
      encodeAuthenticateServerResponse({ ok: false, error, transactionId: signed1.transactionId });

    const ci = findCi(readOctets(parseTlv(req.euiccCiPKIdToBeUsed, 'euiccCiPKIdToBeUsed'), 'euiccCiPKIdToBeUsed', 1, 64));
    if (!ci) return fail('ciPKUnknown');
    // an SM-DP+ (DPauth) or, for event retrieval, an SM-DS (DSauth)
    const cert = verifySmdpCertificate(req.serverCertificate, ci, 'dp-auth') ?? verifySmdpCertificate(req.serverCertificate, ci, 'ds-auth');
    if (!cert) return fail('invalidCertificate');
    const smdpOid = cert.registeredIds[0];
    if (smdpOid === undefined) return fail('invalidOid');
    if (!ecdsaVerify(cert.publicKey, req.serverSigned1, signatureValue(req.serverSignature1))) return fail('invalidSignature');
    if (!challenge) return fail('noSessionContext');
    if (!bytesEqual(challenge, signed1.euiccChallenge)) return fail('euiccChallengeMismatch');
    if (!plausibleServerAddress(signed1.serverAddress)) return fail('undefinedError');

    const euiccSigned1 = encodeEuiccSigned1({
      transactionId: signed1.transactionId,
      serverAddress: signed1.serverAddress,
      serverChallenge: signed1.serverChallenge,
      euiccInfo2: euiccInfo2Handler.handle(encodeEuiccInfo2Request(), ctx),
      ctxParams1: req.ctxParams1Raw,
    });
    const euiccSignature1 = encodeSignature(ctx.identity.sign(euiccSigned1));
    setDownload(ctx.session, {
      stage: 'authenticated',
      transactionId: signed1.transactionId,
      serverAddress: signed1.serverAddress,
      smdpOid,
      ci,
      euiccSignature1,
      ...(req.ctxParams1.matchingId === undefined ? {} : { matchingId: req.ctxParams1.matchingId }),
    });
    return encodeAuthenticateServerResponse({
      ok: true,
      euiccSigned1,
      euiccSignature1,
      euiccCertificate: ctx.identity.euiccCertificate,
      eumCertificate: ctx.identity.eumCertificate,
    });
  },
};
