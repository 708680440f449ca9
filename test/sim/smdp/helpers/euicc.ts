/**
 * The eUICC side of a download, played in the test with the crypto modules and the SGP.26 test
 * eUICC key and certificates (independent of the virtual eUICC): AuthenticateServer,
 * PrepareDownload, opening the BPP, a signed ProfileInstallationResult, CancelSession and an
 * enable notification.
 */
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { BspSession } from '../../../../src/crypto/bsp.js';
import { parseCertificate, verifyChain, type RspCertificate } from '../../../../src/crypto/certs.js';
import { ecdsaSign, ecdsaVerify, importPrivateKey, signatureTlv } from '../../../../src/crypto/ecdsa.js';
import { deriveSessionKeys } from '../../../../src/crypto/kdf.js';
import { OneTimeKeyPair } from '../../../../src/crypto/otpk.js';
import {
  decodeServerSigned1,
  encodeAuthenticateServerResponse,
  encodeCtxParams1,
  encodeEuiccSigned1,
} from '../../../../src/es10/authenticateServer.js';
import { encodeCancelSessionResponse, encodeEuiccCancelSessionSigned, type CancelSessionReason } from '../../../../src/es10/cancelSession.js';
import { signatureValue } from '../../../../src/es10/common.js';
import { encodeEuiccInfo1Response } from '../../../../src/es10/euiccInfo1.js';
import { encodeEuiccInfo2Response } from '../../../../src/es10/euiccInfo2.js';
import { encodeNotificationMetadata } from '../../../../src/es10/notificationMetadata.js';
import { decodeSmdpSigned2, encodeEuiccSigned2, encodePrepareDownloadResponse } from '../../../../src/es10/prepareDownload.js';
import { encodeProfileInstallationResult, encodeProfileInstallationResultData } from '../../../../src/es10/profileInstallationResult.js';
import { encodeOtherSignedNotification } from '../../../../src/es10/retrieveNotificationsList.js';
import { openBoundProfilePackage, parseBoundProfilePackage, parseInitialiseSecureChannel, verifyInitialiseSecureChannel, type OpenedBoundProfilePackage } from '../../../../src/es10/bpp.js';
import type { Es9Client } from '../../../../src/es9p/client.js';
import type { AuthenticateClientResponse, InitiateAuthenticationResponse } from '../../../../src/es9p/types.js';
import { dataPath } from '../../../../src/util/data.js';
import { bytesEqual, concatBytes } from '../../../../src/util/hex.js';

const pki = (...p: string[]) => new Uint8Array(readFileSync(dataPath('pki', 'sgp26', ...p)));
export const CI_CERT = parseCertificate(pki('ci', 'CERT_CI_ECDSA_NIST.der'));
export const CI_SKI = CI_CERT.subjectKeyIdentifier!;

export interface EuiccSession {
  transactionId: Uint8Array;
  euiccSignature1: Uint8Array;
  otpk?: OneTimeKeyPair;
  smdpPb?: RspCertificate;
  smdpOid?: string;
}

export class TestEuicc {
  readonly cert = pki('euicc', 'CERT_EUICC_ECDSA_NIST.der');
  readonly eum = pki('eum', 'CERT_EUM_ECDSA_NIST.der');
  readonly eid = parseCertificate(this.cert).eid!;
  readonly key = importPrivateKey(readFileSync(dataPath('pki', 'sgp26', 'euicc', 'SK_EUICC_ECDSA_NIST.pem'), 'utf8'));
  /** Flip a byte of euiccSignature1 (bad-signature tests). */
  corruptSignature1 = false;
  challenge = new Uint8Array(randomBytes(16));

  info1(skis: Uint8Array[] = [CI_SKI]): Uint8Array {
    return encodeEuiccInfo1Response({ svn: '2.2.0', euiccCiPKIdListForVerification: skis, euiccCiPKIdListForSigning: skis });
  }

