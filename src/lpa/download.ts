/**
 * The SGP.22 profile download as the LPA runs it: ES10b with the eUICC, ES9+ with the SM-DP+.
 * Signed objects are forwarded byte-for-byte as received; the BPP is loaded in the SGP.22 STORE
 * DATA sequences with full 255-byte blocks; any failure after initiateAuthentication cancels the
 * session on both sides so the SM-DP+ can release the profile, and the original error is rethrown.
 */

import { createHash } from 'node:crypto';
import { LpaError, toLpaError } from '../errors.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import { bppSequences, parseBoundProfilePackage } from '../es10/bpp.js';
import type { Es10Client } from '../es10/client.js';
import { decodeSmdpSigned2 } from '../es10/prepareDownload.js';
import { decodeProfileInstallationResult, type ProfileInstallationResult } from '../es10/profileInstallationResult.js';
import { decodeStoreMetadata, type StoreMetadata } from '../es10/storeMetadata.js';
import { fromHex, toHex } from '../util/hex.js';
import { cancelBoth, cancelReasonFor } from './cancel.js';
import type { Es9Pool } from './es9.js';
import { resolveTarget, type DownloadTarget, type TargetInput } from './target.js';

/** STORE DATA deadline while loading the BPP: the last block of a sequence can take long (modem-facts). */
export const BPP_BLOCK_TIMEOUT_MS = 240_000;

export const DEFAULT_DEVICE_INFO: DeviceInfo = {
  tac: Uint8Array.of(0x35, 0x29, 0x06, 0x11),
  deviceCapabilities: { gsmSupportedRelease: '15.0.0', utranSupportedRelease: '15.0.0', eutranSupportedRelease: '15.0.0' },
};

export type DownloadStep =
  | 'target'
  | 'challenge'
  | 'initiateAuthentication'
  | 'authenticateServer'
  | 'authenticateClient'
  | 'metadata'
  | 'prepareDownload'
  | 'getBoundProfilePackage'
  | 'loadBoundProfilePackage'
  | 'installed'
  | 'cancel';

export interface DownloadHooks {
  onProgress?: (step: DownloadStep, message: string, data?: Record<string, unknown>) => void;
  /** Called once the SM-DP+ assigned a transaction id (the agent journals it). */
  onTransaction?: (info: { transactionId: string; smdpAddress: string }) => void;
  /** Aborts between steps; the session is then cancelled with reason "postponed". */
  signal?: AbortSignal;
}

export interface DownloadRequest extends TargetInput {
  confirmationCode?: string;
  deviceInfo?: DeviceInfo;
}

export interface DownloadResult {
  iccid: string;
  smdpAddress: string;
  matchingId: string;
  method: DownloadTarget['method'];
  transactionId: string;
  metadata: StoreMetadata;
  isdpAid: string;
  /** Sequence number of the install notification queued on the eUICC. */
  notificationSeq: number;
}

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** SHA-256(SHA-256(confirmationCode) || transactionId), as PrepareDownload wants it. */
export function hashConfirmationCode(code: string, transactionId: Uint8Array): Uint8Array {
  return sha256(sha256(Buffer.from(code, 'utf8')), transactionId);
}

