/**
 * ES10b LoadBoundProfilePackage (BF36), eUICC side (SGP.22 5.7.6). The first STORE DATA sequence
 * (BF36 header + BF23 InitialiseSecureChannel) is dispatched here by tag: it is verified (remote
 * operation, transaction id, CRT, smdpSign by CERT.DPpb over its fields + 5F49 otPK.EUICC.ECKA),
 * the BSP keys are derived (ECDH + X9.63 KDF with the EID) and the following sequences are routed
 * to a continuation that feeds the BPP loader. Each accepted sequence is answered 9000 with no
 * data; the last one, or the first failure, is answered with the signed ProfileInstallationResult.
 */

import { LpaError } from '../../../errors.js';
import { parseInitialiseSecureChannel, TAG_BPP, verifyInitialiseSecureChannel, type InitialiseSecureChannel } from '../../../es10/bpp.js';
import { BspSession } from '../../../crypto/bsp.js';
import { authorisePprs } from '../../../es10/ppr.js';
import { deriveSessionKeys } from '../../../crypto/kdf.js';
import { readSaipIccid } from '../../../saip/profileHeader.js';
import { bytesEqual, fromHex } from '../../../util/hex.js';
import { EUICC_NV_MEMORY, EUICC_PROFILE_FOOTPRINT } from '../capabilities.js';
import type { StoredProfile } from '../state.js';
import { feedSequence, newLoadState, readHeader } from './bppLoader.js';
import type { Es10Context, Es10Continuation, Es10Handler } from './context.js';
import { endDownload, forgetOneTimeKey, getDownload, type DownloadSession } from './downloadSession.js';
import { failLoad, issueInstallationResult, SIMA_RESPONSE_OK, smdpOidOf } from './installResult.js';
import type { EuiccMetadata } from './storeMetadata.js';

const EMPTY = new Uint8Array(0);

function parseFirstSequence(data: Uint8Array): { bppLength: number; isc: InitialiseSecureChannel } | undefined {
  const h = readHeader(data);
  if (!h || h.tag !== TAG_BPP) return undefined;
  try {
    const isc = parseInitialiseSecureChannel(data.subarray(h.headerLength));
    return { bppLength: h.length, isc };
  } catch {
    return undefined;
  }
}

function installed(ctx: Es10Context, iccid: string): boolean {
  return ctx.store.state.profiles.some((p) => p.iccid === iccid);
}

/** Installs the decrypted profile, answering the success PIR (or the error PIR when it cannot be installed). */
function install(ctx: Es10Context, dl: DownloadSession, metadata: EuiccMetadata, profile: Uint8Array): Uint8Array {
  let iccid: string;
  try {
    iccid = readSaipIccid(profile);
  } catch {
    return failLoad(ctx, dl, 'loadProfileElements', 'installFailedDueToPEProcessingError');
  }
  if (iccid !== metadata.iccid) return failLoad(ctx, dl, 'loadProfileElements', 'installFailedDueToIccidMismatch');
  if (installed(ctx, iccid)) return failLoad(ctx, dl, 'loadProfileElements', 'installFailedDueToIccidAlreadyExistsOnEuicc');
  const state = ctx.store.state;
  if ((state.profiles.length + 1) * EUICC_PROFILE_FOOTPRINT > EUICC_NV_MEMORY) {
    return failLoad(ctx, dl, 'loadProfileElements', 'installFailedDueToInsufficientMemoryForProfile');
  }
  const stored: StoredProfile = {
    iccid,
    isdpAid: ctx.store.takeIsdpAid(),
    state: 'disabled',
    serviceProviderName: metadata.serviceProviderName,
    profileName: metadata.profileName,
    profileClass: metadata.profileClass,
    notificationConfigurationInfo: { ...metadata.notificationConfigurationInfo },
    ...(metadata.profilePolicyRules ? { profilePolicyRules: [...metadata.profilePolicyRules] } : {}),
    ...(metadata.iconType && metadata.icon ? { iconType: metadata.iconType, icon: Buffer.from(metadata.icon).toString('base64') } : {}),
  };
  state.profiles.push(stored);
  endDownload(ctx.session);
  forgetOneTimeKey(ctx.session);
  const oid = smdpOidOf(dl);
  return issueInstallationResult(ctx, {
    transactionId: dl.transactionId,
    notificationAddress: metadata.notificationConfigurationInfo.install ?? dl.serverAddress,
    iccid,
    ...(oid === undefined ? {} : { smdpOid: oid }),
    finalResult: { success: true, aid: fromHex(stored.isdpAid), simaResponse: SIMA_RESPONSE_OK },
    queue: true,
  });
}

