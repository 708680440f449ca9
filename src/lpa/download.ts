/**
 * The SGP.22 profile download as the LPA runs it: ES10b with the eUICC, ES9+ with the SM-DP+.
 *
 * - Signed objects are forwarded byte-for-byte as received.
 * - Pending install notifications are delivered before the new download (a failed earlier attempt
 *   must not keep a one-shot order blocked); the check runs while initiateAuthentication is on
 *   the network, so it costs no time.
 * - The LPA checks what SGP.22 expects it to (serverSigned1, the activation code's OID, the
 *   profile's policy rules, the BPP's metadata) before the eUICC spends effort.
 * - An eUICC error answer to AuthenticateServer or PrepareDownload goes to the SM-DP+ through the
 *   matching ES9+ call, so it learns why and ends the session.
 * - Any other failure after initiateAuthentication cancels the session on both sides with the
 *   precise reason, and the original error is rethrown - until the eUICC answers the last block of
 *   the BPP: from then on the card decided, and nothing is undone.
 */

import { createHash } from 'node:crypto';
import { LpaError, toLpaError } from '../errors.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import { parseBoundProfilePackage } from '../es10/bpp.js';
import { authenticateServerError, prepareDownloadError, type Es10Client } from '../es10/client.js';
import { decodeSmdpSigned2 } from '../es10/prepareDownload.js';
import { readStoreMetadataTolerant, type StoreMetadata } from '../es10/storeMetadata.js';
import type { Es9Client } from '../es9p/client.js';
import { bytesEqual, fromHex, toHex } from '../util/hex.js';
import { cancelBoth, cancelReasonFor } from './cancel.js';
import { checkBppMetadata, checkServerSigned1, checkSmdpOid } from './checks.js';
import { buildDeviceInfo } from './deviceInfo.js';
import type { Es9Pool } from './es9.js';
import { judgeInstallResult, loadBoundProfilePackage } from './install.js';
import { deliverNotifications, type DeliveryOutcome, undeliveredLine } from './notifications.js';
import { checkPolicyRules } from './policy.js';
import { describeTarget, resolveTarget, type DownloadTarget, type TargetInput } from './target.js';

export { BPP_BLOCK_TIMEOUT_MS, loadBoundProfilePackage } from './install.js';

/** deviceInfo when the caller knows nothing of the device (fallback TAC, GSM/UMTS/LTE release 15). */
export const DEFAULT_DEVICE_INFO: DeviceInfo = buildDeviceInfo();

export type DownloadStep =
  | 'target'
  | 'challenge'
  | 'notifications'
  | 'initiateAuthentication'
  | 'authenticateServer'
  | 'authenticateClient'
  | 'metadata'
  | 'policy'
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
  /** deviceInfo for ctxParams1, or how to get it (read while initiateAuthentication is on the network). */
  deviceInfo?: DeviceInfo | (() => Promise<DeviceInfo>);
  /** Download a profile whose policy rules need consent or are not in the eUICC's RAT (`--accept-ppr`). */
  acceptPpr?: boolean;
  /** Deliver pending install notifications before the download (default true). */
  deliverPendingInstalls?: boolean;
}