export async function downloadProfile(es10: Es10Client, pool: Es9Pool, request: DownloadRequest, hooks: DownloadHooks = {}): Promise<DownloadResult> {
  const progress = hooks.onProgress ?? (() => undefined);
  const checkAbort = () => {
    if (hooks.signal?.aborted) throw toLpaError(hooks.signal.reason, 'INTERRUPTED', 'interrupted');
  };
  const target = await resolveTarget(es10, request);
  if (target.confirmationCodeRequired && !request.confirmationCode) {
    throw new LpaError('USAGE', 'this activation code needs a confirmation code: add --confirmation-code <code>');
  }
  progress('target', `SM-DP+ ${target.smdpAddress} (${target.method === 'default' ? 'default SM-DP+, profile bound to the EID' : `matching id ${target.matchingId}`})`, { ...target });
  const es9 = pool.get(target.smdpAddress);

  progress('challenge', 'reading the eUICC challenge and EUICCInfo1');
  const euiccChallenge = await es10.getEuiccChallenge();
  const { raw: euiccInfo1 } = await es10.getEuiccInfo1();
  checkAbort();

  progress('initiateAuthentication', `contacting ${target.smdpAddress}`);
  const init = await es9.initiateAuthentication({ euiccChallenge, euiccInfo1, smdpAddress: target.smdpAddress });
  const transactionId = init.transactionId;
  const txBytes = fromHex(transactionId, 'transactionId');
  hooks.onTransaction?.({ transactionId, smdpAddress: target.smdpAddress });

  let pirSeen = false;
  try {
    checkAbort();
    progress('authenticateServer', 'eUICC verifies the SM-DP+ (AuthenticateServer)', { transactionId });
    const auth = await es10.authenticateServer({
      serverSigned1: init.serverSigned1,
      serverSignature1: init.serverSignature1,
      euiccCiPKIdToBeUsed: init.euiccCiPKIdToBeUsed,
      serverCertificate: init.serverCertificate,
      ctxParams1: { matchingId: target.matchingId, deviceInfo: request.deviceInfo ?? DEFAULT_DEVICE_INFO },
    });
    checkAbort();

    progress('authenticateClient', 'SM-DP+ verifies the eUICC (authenticateClient)');
    const client = await es9.authenticateClient({ transactionId, authenticateServerResponse: auth.raw });
    const metadata = decodeStoreMetadata(client.profileMetadata);
    progress('metadata', `profile ${metadata.iccid}: "${metadata.profileName}" from ${metadata.serviceProviderName} (${metadata.profileClass})`, {
      iccid: metadata.iccid,
      serviceProviderName: metadata.serviceProviderName,
      profileName: metadata.profileName,
      profileClass: metadata.profileClass,
    });
    const signed2 = decodeSmdpSigned2(client.smdpSigned2);
    let hashCc: Uint8Array | undefined;
    if (signed2.ccRequiredFlag) {
      if (!request.confirmationCode) throw new LpaError('USAGE', 'the SM-DP+ requires a confirmation code for this profile: add --confirmation-code <code>', { cancelReason: 'endUserRejection' });
      hashCc = hashConfirmationCode(request.confirmationCode, txBytes);
    }
    checkAbort();

    progress('prepareDownload', 'eUICC prepares the download (PrepareDownload)');
    const prep = await es10.prepareDownload({
      smdpSigned2: client.smdpSigned2,
      smdpSignature2: client.smdpSignature2,
      ...(hashCc ? { hashCc } : {}),
      smdpCertificate: client.smdpCertificate,
    });
    checkAbort();

    progress('getBoundProfilePackage', 'fetching the bound profile package');
    const bpp = await es9.getBoundProfilePackage({ transactionId, prepareDownloadResponse: prep.raw });
    checkAbort();

    const pir = await loadBoundProfilePackage(es10, bpp.boundProfilePackage, (m, d) => progress('loadBoundProfilePackage', m, d));
    pirSeen = true;
    const r = pir.finalResult;
    if (!r.success) {
      throw new LpaError(
        'PROFILE_INSTALL_FAILED',
        `the eUICC rejected the profile at ${r.bppCommandId}: ${r.errorReason} (the failure is reported to the SM-DP+ by the install notification)`,
        { bppCommandId: r.bppCommandId, errorReason: r.errorReason, resultCode: r.errorReasonCode, notificationSeq: pir.notificationMetadata.seqNumber },
      );
    }
    const iccid = pir.notificationMetadata.iccid ?? metadata.iccid;
    progress('installed', `profile ${iccid} installed`, { iccid });
    return {
      iccid,
      smdpAddress: target.smdpAddress,
      matchingId: target.matchingId,
      method: target.method,
      transactionId,
      metadata,
      isdpAid: toHex(r.aid),
      notificationSeq: pir.notificationMetadata.seqNumber,
    };
  } catch (e) {
    const err = toLpaError(e);
    if (!pirSeen) {
      const reason = cancelReasonFor(err);
      progress('cancel', `cancelling the session (${reason}) so the SM-DP+ can release the profile`, { reason });
      const note = await cancelBoth(es10, es9, txBytes, transactionId, reason);
      if (note) err.details.cancel = note;
    }
    throw err;
  }
}

/**
 * Loads the BPP sequence by sequence; every ES10 payload is one STORE DATA series (P2 from 0) in
 * full 255-byte blocks. An empty answer means "continue"; a non-empty one is the
 * ProfileInstallationResult, which ends the load successfully or not.
 */
export async function loadBoundProfilePackage(
  es10: Es10Client,
  bppDer: Uint8Array,
  progress: (message: string, data?: Record<string, unknown>) => void = () => undefined,
): Promise<ProfileInstallationResult> {
  const sequences = bppSequences(parseBoundProfilePackage(bppDer));
  const total = sequences.reduce((n, s) => n + s.length, 0);
  let done = 0;
  let shownQuarter = 0;
  progress(`loading the profile into the eUICC (${bppDer.length} bytes, ${total} commands)`, { bytes: bppDer.length, commands: total });
  for (const seq of sequences) {
    for (const payload of seq) {
      const answer = await es10.call('LoadBoundProfilePackage', payload, BPP_BLOCK_TIMEOUT_MS);
      done++;
      if (answer.length > 0) return decodeProfileInstallationResult(answer);
      const quarter = Math.floor((done * 4) / total);
      if (quarter > shownQuarter) {
        shownQuarter = quarter;
        progress(`loaded ${quarter * 25}% (${done}/${total} commands)`, { done, total });
      }
    }
  }
  throw new LpaError('PROFILE_INSTALL_FAILED', 'the eUICC took the whole bound profile package without a ProfileInstallationResult');
}
