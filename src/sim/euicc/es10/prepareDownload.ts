/**
 * ES10b PrepareDownload (BF21), eUICC side (SGP.22 5.7.14): checks CERT.DPpb (same CI as the
 * session), smdpSignature2 over smdpSigned2 || euiccSignature1, the transaction id and the
 * confirmation-code hash, then binds the session to a one-time ECKA key pair and answers
 * euiccSigned2 { transactionId, otPK.EUICC.ECKA, [hashCc] } signed over euiccSigned2 || smdpSignature2.
 * An error leaves the session open (the LPA cancels it with CancelSession).
 */

import { encodeSignature, signatureValue } from '../../../es10/common.js';
import {
  decodePrepareDownloadRequest,
  decodeSmdpSigned2,
  encodeEuiccSigned2,
  encodePrepareDownloadResponse,
  TAG_PREPARE_DOWNLOAD,
} from '../../../es10/prepareDownload.js';
import type { DOWNLOAD_ERROR_CODE } from '../../../es10/results.js';
import { ecdsaVerify } from '../../../crypto/ecdsa.js';
import { OneTimeKeyPair } from '../../../crypto/otpk.js';
import { bytesEqual, concatBytes } from '../../../util/hex.js';
import type { Es10Context, Es10Handler } from './context.js';
import { getDownload, lastOneTimeKey, rememberOneTimeKey, takeTestOnlyOneTimeKey, verifySmdpCertificate } from './downloadSession.js';

type DownloadError = keyof typeof DOWNLOAD_ERROR_CODE;

/** The one-time key for this binding: the retained one when the SM-DP+ names it, else a fresh one. */
function oneTimeKey(ctx: Es10Context, requested: Uint8Array | undefined): OneTimeKeyPair {
  const injected = takeTestOnlyOneTimeKey(ctx.session);
  if (injected) return injected;
  const last = lastOneTimeKey(ctx.session);
  if (requested && last && bytesEqual(last.publicPoint, requested)) return last;
  return OneTimeKeyPair.generate('prime256v1');
}

export const prepareDownloadHandler: Es10Handler = {
  name: 'PrepareDownload',
  tag: TAG_PREPARE_DOWNLOAD,
  handle(request, ctx) {
    const req = decodePrepareDownloadRequest(request);
    const signed2 = decodeSmdpSigned2(req.smdpSigned2);
    const fail = (error: DownloadError): Uint8Array =>
      encodePrepareDownloadResponse({ ok: false, error, transactionId: signed2.transactionId });

    const dl = getDownload(ctx.session);
    if (!dl || dl.stage !== 'authenticated') return fail('noSessionContext');
    const cert = verifySmdpCertificate(req.smdpCertificate, dl.ci, 'dp-pb');
    if (!cert) return fail('invalidCertificate');
    const pbOid = cert.registeredIds[0];
    if (pbOid !== undefined && pbOid !== dl.smdpOid) return fail('invalidCertificate');
    const signedData = concatBytes(req.smdpSigned2, dl.euiccSignature1);
    if (!ecdsaVerify(cert.publicKey, signedData, signatureValue(req.smdpSignature2))) return fail('invalidSignature');
    if (!bytesEqual(signed2.transactionId, dl.transactionId)) return fail('invalidTransactionId');
    // the eUICC cannot check the code itself: it only forwards the LPA's hash, which must be
    // there exactly when the SM-DP+ asked for a confirmation code
    if (signed2.ccRequiredFlag !== (req.hashCc !== undefined)) return fail('undefinedError');

    const otpk = oneTimeKey(ctx, signed2.bppEuiccOtpk);
    rememberOneTimeKey(ctx.session, otpk);
    const euiccSigned2 = encodeEuiccSigned2({
      transactionId: dl.transactionId,
      euiccOtpk: otpk.publicPoint,
      ...(req.hashCc === undefined ? {} : { hashCc: req.hashCc }),
    });
    const euiccSignature2 = encodeSignature(ctx.identity.sign(concatBytes(euiccSigned2, req.smdpSignature2)));
    dl.dpPb = cert;
    dl.otpk = otpk;
    dl.stage = 'prepared';
    return encodePrepareDownloadResponse({ ok: true, euiccSigned2, euiccSignature2 });
  },
};