  info2(): Uint8Array {
    return encodeEuiccInfo2Response({
      profileVersion: '2.3.1',
      svn: '2.2.0',
      euiccFirmwareVer: '1.0.0',
      extCardResource: Uint8Array.of(0x81, 0x01, 0x00, 0x82, 0x04, 0x00, 0x04, 0x00, 0x00),
      uiccCapability: [],
      rspCapability: ['additionalProfile'],
      euiccCiPKIdListForVerification: [CI_SKI],
      euiccCiPKIdListForSigning: [CI_SKI],
      ppVersion: '0.0.1',
      sasAcreditationNumber: 'TEST-SAS',
    });
  }

  sign(data: Uint8Array): Uint8Array {
    return signatureTlv(ecdsaSign(this.key, data));
  }

  /** ES10b AuthenticateServer: checks the server's signature and challenge, signs euiccSigned1. */
  authenticateServer(init: InitiateAuthenticationResponse, matchingId?: string): { response: Uint8Array; session: EuiccSession } {
    const auth = parseCertificate(init.serverCertificate);
    verifyChain(auth, [], [CI_CERT], { expectedRole: 'dp-auth' });
    if (!ecdsaVerify(auth.publicKey, init.serverSigned1, signatureValue(init.serverSignature1))) throw new Error('serverSignature1 does not verify');
    const ss1 = decodeServerSigned1(init.serverSigned1);
    if (!bytesEqual(ss1.euiccChallenge, this.challenge)) throw new Error('euiccChallenge mismatch');
    const ctxParams1 = encodeCtxParams1({
      ...(matchingId !== undefined ? { matchingId } : {}),
      deviceInfo: { tac: Uint8Array.of(0x35, 0x29, 0x06, 0x11), deviceCapabilities: { eutranEpcSupportedRelease: '13.0.0' } },
    });
    const euiccSigned1 = encodeEuiccSigned1({
      transactionId: ss1.transactionId,
      serverAddress: ss1.serverAddress,
      serverChallenge: ss1.serverChallenge,
      euiccInfo2: this.info2(),
      ctxParams1,
    });
    const euiccSignature1 = this.sign(euiccSigned1);
    if (this.corruptSignature1) euiccSignature1[10]! ^= 0x01;
    const response = encodeAuthenticateServerResponse({ ok: true, euiccSigned1, euiccSignature1, euiccCertificate: this.cert, eumCertificate: this.eum });
    return { response, session: { transactionId: ss1.transactionId, euiccSignature1, smdpOid: auth.registeredIds[0]! } };
  }

  /** ES10b PrepareDownload: checks smdpSignature2, makes the one-time key, signs euiccSigned2. */
  prepareDownload(s: EuiccSession, auth: AuthenticateClientResponse, confirmationCode?: string): Uint8Array {
    const pb = parseCertificate(auth.smdpCertificate);
    verifyChain(pb, [], [CI_CERT], { expectedRole: 'dp-pb' });
    if (!ecdsaVerify(pb.publicKey, concatBytes(auth.smdpSigned2, s.euiccSignature1), signatureValue(auth.smdpSignature2))) {
      throw new Error('smdpSignature2 does not verify');
    }
    decodeSmdpSigned2(auth.smdpSigned2);
    s.otpk = OneTimeKeyPair.generate();
    s.smdpPb = pb;
    let hashCc: Uint8Array | undefined;
    if (confirmationCode !== undefined) {
      const inner = createHash('sha256').update(confirmationCode, 'utf8').digest();
      hashCc = new Uint8Array(createHash('sha256').update(inner).update(s.transactionId).digest());
    }
    const euiccSigned2 = encodeEuiccSigned2({ transactionId: s.transactionId, euiccOtpk: s.otpk.publicPoint, ...(hashCc ? { hashCc } : {}) });
    const euiccSignature2 = this.sign(concatBytes(euiccSigned2, auth.smdpSignature2));
    return encodePrepareDownloadResponse({ ok: true, euiccSigned2, euiccSignature2 });
  }

