/**
 * Command APDUs (ISO 7816-4 short form) and status words.
 */

import { LpaError } from '../errors.js';
import { toHex } from '../util/hex.js';

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (at most 255 bytes); absent or empty means no Lc. */
  data?: Uint8Array;
  /** Expected response length 1..256 (256 is coded as 00); absent means no Le. */
  le?: number;
}

function checkByte(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) {
    throw new LpaError('APDU_INVALID', `APDU ${name} must be a byte, got ${v}`);
  }
}

/** Builds a short command APDU: CLA INS P1 P2 [Lc data] [Le]. */
export function buildApdu(c: CommandApdu): Uint8Array {
  checkByte('CLA', c.cla);
  checkByte('INS', c.ins);
  checkByte('P1', c.p1);
  checkByte('P2', c.p2);
  const data = c.data ?? new Uint8Array(0);
  if (data.length > 255) throw new LpaError('APDU_INVALID', `APDU data of ${data.length} bytes exceeds 255 (short APDU)`);
  if (c.le !== undefined && (!Number.isInteger(c.le) || c.le < 1 || c.le > 256)) {
    throw new LpaError('APDU_INVALID', `APDU Le must be 1..256, got ${c.le}`);
  }
  const out = new Uint8Array(4 + (data.length > 0 ? 1 + data.length : 0) + (c.le !== undefined ? 1 : 0));
  out.set([c.cla, c.ins, c.p1, c.p2]);
  let off = 4;
  if (data.length > 0) {
    out[off++] = data.length;
    out.set(data, off);
    off += data.length;
  }
  if (c.le !== undefined) out[off] = c.le & 0xff;
  return out;
}

function needSw(resp: Uint8Array): void {
  if (resp.length < 2) throw new LpaError('APDU_INVALID', `response of ${resp.length} bytes has no status word`);
}

/** The status word (SW1 << 8 | SW2) at the end of a response. */
export function sw(resp: Uint8Array): number {
  needSw(resp);
  return (resp[resp.length - 2]! << 8) | resp[resp.length - 1]!;
}

/** The status word as 4 upper-case hex digits, e.g. "6A88". */
export function swHex(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

/** The response data without SW1SW2 (a view into `resp`). */
export function data(resp: Uint8Array): Uint8Array {
  needSw(resp);
  return resp.subarray(0, resp.length - 2);
}

const MEANINGS: Record<number, string> = {
  0x6281: 'part of returned data may be corrupted',
  0x6282: 'end of file reached before Le bytes',
  0x6283: 'selected file invalidated',
  0x6400: 'execution error, memory unchanged',
  0x6581: 'memory failure',
  0x6700: 'wrong length',
  0x6881: 'logical channel not supported',
  0x6882: 'secure messaging not supported',
  0x6982: 'security status not satisfied',
  0x6983: 'authentication method blocked',
  0x6985: 'conditions of use not satisfied',
  0x6986: 'command not allowed (no current EF)',
  0x6999: 'applet selection failed',
  0x6a80: 'incorrect parameters in the data field',
  0x6a81: 'function not supported',
  0x6a82: 'file or application not found',
  0x6a84: 'not enough memory space',
  0x6a86: 'incorrect parameters P1-P2',
  0x6a88: 'referenced data not found',
  0x6b00: 'wrong parameters P1-P2',
  0x6d00: 'instruction code not supported',
  0x6e00: 'class not supported',
  0x6601: 'security problem (checksum) on a long command',
  0x6f00: 'no precise diagnosis',
  0x9000: 'success',
};

/**
 * Normal ends of processing (ETSI TS 102 221 10.2.1): 9000; 91xx, a proactive SIM Toolkit command
 * is pending (real eUICCs send it after Enable/Disable with REFRESH); 92xx, done after internal
 * retries. The response data is valid in all three.
 */
export function isNormalEnd(value: number): boolean {
  const sw1 = value >> 8;
  return value === 0x9000 || sw1 === 0x91 || sw1 === 0x92;
}

/** A readable meaning for a status word. */
export function swMeaning(value: number): string {
  const known = MEANINGS[value];
  if (known !== undefined) return known;
  const sw1 = value >> 8;
  if (sw1 === 0x61) return `${value & 0xff} more response bytes available`;
  if (sw1 === 0x6c) return `wrong Le, ${value & 0xff} bytes available`;
  if (sw1 === 0x91) return `success, a proactive command of ${value & 0xff} bytes is pending`;
  if (sw1 === 0x92) return 'success after internal retries';
  if (sw1 === 0x63 && (value & 0xf0) === 0xc0) return `verification failed, ${value & 0x0f} retries left`;
  if (sw1 === 0x62 || sw1 === 0x63) return 'warning';
  return 'unknown status';
}

/**
 * Returns the response data when the status is a normal end (9000, 91xx, 92xx: see isNormalEnd);
 * otherwise throws APDU_STATUS with details.sw and its meaning. `fn` names the operation for the
 * message (e.g. "STORE DATA").
 */
export function checkSw(resp: Uint8Array, fn: string): Uint8Array {
  const value = sw(resp);
  if (isNormalEnd(value)) return data(resp);
  const hex = swHex(value);
  const meaning = swMeaning(value);
  throw new LpaError('APDU_STATUS', `${fn} failed: status ${hex} (${meaning})`, { sw: hex, meaning, function: fn });
}

/** Hex of an APDU for logs: command header and length only, never the data. */
export function describeApdu(apdu: Uint8Array): string {
  return `${toHex(apdu.subarray(0, Math.min(4, apdu.length)))}${apdu.length > 4 ? ` +${apdu.length - 4}B` : ''}`;
}
