/**
 * A journal for `download` (always with --from-smds, else with --journal): the transaction of a
 * download in flight is recorded, so a run killed mid-download (power cut, SIGKILL) is followed by
 * one that cancels that session on the eUICC and the SM-DP+ first (the SM-DP+ releases the
 * profile; an SM-DS event stays until the profile is installed, so it is found again). The same
 * file format and recovery as `provision`'s journal.
 */

import { dirname, join } from 'node:path';
import { toLpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import { downloadProfile, type DownloadHooks, type DownloadRequest, type DownloadResult } from '../lpa/download.js';
import type { Es9Pool } from '../lpa/es9.js';
import { defaultJournal } from './config.js';
import { Journal } from './journal.js';
import { recoverInFlight } from './recover.js';

/** Default download journal: `download-{eid}.json` beside where `provision` keeps its journal. */
export function defaultDownloadJournal(device: string | undefined, cwd: string = process.cwd()): string {
  return join(dirname(defaultJournal(device, cwd)), 'download-{eid}.json');
}

export type Progress = (step: string, message: string, data?: Record<string, unknown>) => void;

/**
 * Opens the journal of `eid` and cancels a download a previous run left in flight. Returns the
 * journal, or undefined (with `onUnavailable` told why) when it cannot be written and `required`
 * is false.
 */
export async function openDownloadJournal(
  path: string,
  eid: string,
  es10: Es10Client,
  pool: Es9Pool,
  progress: Progress,
  options: { required: boolean; onUnavailable?: (why: string) => void },
): Promise<Journal | undefined> {
  let journal: Journal;
  try {
    journal = Journal.open(path.replaceAll('{eid}', eid), eid).journal;
  } catch (e) {
    if (options.required) throw e;
    options.onUnavailable?.(toLpaError(e).message);
    return undefined;
  }
  if (journal.snapshot.transactionId !== undefined) await recoverInFlight(es10, pool, journal, progress);
  return journal;
}

/** downloadProfile with its transaction in the journal while it is in flight. */
export async function journaledDownload(
  es10: Es10Client,
  pool: Es9Pool,
  journal: Journal | undefined,
  request: DownloadRequest,
  hooks: DownloadHooks,
  note?: string,
): Promise<DownloadResult> {
  if (!journal) return downloadProfile(es10, pool, request, hooks);
  try {
    const dl = await downloadProfile(es10, pool, request, {
      ...hooks,
      onTransaction: (info) => {
        journal.update({ transactionId: info.transactionId, smdpAddress: info.smdpAddress }, `download started${note ? ` (${note})` : ''}, transaction ${info.transactionId}`);
        hooks.onTransaction?.(info);
      },
    });
    journal.update({ transactionId: undefined, iccid: dl.iccid }, `installed ${dl.iccid}${note ? ` (${note})` : ''}`);
    return dl;
  } catch (e) {
    const err = toLpaError(e);
    // cancelled cleanly (or ended by the eUICC): nothing left in flight
    if (err.details.cancel === undefined && journal.snapshot.transactionId !== undefined) journal.update({ transactionId: undefined }, `download failed: ${err.code}`);
    throw err;
  }
}