/** Routes the BPP's later sequences on this channel; other ES10 commands (BFxx) interrupt the load. */
const continueLoad: Es10Continuation = (data, ctx) => {
  const dl = getDownload(ctx.session);
  if (!dl || dl.stage !== 'loading' || !dl.load) return undefined;
  const tag = readHeader(data)?.tag;
  if (tag !== undefined && tag > 0xff) {
    // another function on the same channel: the load is over, only CancelSession is left
    dl.stage = 'aborted';
    delete dl.load;
    return undefined;
  }
  const r = feedSequence(dl.load, data);
  switch (r.kind) {
    case 'continue':
      ctx.continueWith(continueLoad);
      return EMPTY;
    case 'fail':
      return failLoad(ctx, dl, r.bppCommandId, r.errorReason);
    case 'complete':
      return install(ctx, dl, r.metadata, r.profile);
  }
};

export const loadBoundProfilePackageHandler: Es10Handler = {
  name: 'LoadBoundProfilePackage',
  tag: TAG_BPP,
  handle(request, ctx) {
    const first = parseFirstSequence(request);
    const dl = getDownload(ctx.session);
    if (!dl) {
      // nothing to bind the BPP to: an unqueued error result (or 6A80 when even BF23 is unreadable)
      const txLength = first?.isc.transactionId.length ?? 0;
      if (!first || txLength < 1 || txLength > 16) {
        throw new LpaError('ASN1_DECODE', 'LoadBoundProfilePackage: the first sequence is not BF36 + a valid InitialiseSecureChannel', {
          function: 'LoadBoundProfilePackage',
        });
      }
      return issueInstallationResult(ctx, {
        transactionId: first.isc.transactionId,
        notificationAddress: '',
        finalResult: { success: false, bppCommandId: 'initialiseSecureChannel', errorReason: 'invalidTransactionId' },
        queue: false,
      });
    }
    if (dl.stage !== 'prepared' || !dl.otpk || !dl.dpPb) {
      return failLoad(ctx, dl, 'initialiseSecureChannel', dl.stage === 'authenticated' ? 'invalidTransactionId' : 'installFailedDueToInterruption');
    }
    // parseFirstSequence accepts exactly the BF36 header followed by one whole BF23
    if (!first) return failLoad(ctx, dl, 'initialiseSecureChannel', 'incorrectInputValues');
    const { isc, bppLength } = first;
    if (isc.remoteOpId !== 1) return failLoad(ctx, dl, 'initialiseSecureChannel', 'unsupportedRemoteOperationType');
    if (isc.keyType !== 0x88 || isc.keyLength !== 0x10) return failLoad(ctx, dl, 'initialiseSecureChannel', 'unsupportedCrtValues');
    if (!bytesEqual(isc.transactionId, dl.transactionId)) return failLoad(ctx, dl, 'initialiseSecureChannel', 'invalidTransactionId');
    if (!verifyInitialiseSecureChannel(isc, dl.dpPb.publicKey, dl.otpk.publicPoint)) {
      return failLoad(ctx, dl, 'initialiseSecureChannel', 'invalidSignature');
    }
    let bsp: BspSession;
    try {
      const shared = dl.otpk.sharedSecret(isc.smdpOtpk);
      bsp = new BspSession(deriveSessionKeys(shared, { hostId: isc.hostId, eid: ctx.store.state.eid }));
    } catch {
      return failLoad(ctx, dl, 'initialiseSecureChannel', 'incorrectInputValues');
    }
    const remaining = bppLength - isc.raw.length;
    if (remaining <= 0) return failLoad(ctx, dl, 'initialiseSecureChannel', 'incorrectInputValues');
    dl.load = newLoadState(
      bsp,
      remaining,
      (iccid) => installed(ctx, iccid),
      (m) => authorisePprs(ctx.quirks.rat, m.profilePolicyRules, m.profileOwner).notAllowed.length === 0,
    );
    dl.stage = 'loading';
    ctx.continueWith(continueLoad);
    return EMPTY;
  },
};
