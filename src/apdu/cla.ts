/**
 * ISO 7816 facts every driver that opens its own logical channel needs (+CSIM, PC/SC): the ISD-R
 * AID, class-byte patching for logical channels, and the fixed command APDUs (MANAGE CHANNEL,
 * SELECT, TERMINAL CAPABILITY).
 */
import { LpaError } from '../errors.js';
import { fromHex } from '../util/hex.js';

export const ISDR_AID_HEX = 'A0000005591010FFFFFFFF8900000100';
export const ISDR_AID = fromHex(ISDR_AID_HEX);

/** TERMINAL CAPABILITY announcing eUICC/LPA support, sent when the vendor profile asks for it. */
export const TERMINAL_CAPABILITY = fromHex('80AA00000AA9088100820101830107');

/** MANAGE CHANNEL open on the basic channel; the card answers `<ch>9000`. */
export const MANAGE_CHANNEL_OPEN = fromHex('0070000001');

/** Short APDU: header + Lc + 255 data bytes + Le. */
export const MAX_SHORT_APDU = 261;

/** STORE DATA instruction (every ES10 function travels in it). */
export const INS_STORE_DATA = 0xe2;

/**
 * Class byte carrying logical channel `ch` (ISO 7816-4): channels 1-3 in the low two bits of a
 * first-interindustry class, 4-19 as `0x40 | (ch - 4)`. Keeps the proprietary bit (0x80), command
 * chaining and secure messaging indication of the original class.
 */
export function claForChannel(cla: number, ch: number): number {
  if (!Number.isInteger(ch) || ch < 0 || ch > 19) {
    throw new LpaError('APDU_INVALID', `logical channel ${ch} is out of range 0..19`);
  }
  if (ch <= 3) return (cla & 0x9c) | ch;
  return (cla & 0xb0) | 0x40 | (ch - 4);
}

/** MANAGE CHANNEL close of channel `ch`, sent on the basic channel: `00 70 80 <ch> 00`. */
export function manageChannelClose(ch: number): Uint8Array {
  return Uint8Array.of(0x00, 0x70, 0x80, ch, 0x00);
}

/** SELECT by AID (default the ISD-R's) on logical channel `ch`: `0<ch> A4 04 00 <len> <AID>`, no Le. */
export function selectIsdr(ch: number, aid: Uint8Array = ISDR_AID): Uint8Array {
  if (aid.length < 5 || aid.length > 16) throw new LpaError('APDU_INVALID', `an AID has 5 to 16 bytes, not ${aid.length}`);
  const apdu = new Uint8Array(5 + aid.length);
  apdu.set([claForChannel(0x00, ch), 0xa4, 0x04, 0x00, aid.length]);
  apdu.set(aid, 5);
  return apdu;
}

/** SW1SW2 of a response as 4 upper-case hex digits. */
export function swOf(resp: Uint8Array): string {
  const sw = ((resp[resp.length - 2] ?? 0) << 8) | (resp[resp.length - 1] ?? 0);
  return sw.toString(16).toUpperCase().padStart(4, '0');
}
