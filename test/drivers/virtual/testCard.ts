import type { VirtualCard } from '../../../src/sim/card.js';

export const ISD_R_AID = 'A0000005591010FFFFFFFF8900000100';
/** STORE DATA payload that makes this card ask the module for a REFRESH (test hook). */
export const REFRESH_TRIGGER = 'DEAD';
/** STORE DATA answers longer than this come back with 61xx. */
const SHORT_ANSWER_MAX = 32;

/**
 * A small card for the module's tests: MANAGE CHANNEL, SELECT of the ISD-R, STORE DATA echo
 * (long answers via 61xx + GET RESPONSE), TERMINAL CAPABILITY. Rejects secure-messaging CLAs
 * (6882) and commands on closed channels (6881), and records every APDU it sees (hex).
 */
export class TestCard implements VirtualCard {
  onRefreshRequested?: () => void;
  readonly log: string[] = [];
  resets = 0;
  iccid: string | undefined = '8944500102198304826';
  private open = new Set<number>([0]);
  private selected = new Set<number>();
  private pending = new Map<number, Uint8Array>();

  activeIccid(): string | undefined {
    return this.iccid;
  }

  reset(): void {
    this.resets++;
    this.open = new Set([0]);
    this.selected.clear();
    this.pending.clear();
  }

  /** Channels open on the card (besides the basic one). */
  openChannels(): number[] {
    return [...this.open].filter((c) => c !== 0).sort((a, b) => a - b);
  }

  transmit(apdu: Uint8Array): Uint8Array {
    this.log.push(Buffer.from(apdu).toString('hex').toUpperCase());
    if (apdu.length < 4) return sw(0x6700);
    const cla = apdu[0]!;
    const ins = apdu[1]!;
    const further = (cla & 0x40) !== 0;
    const ch = further ? 4 + (cla & 0x0f) : cla & 0x03;
    if (further ? cla & 0x20 : cla & 0x0c) return sw(0x6882);
    if (!this.open.has(ch)) return sw(0x6881);
    const lc = apdu.length > 5 ? apdu[4]! : 0;
    const data = apdu.subarray(5, 5 + lc);
    switch (ins) {
      case 0x70:
        return this.manageChannel(apdu[2]!, apdu[3]!, ch);
      case 0xa4: {
        if (Buffer.from(data).toString('hex').toUpperCase() !== ISD_R_AID) return sw(0x6a82);
        this.selected.add(ch);
        return this.answer(ch, Uint8Array.from(Buffer.from(`6F108410${ISD_R_AID}`, 'hex')), 0);
      }
      case 0xc0: {
        const p = this.pending.get(ch);
        if (!p) return sw(0x6985);
        const le = apdu[4] === 0 ? 256 : apdu[4]!;
        const part = p.subarray(0, le);
        const rest = p.subarray(le);
        if (rest.length > 0) this.pending.set(ch, rest);
        else this.pending.delete(ch);
        return cat(part, rest.length > 0 ? sw(0x6100 | Math.min(rest.length, 256) % 256) : sw(0x9000));
      }
      case 0xe2: {
        if (!this.selected.has(ch)) return sw(0x6985);
        if (Buffer.from(data).toString('hex').toUpperCase() === REFRESH_TRIGGER) {
          this.onRefreshRequested?.();
          return sw(0x9000);
        }
        return this.answer(ch, data, SHORT_ANSWER_MAX);
      }
      case 0xaa:
        return sw(0x9000);
      default:
        return sw(0x6d00);
    }
  }

  private manageChannel(p1: number, p2: number, ch: number): Uint8Array {
    if (p1 === 0x00) {
      for (let c = 1; c <= 19; c++) {
        if (!this.open.has(c)) {
          this.open.add(c);
          return Uint8Array.of(c, 0x90, 0x00);
        }
      }
      return sw(0x6a81);
    }
    if (p1 === 0x80) {
      const target = p2 === 0 ? ch : p2;
      if (target === 0 || !this.open.has(target)) return sw(0x6881);
      this.open.delete(target);
      this.selected.delete(target);
      this.pending.delete(target);
      return sw(0x9000);
    }
    return sw(0x6a86);
  }

  private answer(ch: number, data: Uint8Array, shortMax: number): Uint8Array {
    this.pending.delete(ch);
    if (data.length <= shortMax) return cat(data, sw(0x9000));
    this.pending.set(ch, new Uint8Array(data));
    return sw(0x6100 | (Math.min(data.length, 256) % 256));
  }
}

function sw(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

function cat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
