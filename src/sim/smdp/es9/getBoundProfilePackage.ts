/**
 * ES9+ getBoundProfilePackage: verifies euiccSignature2 (over euiccSigned2 DER followed by
 * smdpSignature2) with the eUICC key, the transaction and the confirmation code hash
 * (SHA-256(SHA-256(cc) || transactionId)), then binds the profile: a one-time ECKA key pair, ECDH
 * with otPK.EUICC.ECKA, the X9.63 session keys, InitialiseSecureChannel signed by DPpb,
 * ConfigureISDP, StoreMetadata, optional ReplaceSessionKeys and the profile segments.
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeEuiccSigned2, decodePrepareDownloadResponse } from '../../../es10/prepareDownload.js';
import { signatureValue } from '../../../es10/common.js';
import { buildBoundProfilePackage, encodeInitialiseSecureChannel } from '../../../es10/bpp.js';
import { BspSession } from '../../../crypto/bsp.js';
import { ecdsaVerify } from '../../../crypto/ecdsa.js';
import { deriveSessionKeys } from '../../../crypto/kdf.js';
import { OneTimeKeyPair } from '../../../crypto/otpk.js';
import { bytesEqual, concatBytes } from '../../../util/hex.js';
import { SUCCESS_HEADER, es9Failure, type Es9Body } from '../status.js';
import type { SmdpContext } from './context.js';
import { base64Field, decodeField, transactionIdField } from './fields.js';
import { activeSession, endOnFailure } from './session.js';

/** ConfigureISDPRequest without dpProprietaryData. */
const CONFIGURE_ISDP = Uint8Array.of(0xbf, 0x24, 0x00);

/** hashCc = SHA-256(SHA-256(confirmationCode) || transactionId). */
export function confirmationCodeHash(code: string, transactionId: Uint8Array): Uint8Array {
  const inner = createHash('sha256').update(code, 'utf8').digest();
  return new Uint8Array(createHash('sha256').update(inner).update(transactionId).digest());
}

export function getBoundProfilePackage(ctx: SmdpContext, body: Es9Body): Es9Body {
  const transactionId = transactionIdField(body);
  const resp = decodeField('prepareDownloadResponse', () => decodePrepareDownloadResponse(base64Field(body, 'prepareDownloadResponse')));
  const session = activeSession(ctx, transactionId, 'authenticated');
  return endOnFailure(session, () => {
    if (!resp.ok) throw es9Failure('8.1', '6.1', `the eUICC refused PrepareDownload: ${resp.error} (${resp.errorCode ?? '?'})`);
    const { euiccKey, smdpSignature2, orderId, eid } = session;
    if (!euiccKey || !smdpSignature2 || !orderId || !eid) throw es9Failure('8.10.1', '3.9', `transaction ${transactionId} is not authenticated`);
    const sig = decodeField('euiccSignature2', () => signatureValue(resp.euiccSignature2));
    if (!ecdsaVerify(euiccKey, concatBytes(resp.euiccSigned2, smdpSignature2), sig)) {
      throw es9Failure('8.1', '6.1', 'euiccSignature2 does not verify with the eUICC certificate');
    }
    const signed = decodeField('euiccSigned2', () => decodeEuiccSigned2(resp.euiccSigned2));
    if (!bytesEqual(signed.transactionId, session.tx)) throw es9Failure('8.10.1', '3.9', 'euiccSigned2 names another transaction');
    const code = ctx.orders.confirmationCode(orderId);
    if (code !== undefined) {
      if (!signed.hashCc) throw es9Failure('8.2.7', '2.2', 'a confirmation code is required but none was given');
      const expected = confirmationCodeHash(code, session.tx);
      if (!timingSafeEqual(expected, signed.hashCc)) {
        const left = ctx.orders.recordCcFailure(orderId);
        throw es9Failure('8.2.7', '3.8', `confirmation code refused (${left} attempt${left === 1 ? '' : 's'} left)`);
      }
    }
    const order = ctx.orders.get(orderId);
    const profile = order && ctx.orders.profile(order.profile);
    if (!order || !profile) throw es9Failure('8.2', '1.2', 'the order of this session is gone');
    let shared: Uint8Array;
    const otpk = OneTimeKeyPair.generate('prime256v1');
    try {
      shared = otpk.sharedSecret(signed.euiccOtpk);
    } catch (e) {
      throw es9Failure('8.1', '6.1', 'otPK.EUICC.ECKA is not a valid P-256 point', 200, e);
    }
    const keys = deriveSessionKeys(shared, { hostId: ctx.hostId, eid });
    const initialiseSecureChannel = encodeInitialiseSecureChannel({
      transactionId: session.tx,
      hostId: ctx.hostId,
      smdpOtpk: otpk.publicPoint,
      euiccOtpk: signed.euiccOtpk,
      dpPbKey: ctx.pki.dpPb.key,
    });
    const bpp = buildBoundProfilePackage({
      initialiseSecureChannel,
      configureIsdp: CONFIGURE_ISDP,
      storeMetadata: profile.metadata,
      profile: profile.package,
      session: new BspSession(keys),
      ...(ctx.replaceSessionKeys
        ? {
            replaceSessionKeys: {
              ppkEnc: new Uint8Array(randomBytes(16)),
              ppkCmac: new Uint8Array(randomBytes(16)),
              initialMcv: new Uint8Array(randomBytes(16)),
            },
          }
        : {}),
    });
    const done = ctx.orders.markDownloaded(orderId, session.transactionId, eid);
    session.stage = 'downloaded';
    ctx.emit({ orderId, eid, iccid: done.iccid, profile: done.profile, state: 'downloaded', ...(done.matchingId ? { matchingId: done.matchingId } : {}) });
    return {
      transactionId: session.transactionId,
      boundProfilePackage: Buffer.from(bpp).toString('base64'),
      header: SUCCESS_HEADER,
    };
  });
}
