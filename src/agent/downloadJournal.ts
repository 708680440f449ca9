/**
 * The journal of `download`: the transaction of a download in flight is recorded, so a run killed
 * mid-download (power cut, SIGKILL) is followed by one that cancels that session on the eUICC and
 * the SM-DP+ first (the SM-DP+ releases the profile; an SM-DS event stays until the profile is
 * installed, so it is found again). The same file format and recovery as `provision`'s journal; a
 * download records only its transaction (id and SM-DP+) and history lines, never provision's
 * facts, so both commands may share one journal (a configured `journal` key) safely.
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
 * journal (undefined, with `onUnavailable` told why, when it cannot be written and `required` is
 * false) and, when the stale session could not be cancelled, its transaction id.
 */
export async function openDownloadJournal(
  path: string,
  eid: string,
  es10: Es10Client,
  pool: Es9Pool,
  progress: Progress,
  options: { required: boolean; onUnavailable?: (why: string) => void },
): Promise<{ journal?: Journal; uncancelled?: string }> {
  let journal: Journal;
  try {
    // a required journal is one the user configured: its folder is theirs to create
    journal = Journal.open(path.replaceAll('{eid}', eid), eid, { createFolder: !options.required });
  } catch (e) {
    const err = toLpaError(e);
    // a journal of another eUICC is a configuration mistake, not a missing folder
    if (options.required || err.details.journalEid !== undefined) throw err;
    options.onUnavailable?.(err.message);
    return {};
  }
  const stale = journal.snapshot.transactionId;
  if (stale === undefined) return { journal };
  const note = await recoverInFlight(es10, pool, journal, progress);
  return note ? { journal, uncancelled: stale } : { journal };
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
        journal.update(
          { transactionId: info.transactionId, transactionSmdpAddress: info.smdpAddress },
          `download started${note ? ` (${note})` : ''}, transaction ${info.transactionId} with ${info.smdpAddress}`,
        );
        hooks.onTransaction?.(info);
      },
    });
    journal.update({ transactionId: undefined, transactionSmdpAddress: undefined }, `download: installed ${dl.iccid}${note ? ` (${note})` : ''}`);
    return dl;
  } catch (e) {
    const err = toLpaError(e);
    // cancelled cleanly (or ended by the eUICC): nothing left in flight
    if (err.details.cancel === undefined && journal.snapshot.transactionId !== undefined) {
      journal.update({ transactionId: undefined, transactionSmdpAddress: undefined }, `download failed: ${err.code}`);
    }
    throw err;
  }
}
