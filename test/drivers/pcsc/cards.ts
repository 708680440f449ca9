import type { VirtualCard } from '../../../src/sim/card.js';
import { toHex } from '../../../src/util/hex.js';

/**
 * The virtual eUICC as a stricter T=0 card: a SELECT without Le gets `6Cxx` (send it again with
 * Le = xx), and every answer with data comes back behind `61xx` for GET RESPONSE. Logs the APDUs
 * it receives (hex), so tests see what the driver sent through pcscd.
 */
export class StrictT0Card implements VirtualCard {
  readonly log: string[] = [];
  onRefreshRequested?: () => void;
  private pending: Uint8Array | undefined;
  private readonly inner: VirtualCard;

  constructor(inner: VirtualCard) {
    this.inner = inner;
    inner.onRefreshRequested = () => this.onRefreshRequested?.();
  }

  transmit(apdu: Uint8Array): Uint8Array {
    this.log.push(toHex(apdu));
    if (apdu[1] === 0xc0 && this.pending) {
      const n = apdu[4] === 0 ? 256 : apdu[4]!;
      const chunk = this.pending.subarray(0, n);
      const rest = this.pending.subarray(n);
      this.pending = rest.length > 0 ? rest : undefined;
      return Uint8Array.of(...chunk, ...(rest.length > 0 ? [0x61, Math.min(rest.length, 256) & 0xff] : [0x90, 0x00]));
    }
    this.pending = undefined;
    const selectNoLe = apdu[1] === 0xa4 && apdu.length === 5 + apdu[4]!;
    const resp = this.inner.transmit(apdu);
    const data = resp.subarray(0, resp.length - 2);
    const sw1 = resp[resp.length - 2]!;
    if (selectNoLe && sw1 === 0x90 && data.length > 0) return Uint8Array.of(0x6c, data.length);
    if (sw1 === 0x90 && data.length > 0) {
      this.pending = data;
      return Uint8Array.of(0x61, Math.min(data.length, 256) & 0xff);
    }
    return resp;
  }

  reset(): void {
    this.pending = undefined;
    this.inner.reset();
  }

  activeIccid(): string | undefined {
    return this.inner.activeIccid();
  }

  /** Class bytes of the logged APDUs with instruction `ins`. */
  clas(ins: number): number[] {
    return this.log.filter((h) => parseInt(h.slice(2, 4), 16) === ins).map((h) => parseInt(h.slice(0, 2), 16));
  }
}

/** A card without an ISD-R (a plain SIM or a bank card, as far as an LPA cares). */
export class PlainCard implements VirtualCard {
  transmit(apdu: Uint8Array): Uint8Array {
    if (apdu[1] === 0x70 && apdu[2] === 0x00) return Uint8Array.of(0x01, 0x90, 0x00);
    if (apdu[1] === 0x70) return Uint8Array.of(0x90, 0x00);
    return Uint8Array.of(0x6a, 0x82);
  }
  reset(): void {}
  activeIccid(): string | undefined {
    return undefined;
  }
}
