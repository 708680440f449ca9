/**
 * ES10 transport: one DER request sent to the ISD-R as a series of STORE DATA commands
 * (`80 E2 P1 P2 Lc data`, P1 11 = more blocks / 91 = last block, P2 = block number from 0).
 */

import { isLpaError, LpaError } from '../errors.js';
import { concatBytes } from '../util/hex.js';
import type { ApduChannel } from './channel.js';
import { buildApdu, checkSw } from './apdu.js';

export interface StoreDataOptions {
  /** Bytes of data per block, 1..255 (default 255: fewer round trips). */
  blockSize?: number;
  /** CLA byte (default 0x80; the driver patches the logical channel bits for its transport). */
  cla?: number;
}

export interface SendEs10Options extends StoreDataOptions {
  /** Deadline per APDU, passed to the channel. */
  timeoutMs?: number;
  /** Name for error messages, e.g. "GetEUICCInfo1". */
  fn?: string;
}

/** The block size to suggest when long STORE DATA blocks fail (lpac's default). */
export const SHORT_BLOCK_SIZE = 120;

/** What to tell a user whose module or eUICC fails on long STORE DATA blocks. */
export const SHORT_BLOCK_HINT = `try smaller STORE DATA blocks with --apdu-size ${SHORT_BLOCK_SIZE}`;

/** A STORE DATA command APDU longer than one of SHORT_BLOCK_SIZE data bytes: --apdu-size would shorten it. */
export function isLongStoreData(apdu: Uint8Array): boolean {
  return apdu.length > 5 + SHORT_BLOCK_SIZE && apdu[1] === 0xe2;
}

/** Splits `der` into STORE DATA command APDUs: full blocks except the last. */
export function storeDataBlocks(der: Uint8Array, options: StoreDataOptions = {}): Uint8Array[] {
  const blockSize = options.blockSize ?? 255;
  const cla = options.cla ?? 0x80;
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 255) {
    throw new LpaError('APDU_INVALID', `STORE DATA block size must be 1..255, got ${blockSize}`);
  }
  if (der.length === 0) throw new LpaError('APDU_INVALID', 'STORE DATA needs at least one byte of data');
  const count = Math.ceil(der.length / blockSize);
  if (count > 256) {
    throw new LpaError(
      'APDU_INVALID',
      `request of ${der.length} bytes needs ${count} STORE DATA blocks of ${blockSize} bytes (at most 256 per request): use a larger --apdu-size`,
      { blockSize },
    );
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    out.push(
      buildApdu({ cla, ins: 0xe2, p1: last ? 0x91 : 0x11, p2: i, data: der.subarray(i * blockSize, (i + 1) * blockSize) }),
    );
  }
  return out;
}

/**
 * Sends one ES10 request and returns the eUICC's response DER (the data of all blocks
 * concatenated; usually only the last block answers). Every block must end with a normal status
 * (9000, 91xx, 92xx; the channel already resolved 61xx); anything else throws APDU_STATUS.
 */
export async function sendEs10(channel: ApduChannel, der: Uint8Array, options: SendEs10Options = {}): Promise<Uint8Array> {
  const blocks = storeDataBlocks(der, options);
  const fn = options.fn ?? 'STORE DATA';
  const parts: Uint8Array[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const resp = await channel.transmit(blocks[i]!, options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs });
    let body: Uint8Array;
    try {
      body = checkSw(resp, blocks.length > 1 ? `${fn} (block ${i + 1}/${blocks.length})` : fn);
    } catch (e) {
      // 6601 on a long block: some removable eUICCs in readers/modules want shorter ones
      if (isLpaError(e) && e.details.sw === '6601' && isLongStoreData(blocks[i]!)) e.message += `; ${SHORT_BLOCK_HINT}`;
      throw e;
    }
    if (body.length > 0) parts.push(body);
  }
  return parts.length === 1 ? parts[0]! : concatBytes(...parts);
}
