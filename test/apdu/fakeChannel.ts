import type { ApduChannel, TransmitOptions } from '../../src/apdu/channel.js';
import { concatBytes } from '../../src/util/hex.js';

/** A scripted ApduChannel: records every APDU and answers with `answer(apdu, index)`. */
export class FakeChannel implements ApduChannel {
  readonly sent: Uint8Array[] = [];
  readonly options: (TransmitOptions | undefined)[] = [];

  constructor(private readonly answer: (apdu: Uint8Array, index: number) => Uint8Array) {}

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async transmit(apdu: Uint8Array, options?: TransmitOptions): Promise<Uint8Array> {
    this.sent.push(apdu.slice());
    this.options.push(options);
    return this.answer(apdu, this.sent.length - 1);
  }
}

export const SW_OK = Uint8Array.of(0x90, 0x00);

/** Answers 9000 to every block but the last (P1 = 91), which gets `response` + 9000. */
export function es10Answer(response: Uint8Array): (apdu: Uint8Array) => Uint8Array {
  return (apdu) => (apdu[2] === 0x91 ? concatBytes(response, SW_OK) : SW_OK);
}

/** Reassembles the DER sent in a series of STORE DATA blocks. */
export function sentDer(ch: FakeChannel): Uint8Array {
  return concatBytes(...ch.sent.map((a) => a.subarray(5)));
}