export interface DownloadResult {
  iccid: string;
  smdpAddress: string;
  matchingId: string;
  method: DownloadTarget['method'];
  transactionId: string;
  /** The profile metadata from authenticateClient, when it decoded. */
  metadata?: StoreMetadata;
  isdpAid: string | null;
  /** Sequence number of the install notification queued on the eUICC, when the result said it. */
  notificationSeq?: number;
  /** False when the card's install result did not decode (the profile list confirmed the install). */
  resultReadable: boolean;
  /** Install notifications of earlier downloads delivered first. */
  earlierNotifications: DeliveryOutcome[];
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

/** Profile metadata for display: a malformed one never stops the download (what reads is shown). */
function readMetadata(raw: Uint8Array, progress: DownloadHooks['onProgress'] & {}): { full?: StoreMetadata; partial: Partial<StoreMetadata> } {
  const { metadata: m, problem } = readStoreMetadataTolerant(raw);
  const data = {
    ...(m.iccid ? { iccid: m.iccid } : {}),
    ...(m.serviceProviderName !== undefined ? { serviceProviderName: m.serviceProviderName } : {}),
    ...(m.profileName !== undefined ? { profileName: m.profileName } : {}),
    ...(m.profileClass ? { profileClass: m.profileClass } : {}),
    ...(m.profilePolicyRules?.length ? { ppr: m.profilePolicyRules } : {}),
    ...(m.icon !== undefined && m.iconType !== undefined
      ? { iconType: m.iconType === 0 ? 'jpg' : m.iconType === 1 ? 'png' : 'unknown', icon: Buffer.from(m.icon).toString('base64') }
      : {}),
  };
  const text = `profile ${m.iccid ?? '(ICCID not readable)'}: "${m.profileName ?? '?'}" from ${m.serviceProviderName ?? '?'} (${m.profileClass ?? '?'})`;
  if (problem === undefined) {
    progress('metadata', text, data);
    return { full: m as StoreMetadata, partial: m };
  }
  progress('metadata', `${text}; the metadata does not fully decode (${problem}), going on: the eUICC checks the profile itself`, { ...data, problem });
  return { partial: m };
}

/** Forwards an eUICC error answer to the SM-DP+; the SM-DP+ is expected to refuse and end the session. */
async function forwardError(call: () => Promise<unknown>, err: LpaError): Promise<LpaError> {
  try {
    await call();
    err.details.forwarded = 'the SM-DP+ accepted the error answer';
  } catch (e) {
    err.details.forwarded = `reported to the SM-DP+ (${toLpaError(e).code})`;
  }
  err.message += ' (the eUICC answer was sent to the SM-DP+, which ends the session)';
  return err;
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
  progress('target', `SM-DP+ ${target.smdpAddress} (${describeTarget(target)})`, {
    smdpAddress: target.smdpAddress,
    matchingId: target.matchingId,
    method: target.method,
    confirmationCodeRequired: target.confirmationCodeRequired,
  });
  const es9 = pool.get(target.smdpAddress);

  progress('challenge', 'reading the eUICC challenge and EUICCInfo1');
  const euiccChallenge = await es10.getEuiccChallenge();
  const { raw: euiccInfo1, info: info1 } = await es10.getEuiccInfo1();
  if (target.ciPkId && !info1.euiccCiPKIdListForVerification.some((id) => bytesEqual(id, target.ciPkId!))) {
    progress('challenge', `the activation code names CI key ${toHex(target.ciPkId)}, which the eUICC does not list; it may refuse the SM-DP+`);
  }
  checkAbort();

  // while initiateAuthentication is on the network: pending install results and the device facts
  progress('initiateAuthentication', `contacting ${target.smdpAddress}`);
  let deviceInfo: DeviceInfo = DEFAULT_DEVICE_INFO;
  let pendingInstalls: number[] = [];
  const cardWork = (async () => {
    if (request.deliverPendingInstalls ?? true) {
      try {
        pendingInstalls = (await es10.listNotifications(['notificationInstall'])).map((n) => n.seqNumber);
      } catch (e) {
        progress('notifications', `cannot list pending notifications (${(e as Error).message}); going on`);
      }
    }
    const di = request.deviceInfo;
    if (typeof di === 'function') deviceInfo = await di().catch(() => DEFAULT_DEVICE_INFO);
    else if (di) deviceInfo = di;
  })();
  let init;
  try {
    init = await es9.initiateAuthentication({ euiccChallenge, euiccInfo1, smdpAddress: target.smdpAddress });
  } finally {
    await cardWork;
  }
  const transactionId = init.transactionId;
  const txBytes = fromHex(transactionId, 'transactionId');
  hooks.onTransaction?.({ transactionId, smdpAddress: target.smdpAddress });

  let cardDecided = false;
  let sessionEnded = false;
  let earlierNotifications: DeliveryOutcome[] = [];
  try {
    checkServerSigned1(init.serverSigned1, txBytes, target.smdpAddress);
    if (target.smdpOid) checkSmdpOid(init.serverCertificate, target.smdpOid);
    if (pendingInstalls.length > 0) earlierNotifications = await deliverEarlier(es10, pool, pendingInstalls, progress);
    checkAbort();

    progress('authenticateServer', 'eUICC verifies the SM-DP+ (AuthenticateServer)', { transactionId });
    const auth = await es10.authenticateServerAnswer({
      serverSigned1: init.serverSigned1,
      serverSignature1: init.serverSignature1,
      euiccCiPKIdToBeUsed: init.euiccCiPKIdToBeUsed,
      serverCertificate: init.serverCertificate,
      ctxParams1: { matchingId: target.matchingId, deviceInfo },
    });
    if (!auth.response.ok) {
      sessionEnded = true;
      throw await forwardError(() => es9.authenticateClient({ transactionId, authenticateServerResponse: auth.raw }), authenticateServerError(auth.response));
    }
    checkAbort();

    progress('authenticateClient', 'SM-DP+ verifies the eUICC (authenticateClient)');
    const client = await es9.authenticateClient({ transactionId, authenticateServerResponse: auth.raw });
    const { full: metadata, partial } = readMetadata(client.profileMetadata, progress);
    const signed2 = decodeSmdpSigned2(client.smdpSigned2);
    let hashCc: Uint8Array | undefined;
    if (signed2.ccRequiredFlag) {
      if (!request.confirmationCode) throw new LpaError('USAGE', 'the SM-DP+ requires a confirmation code for this profile: add --confirmation-code <code>', { cancelReason: 'endUserRejection' });
      hashCc = hashConfirmationCode(request.confirmationCode, txBytes);
    }
    await checkPolicyRules(es10, partial, { accept: request.acceptPpr ?? false, progress: (m, d) => progress('policy', m, d) });
    checkAbort();

    progress('prepareDownload', 'eUICC prepares the download (PrepareDownload)');
    const prep = await es10.prepareDownloadAnswer({
      smdpSigned2: client.smdpSigned2,
      smdpSignature2: client.smdpSignature2,
      ...(hashCc ? { hashCc } : {}),
      smdpCertificate: client.smdpCertificate,
    });
    if (!prep.response.ok) {
      sessionEnded = true;
      throw await forwardError(() => es9.getBoundProfilePackage({ transactionId, prepareDownloadResponse: prep.raw }), prepareDownloadError(prep.response));
    }
    checkAbort();

    progress('getBoundProfilePackage', 'fetching the bound profile package');
    const { boundProfilePackage } = await es9.getBoundProfilePackage({ transactionId, prepareDownloadResponse: prep.raw });
    const bpp = parseBoundProfilePackage(boundProfilePackage);
    checkBppMetadata(bpp, client.profileMetadata);
    checkAbort();

    const end = await loadBoundProfilePackage(es10, bpp, (m, d) => progress('loadBoundProfilePackage', m, d));
    cardDecided = true;
    const verdict = judgeInstallResult(end, txBytes);
    const seq = verdict.seqNumber;
    if (verdict.kind === 'failed') {
      const r = verdict.result;
      throw new LpaError(
        'PROFILE_INSTALL_FAILED',
        `the eUICC rejected the profile at ${r.bppCommandId}: ${r.errorReason} (the failure is reported to the SM-DP+ by the install notification)`,
        { bppCommandId: r.bppCommandId, errorReason: r.errorReason, resultCode: r.errorReasonCode, ...(seq !== undefined ? { notificationSeq: seq } : {}), transactionId },
      );
    }
    let iccid = verdict.kind === 'installed' ? (verdict.iccid ?? partial.iccid) : undefined;
    if (verdict.kind === 'unreadable') iccid = await confirmInstalled(es10, partial.iccid, verdict.problem, seq, progress);
    if (!iccid) throw new LpaError('PROFILE_INSTALL_FAILED', 'the eUICC reported the profile installed but neither the result nor the metadata names its ICCID');
    progress('installed', `profile ${iccid} installed${verdict.kind === 'unreadable' ? ' (result not readable)' : ''}`, { iccid, resultReadable: verdict.kind !== 'unreadable' });
    return {
      iccid,
      smdpAddress: target.smdpAddress,
      matchingId: target.matchingId,
      method: target.method,
      transactionId,
      ...(metadata ? { metadata } : {}),
      isdpAid: verdict.kind === 'installed' ? toHex(verdict.aid) : null,
      ...(seq !== undefined ? { notificationSeq: seq } : {}),
      resultReadable: verdict.kind !== 'unreadable',
      earlierNotifications,
    };
  } catch (e) {
    const err = toLpaError(e);
    if (!cardDecided && !sessionEnded) await cancel(err, es10, es9, txBytes, transactionId, progress);
    throw err;
  }
}

/** Delivers earlier install results, so a failed attempt no longer blocks its order. */
async function deliverEarlier(es10: Es10Client, pool: Es9Pool, seqs: number[], progress: NonNullable<DownloadHooks['onProgress']>): Promise<DeliveryOutcome[]> {
  progress('notifications', `delivering ${seqs.length} pending install notification(s) of earlier downloads first`, { seqNumbers: seqs });
  try {
    const outcomes = await deliverNotifications(es10, pool, { seqNumbers: seqs, onProgress: (m, d) => progress('notifications', m, d) });
    for (const o of outcomes) if (o.error) progress('notifications', undeliveredLine(o));
    return outcomes;
  } catch (e) {
    progress('notifications', `could not deliver the earlier install notifications (${(e as Error).message}); going on`);
    return [];
  }
}

/** After an unreadable install result: the profile list says whether the card installed it. */
async function confirmInstalled(
  es10: Es10Client,
  expectedIccid: string | undefined,
  problem: string,
  seq: number | undefined,
  progress: NonNullable<DownloadHooks['onProgress']>,
): Promise<string> {
  const details = { resultReadable: false, problem, ...(seq !== undefined ? { notificationSeq: seq } : {}) };
  progress('loadBoundProfilePackage', `the eUICC ended the load with a result that does not decode (${problem}); checking its profile list`);
  if (!expectedIccid) {
    throw new LpaError('PROFILE_INSTALL_FAILED', `the eUICC ended the load with a result that does not decode (${problem}), and without readable metadata the install cannot be confirmed; the result stays queued as a notification`, details);
  }
  let listed: boolean;
  try {
    listed = (await es10.listProfiles()).some((p) => p.iccid === expectedIccid);
  } catch (e) {
    throw new LpaError('PROFILE_INSTALL_FAILED', `the eUICC ended the load with a result that does not decode (${problem}) and its profile list cannot be read: ${(e as Error).message}`, details, { cause: e });
  }
  if (!listed) {
    throw new LpaError('PROFILE_INSTALL_FAILED', `the eUICC ended the load with a result that does not decode (${problem}) and does not list profile ${expectedIccid}: not installed; the result stays queued as a notification`, details);
  }
  return expectedIccid;
}

async function cancel(err: LpaError, es10: Es10Client, es9: Es9Client, txBytes: Uint8Array, transactionId: string, progress: NonNullable<DownloadHooks['onProgress']>): Promise<void> {
  const reason = cancelReasonFor(err);
  progress('cancel', `cancelling the session (${reason}) so the SM-DP+ can release the profile`, { reason });
  const note = await cancelBoth(es10, es9, txBytes, transactionId, reason);
  err.details.cancelReason = reason;
  if (note) err.details.cancel = note;
}
