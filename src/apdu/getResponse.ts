import { concatBytes } from '../util/hex.js';
import { LpaError } from '../errors.js';

/** Most GET RESPONSE rounds one APDU may need (256 bytes each, 128 KiB in all): bounds a misbehaving card. */
const MAX_ROUNDS = 512;

/**
 * Sends `apdu` and resolves ISO 7816 response chaining: `61xx` -> GET RESPONSE (`<cla> C0 00 00 xx`)
 * until the final status, concatenating the data; `6Cxx` -> the same command again with Le = xx.
 * `cla` is the class byte for GET RESPONSE as the transport wants it (e.g. `0x80` on +CGLA, the
 * channel's CLA on +CSIM). Returns data + final SW1SW2.
 */
export async function transmitWithChaining(
  send: (apdu: Uint8Array) => Promise<Uint8Array>,
  apdu: Uint8Array,
  cla: number,
): Promise<Uint8Array> {
  let resp = await send(apdu);
  let resent = false;
  const parts: Uint8Array[] = [];
  for (let round = 0; ; round++) {
    if (resp.length < 2) throw new LpaError('APDU_INVALID', `response of ${resp.length} bytes has no status word`);
    const sw1 = resp[resp.length - 2]!;
    const sw2 = resp[resp.length - 1]!;
    if (sw1 === 0x6c && !resent) {
      resent = true;
      const again = new Uint8Array(apdu);
      // case 2/4: replace (or append) Le with the length the card asked for
      const lc = apdu.length > 5 ? apdu[4]! : 0;
      const fixed = apdu.length > 5 ? concatBytes(again.subarray(0, 5 + lc), Uint8Array.of(sw2)) : concatBytes(again.subarray(0, 4), Uint8Array.of(sw2));
      resp = await send(fixed);
      continue;
    }
    if (sw1 !== 0x61) {
      parts.push(resp);
      return parts.length === 1 ? parts[0]! : concatBytes(...parts);
    }
    if (round >= MAX_ROUNDS) throw new LpaError('APDU_INVALID', `card kept answering 61xx after ${MAX_ROUNDS} GET RESPONSE rounds`);
    parts.push(resp.subarray(0, resp.length - 2));
    resp = await send(Uint8Array.of(cla, 0xc0, 0x00, 0x00, sw2));
  }
}
