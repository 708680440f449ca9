/**
 * The end of a profile load: the signed ProfileInstallationResult (BF37), success or error, queued
 * as a pending notification and returned as the answer to the last STORE DATA. Building it also
 * ends the download session.
 */

import { encodeSignature } from '../../../es10/common.js';
import {
  encodeProfileInstallationResult,
  encodeProfileInstallationResultData,
  type InstallFinalResult,
} from '../../../es10/profileInstallationResult.js';
import type { BPP_COMMAND_ID, INSTALL_ERROR_REASON } from '../../../es10/results.js';
import { fromHex } from '../../../util/hex.js';
import { addPendingNotification } from '../notifications.js';
import type { EuiccQuirks } from '../quirks.js';
import type { Es10Context } from './context.js';
import { endDownload, type DownloadSession } from './downloadSession.js';

export type BppCommand = keyof typeof BPP_COMMAND_ID;
export type InstallErrorReason = keyof typeof INSTALL_ERROR_REASON;

/**
 * simaResponse of a successful installation: one EUICCResponse (SAIP) reporting every profile
 * element processed with status ok: `30 { A0 peStatus { 30 { 80 status 00 } } }`.
 */
export const SIMA_RESPONSE_OK = fromHex('3007A0053003800100');

export interface PirInput {
  transactionId: Uint8Array;
  /** Where the notification goes (install address of the metadata, else the SM-DP+ address). */
  notificationAddress: string;
  iccid?: string;
  smdpOid?: string;
  finalResult: InstallFinalResult;
  /** Queue as a pending notification (false when there is no session to report to). */
  queue: boolean;
}

/**
 * The answer as it leaves the card: with the malformedInstallResult quirk, cut short inside the
 * signature ('truncated': BF27 still readable) or replaced by junk under BF37 ('garbage').
 */
function asAnswered(pir: Uint8Array, quirks: EuiccQuirks | undefined): Uint8Array {
  switch (quirks?.malformedInstallResult) {
    case 'truncated':
      return pir.slice(0, pir.length - 20);
    case 'garbage':
      return Uint8Array.of(0xbf, 0x37, 0x04, 0xa9, 0x02, 0xde, 0xad);
    default:
      return pir;
  }
}

/** Signs a ProfileInstallationResult, queues it if asked (persisting the state) and returns the BF37 DER. */
export function issueInstallationResult(ctx: Pick<Es10Context, 'store' | 'identity'> & { quirks?: EuiccQuirks }, input: PirInput): Uint8Array {
  const seqNumber = ctx.store.takeSeqNumber();
  const data = encodeProfileInstallationResultData({
    transactionId: input.transactionId,
    notificationMetadata: {
      seqNumber,
      profileManagementOperation: 'notificationInstall',
      notificationAddress: input.notificationAddress,
      ...(input.iccid === undefined ? {} : { iccid: input.iccid }),
    },
    ...(input.smdpOid === undefined ? {} : { smdpOid: input.smdpOid }),
    finalResult: input.finalResult,
  });
  const pir = encodeProfileInstallationResult(data, encodeSignature(ctx.identity.sign(data)));
  if (input.queue) {
    addPendingNotification(
      ctx.store,
      {
        seqNumber,
        operation: 'install',
        address: input.notificationAddress,
        // '' when the load failed before StoreMetadata named the profile
        iccid: input.iccid ?? '',
        signedDer: Buffer.from(pir).toString('base64'),
      },
      ctx.quirks,
    );
  }
  ctx.store.save();
  return asAnswered(pir, ctx.quirks);
}

/** The error PIR for a failed load in `dl` (queued), ending the session. */
export function failLoad(ctx: Es10Context, dl: DownloadSession, bppCommandId: BppCommand, errorReason: InstallErrorReason): Uint8Array {
  endDownload(ctx.session);
  const meta = dl.load?.metadata;
  const oid = smdpOidOf(dl);
  return issueInstallationResult(ctx, {
    transactionId: dl.transactionId,
    notificationAddress: meta?.notificationConfigurationInfo.install ?? dl.serverAddress,
    ...(meta ? { iccid: meta.iccid } : {}),
    ...(oid === undefined ? {} : { smdpOid: oid }),
    finalResult: { success: false, bppCommandId, errorReason },
    queue: true,
  });
}

/** SM-DP+ OID for the PIR: the one in CERT.DPpb (SGP.22), else the DPauth one. */
export function smdpOidOf(dl: DownloadSession): string | undefined {
  return dl.dpPb?.registeredIds[0] ?? (dl.smdpOid || undefined);
}
