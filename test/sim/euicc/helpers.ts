/** Raw-APDU helpers for driving the virtual eUICC exactly as a module would. */

import { expect } from 'vitest';
import type { VirtualEuicc } from '../../../src/sim/euicc/index.js';
import { concatBytes, fromHex, toHex } from '../../../src/util/hex.js';

export const ISD_R_AID = 'A0000005591010FFFFFFFF8900000100';

export interface Answer {
  data: Uint8Array;
  sw: string;
}

/** Sends one APDU given as hex; splits the answer into data and SW (hex). */
export function send(card: VirtualEuicc, hex: string | Uint8Array): Answer {
  const apdu = typeof hex === 'string' ? fromHex(hex.replace(/\s+/g, '')) : hex;
  const out = card.transmit(apdu);
  expect(out.length).toBeGreaterThanOrEqual(2);
  return { data: out.subarray(0, out.length - 2), sw: toHex(out.subarray(out.length - 2)) };
}

/** CLA byte for `channel` (0-19), interindustry (`proprietary` false) or proprietary class. */
export function claFor(channel: number, proprietary = true): number {
  const base = channel < 4 ? channel : 0x40 | (channel - 4);
  return proprietary ? base | 0x80 : base;
}

/** MANAGE CHANNEL open + SELECT ISD-R; returns the channel number. */
export function openIsdR(card: VirtualEuicc): number {
  const open = send(card, '0070000001');
  expect(open.sw).toBe('9000');
  const ch = open.data[0]!;
  const sel = send(card, `${toHex(Uint8Array.of(claFor(ch, false)))}A4040010${ISD_R_AID}00`);
  expect(sel.sw).toBe('9000');
  return ch;
}

/**
 * Sends `der` with STORE DATA in blocks of `blockSize` and follows 61xx with GET RESPONSE.
 * Returns the concatenated response data and the final SW; also counts the APDUs.
 */
export function storeData(card: VirtualEuicc, channel: number, der: Uint8Array, blockSize = 255): Answer & { apdus: number } {
  const cla = claFor(channel);
  let apdus = 0;
  let last: Answer = { data: new Uint8Array(0), sw: '6F00' };
  const blocks = Math.max(1, Math.ceil(der.length / blockSize));
  for (let i = 0; i < blocks; i++) {
    const part = der.subarray(i * blockSize, (i + 1) * blockSize);
    const p1 = i === blocks - 1 ? 0x91 : 0x11;
    last = send(card, concatBytes(Uint8Array.of(cla, 0xe2, p1, i, part.length), part));
    apdus++;
    if (i < blocks - 1 && last.sw !== '9000') return { ...last, apdus };
  }
  const parts: Uint8Array[] = [last.data];
  while (last.sw.startsWith('61')) {
    last = send(card, Uint8Array.of(cla, 0xc0, 0, 0, parseInt(last.sw.slice(2), 16)));
    apdus++;
    parts.push(last.data);
  }
  return { data: concatBytes(...parts), sw: last.sw, apdus };
}

/** Sends an ES10 request on a fresh ISD-R channel and expects 9000; returns the response DER. */
export function es10(card: VirtualEuicc, der: Uint8Array, channel?: number): Uint8Array {
  const ch = channel ?? openIsdR(card);
  const ans = storeData(card, ch, der);
  expect(ans.sw).toBe('9000');
  return ans.data;
}