  /** Verifies InitialiseSecureChannel and opens the BPP with the derived session keys. */
  openBpp(s: EuiccSession, bppDer: Uint8Array): OpenedBoundProfilePackage {
    const bpp = parseBoundProfilePackage(bppDer);
    const isc = parseInitialiseSecureChannel(bpp.initialiseSecureChannel);
    if (!verifyInitialiseSecureChannel(isc, s.smdpPb!.publicKey, s.otpk!.publicPoint)) throw new Error('InitialiseSecureChannel signature');
    if (!bytesEqual(isc.transactionId, s.transactionId)) throw new Error('ISC transaction');
    const keys = deriveSessionKeys(s.otpk!.sharedSecret(isc.smdpOtpk), { hostId: isc.hostId, eid: this.eid });
    return openBoundProfilePackage(bpp, new BspSession(keys));
  }

  /** A signed ProfileInstallationResult (BF37). */
  installationResult(s: EuiccSession, iccid: string, address: string, success = true): Uint8Array {
    const data = encodeProfileInstallationResultData({
      transactionId: s.transactionId,
      notificationMetadata: { seqNumber: 1, profileManagementOperation: 'notificationInstall', notificationAddress: address, iccid },
      ...(s.smdpOid ? { smdpOid: s.smdpOid } : {}),
      finalResult: success
        ? { success: true, aid: Uint8Array.of(0xa0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xff, 0xff, 0xff, 0xff, 0x89, 0x00, 0x00, 0x10, 0x00), simaResponse: Uint8Array.of(0x30, 0x00) }
        : { success: false, bppCommandId: 'loadProfileElements', errorReason: 'installFailedDueToPEProcessingError' },
    });
    return encodeProfileInstallationResult(data, this.sign(data));
  }

  /** ES10b CancelSession answer, signed. */
  cancelSession(s: EuiccSession, reason: CancelSessionReason = 'endUserRejection', corrupt = false): Uint8Array {
    const signed = encodeEuiccCancelSessionSigned({ transactionId: s.transactionId, smdpOid: s.smdpOid ?? '2.999.10', reason });
    const sig = this.sign(signed);
    if (corrupt) sig[20]! ^= 0x01;
    return encodeCancelSessionResponse({ ok: true, euiccCancelSessionSigned: signed, euiccCancelSessionSignature: sig });
  }

  /** An enable notification (OtherSignedNotification), signed. */
  enableNotification(iccid: string, address: string, seqNumber = 2): Uint8Array {
    const tbs = encodeNotificationMetadata({ seqNumber, profileManagementOperation: 'notificationEnable', notificationAddress: address, iccid });
    return encodeOtherSignedNotification({ tbsOtherNotification: tbs, euiccNotificationSignature: this.sign(tbs), euiccCertificate: this.cert, eumCertificate: this.eum });
  }
}

export interface DownloadOptions {
  matchingId?: string;
  confirmationCode?: string;
}

export interface DownloadResult {
  session: EuiccSession;
  transactionId: string;
  auth: AuthenticateClientResponse;
  bpp: Uint8Array;
  opened: OpenedBoundProfilePackage;
}

/** The whole download up to the opened BPP. */
export async function download(client: Es9Client, euicc: TestEuicc, opts: DownloadOptions = {}): Promise<DownloadResult> {
  euicc.challenge = new Uint8Array(randomBytes(16));
  const init = await client.initiateAuthentication({ euiccChallenge: euicc.challenge, euiccInfo1: euicc.info1() });
  const { response, session } = euicc.authenticateServer(init, opts.matchingId);
  const auth = await client.authenticateClient({ transactionId: init.transactionId, authenticateServerResponse: response });
  const pdr = euicc.prepareDownload(session, auth, opts.confirmationCode);
  const got = await client.getBoundProfilePackage({ transactionId: init.transactionId, prepareDownloadResponse: pdr });
  return { session, transactionId: init.transactionId, auth, bpp: got.boundProfilePackage, opened: euicc.openBpp(session, got.boundProfilePackage) };
}
