/**
 * Loading the bound profile package into the eUICC and reading what the card says at the end.
 *
 * The BPP goes in the SGP.22 STORE DATA sequences; an empty answer means "continue", and any
 * non-empty answer ends the load: it is the card's ProfileInstallationResult, even when it does not
 * decode. From then on the download is the card's business (the result is queued as a notification
 * on the eUICC), so nothing may cancel it any more.
 */

import { LpaError } from '../errors.js';
import { bppSequences, type BoundProfilePackage } from '../es10/bpp.js';
import type { Es10Client } from '../es10/client.js';
import { readInstallResult, type InstallFinalResult, type InstallResultReading } from '../es10/profileInstallationResult.js';
import { bytesEqual, toHex } from '../util/hex.js';

/** STORE DATA deadline while loading the BPP: the last block of a sequence can take long (modem-facts). */
export const BPP_BLOCK_TIMEOUT_MS = 240_000;

/** What ended the load: the card's answer, raw, and what of it could be read. */
export interface LoadEnd {
  raw: Uint8Array;
  reading: InstallResultReading;
}

/**
 * Loads the BPP sequence by sequence (each ES10 payload one STORE DATA series, P2 from 0). Returns
 * at the first non-empty answer. Errors before that (a status word, the module) are thrown and the
 * caller cancels the session (loadBppExecutionError); `onResult` fires as soon as the card answered.
 */
export async function loadBoundProfilePackage(
  es10: Es10Client,
  bpp: BoundProfilePackage,
  progress: (message: string, data?: Record<string, unknown>) => void = () => undefined,
): Promise<LoadEnd> {
  const sequences = bppSequences(bpp);
  const total = sequences.reduce((n, s) => n + s.length, 0);
  let done = 0;
  let shownQuarter = 0;
  progress(`loading the profile into the eUICC (${bpp.raw.length} bytes, ${total} commands)`, { bytes: bpp.raw.length, commands: total });
  for (const seq of sequences) {
    for (const payload of seq) {
      let answer: Uint8Array;
      try {
        answer = await es10.call('LoadBoundProfilePackage', payload, BPP_BLOCK_TIMEOUT_MS);
      } catch (e) {
        if (e instanceof LpaError) e.details.cancelReason ??= 'loadBppExecutionError';
        throw e;
      }
      done++;
      if (answer.length > 0) return { raw: answer, reading: readInstallResult(answer) };
      const quarter = Math.floor((done * 4) / total);
      if (quarter > shownQuarter) {
        shownQuarter = quarter;
        progress(`loaded ${quarter * 25}% (${done}/${total} commands)`, { done, total });
      }
    }
  }
  throw new LpaError('PROFILE_INSTALL_FAILED', 'the eUICC took the whole bound profile package without a ProfileInstallationResult', {
    cancelReason: 'loadBppExecutionError',
  });
}

/** What the install result says, for the download's outcome. */
export type InstallVerdict =
  | { kind: 'installed'; aid: Uint8Array; seqNumber?: number; iccid?: string }
  | { kind: 'failed'; result: Extract<InstallFinalResult, { success: false }>; seqNumber?: number }
  | { kind: 'unreadable'; problem: string; seqNumber?: number };

/** Judges the card's answer; a result for another transaction counts as unreadable. */
export function judgeInstallResult(end: LoadEnd, transactionId: Uint8Array): InstallVerdict {
  const r = end.reading;
  const seqNumber = r.notificationMetadata?.seqNumber;
  const withSeq = <T extends object>(v: T): T & { seqNumber?: number } => (seqNumber === undefined ? v : { ...v, seqNumber });
  if (r.transactionId && !bytesEqual(r.transactionId, transactionId)) {
    return withSeq({ kind: 'unreadable', problem: `the install result names transaction ${toHex(r.transactionId)}, not ${toHex(transactionId)}` });
  }
  const fin = r.finalResult;
  if (!fin) return withSeq({ kind: 'unreadable', problem: r.problem ?? 'no final result' });
  if (!fin.success) return withSeq({ kind: 'failed', result: fin });
  const iccid = r.notificationMetadata?.iccid;
  return withSeq({ kind: 'installed', aid: fin.aid, ...(iccid ? { iccid } : {}) });
}
