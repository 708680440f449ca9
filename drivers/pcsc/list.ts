/**
 * The readers pcscd lists, each with its card's ATR and whether an eUICC answers (a logical channel
 * to the ISD-R and GetEID): for `lpa-agent devices` and for checking a bench rig.
 */
import { sendEs10 } from '../../src/apdu/storeData.js';
import { decodeGetEidResponse, encodeGetEidRequest } from '../../src/es10/getEid.js';
import { isLpaError, toLpaError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';
import type { DetectedReader } from '../detect/types.js';
import { PcscEuiccChannel } from './channel.js';
import { ReaderWatch } from './readers.js';

/** One reader as pcscd lists it: what `devices` shows (detect's DetectedReader) and its position. */
export interface PcscReaderEntry extends Omit<DetectedReader, 'note'> {
  /** 0-based position in pcscd's list, as `--device pcsc:<index>` takes it. */
  index: number;
}

export interface ListPcscReadersOptions {
  /** Probe cards for an eUICC (default true); false lists names and presence only. */
  probe?: boolean;
  /** ISD-R AID to select (default the SGP.22 one). */
  isdrAid?: Uint8Array;
  /** Binding package to load (tests: a missing one). */
  packageName?: string;
}

/**
 * Lists pcscd's readers. Throws PCSC_UNAVAILABLE when the binding, libpcsclite or pcscd is missing;
 * problems with one card are reported in its entry. Cards are opened in shared mode and left as
 * they were (the logical channel is closed again).
 */
export async function listPcscReaders(opts: ListPcscReadersOptions = {}): Promise<PcscReaderEntry[]> {
  const watch = await ReaderWatch.start(opts.packageName !== undefined ? { packageName: opts.packageName } : {});
  try {
    const out: PcscReaderEntry[] = [];
    for (const [index, r] of watch.readers().entries()) {
      const entry: PcscReaderEntry = { index, name: r.name, device: `pcsc:${r.name}`, cardPresent: r.present, euicc: false };
      out.push(entry);
      if (!r.present || opts.probe === false) continue;
      const channel = new PcscEuiccChannel(watch, r.name, { ...(opts.isdrAid ? { isdrAid: opts.isdrAid } : {}), cardReadyTimeoutMs: 0 });
      try {
        entry.atr = toHex(await channel.atr());
        await channel.open();
        entry.eid = decodeGetEidResponse(await sendEs10(channel, encodeGetEidRequest(), { fn: 'GetEID' })).eid;
        entry.euicc = true;
      } catch (e) {
        // a card without an ISD-R (a plain SIM, a bank card) refuses the SELECT: not a problem
        if (!(isLpaError(e) && (e.code === 'CHANNEL_OPEN_FAILED' || e.code === 'APDU_STATUS'))) {
          const err = toLpaError(e);
          entry.problem = { code: err.code, message: err.message };
        }
      } finally {
        await channel.close();
      }
    }
    return out;
  } finally {
    watch.close();
  }
}

/**
 * The readers as `lpa-agent devices` and `--device auto` see them: every reader is listed; only one
 * whose card answered as an eUICC counts as a choice for `auto` (an empty vpcd slot or a bank card
 * does not). No PC/SC on this machine: none.
 */
export async function readersForDetect(): Promise<DetectedReader[]> {
  let entries: PcscReaderEntry[];
  try {
    entries = await listPcscReaders();
  } catch (e) {
    if (isLpaError(e, 'PCSC_UNAVAILABLE')) return [];
    throw e;
  }
  return entries.map((r) => {
    const note = !r.cardPresent
      ? 'no card'
      : r.euicc
        ? `eUICC, EID ${r.eid}${r.atr ? `, ATR ${r.atr}` : ''}`
        : r.problem
          ? `card not probed: ${r.problem.message}`
          : `a card that is not an eUICC${r.atr ? ` (ATR ${r.atr})` : ''}`;
    const { index: _index, ...reader } = r;
    return { ...reader, note };
  });
}
