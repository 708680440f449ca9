/**
 * The ISD-R channel over PC/SC: one card handle in a reader (shared with other programs), a
 * logical channel opened with MANAGE CHANNEL + SELECT, APDUs with the channel in the class byte,
 * GET RESPONSE and 6Cxx resolved here. A card that is reset, removed or re-inserted (a REFRESH after
 * EnableProfile looks like that) and a reader that is unplugged give clear errors; the channel
 * reconnects and reopens before the next APDU.
 */
import type { ApduChannel, ChannelStats, ModemControl, TransmitOptions } from '../../src/apdu/channel.js';
import { INS_STORE_DATA, ISDR_AID, MAX_SHORT_APDU, claForChannel, manageChannelClose } from '../../src/apdu/cla.js';
import { transmitWithChaining } from '../../src/apdu/getResponse.js';
import { openLogicalChannel } from '../../src/apdu/logicalChannel.js';
import { LpaError, isLpaError } from '../../src/errors.js';
import { bytesEqual, toHex } from '../../src/util/hex.js';
import type { AtTraceSink } from '../at/trace.js';
import { isCardGone, pcscCode, pcscError, type PcscCard } from './binding.js';
import { sleep, type ReaderWatch } from './readers.js';

export interface PcscChannelOptions {
  /** AID to select (default the ISD-R's). */
  isdrAid?: Uint8Array;
  /** Deadline for a card (or reader) to come back before reopening (default 60 s). */
  cardReadyTimeoutMs?: number;
  /** Poll interval while waiting for a card (default 200 ms). */
  pollIntervalMs?: number;
  /** Take the card exclusively (default: shared, as other PC/SC tools can then look on). */
  exclusive?: boolean;
  trace?: AtTraceSink;
}

/** After EnableProfile: how long the card gets to show its REFRESH (leave or reset) after the last APDU. */
const RESET_GRACE_MS = 3000;

export class PcscEuiccChannel implements ApduChannel, ModemControl {
  readonly readerName: string;
  private readonly watch: ReaderWatch;
  private readonly opts: PcscChannelOptions;
  private card: PcscCard | undefined;
  private ch: number | undefined;
  /** The card reset or left: the next transmit reconnects and reopens first. */
  private lost = false;
  private lastApduAt = 0;
  /** Some transmit of the current exchange reached the card. */
  private delivered = false;
  private readonly counters = { transmits: 0, apdus: 0, storeDataBlocks: 0, bytesOut: 0, bytesIn: 0 };

  constructor(watch: ReaderWatch, readerName: string, options: PcscChannelOptions = {}) {
    this.watch = watch;
    this.readerName = readerName;
    this.opts = options;
  }

  /** The logical channel number while open. */
  get channelId(): string | undefined {
    return this.ch === undefined ? undefined : String(this.ch);
  }

  get isLost(): boolean {
    return this.lost;
  }

  /** ATR of the card in the reader (connects if needed). */
  async atr(): Promise<Uint8Array> {
    const card = await this.connected();
    try {
      return (await card.state()).atr;
    } catch (e) {
      throw pcscError(e, this.readerName, 'read the ATR');
    }
  }

  async open(): Promise<void> {
    if (this.ch !== undefined && !this.lost) return;
    if (this.lost) {
      await this.recover();
      return;
    }
    await this.openChannel();
  }

  async transmit(apdu: Uint8Array, _options: TransmitOptions = {}): Promise<Uint8Array> {
    if (apdu.length < 4 || apdu.length > MAX_SHORT_APDU) {
      throw new LpaError('APDU_INVALID', `command APDU of ${apdu.length} bytes (must be 4..${MAX_SHORT_APDU})`);
    }
    await this.open();
    for (let attempt = 0; ; attempt++) {
      this.delivered = false;
      try {
        return await this.exchange(apdu);
      } catch (e) {
        if (isLpaError(e) || pcscCode(e) === undefined) throw e;
        this.lost = true;
        const code = pcscCode(e);
        // RESET/REMOVED are reported before an APDU reaches the card: resending is safe when
        // nothing of this exchange got through, and it is not a later block of a STORE DATA series
        // the restart threw away
        const notSent = (code === 'ResetCard' || code === 'RemovedCard') && !this.delivered;
        const midSeries = apdu[1] === INS_STORE_DATA && apdu[3] !== 0;
        if (notSent && !midSeries && attempt === 0) {
          await this.recover();
          continue;
        }
        const err = pcscError(e, this.readerName, `send ${apdu[1] === INS_STORE_DATA ? 'a STORE DATA' : `INS ${toHex(apdu.subarray(1, 2))}`}`);
        const again = notSent ? 'the command was not resent' : 'the command may have reached the card, so it was not resent';
        throw new LpaError(err.code === 'PORT_IO' ? 'CHANNEL_CLOSED' : err.code, `${err.message}; ${again} (the channel reopens on the next command)`, err.details, { cause: e });
      }
    }
  }

  async close(): Promise<void> {
    const card = this.card;
    const ch = this.ch;
    this.card = undefined;
    this.ch = undefined;
    this.lost = false;
    if (!card) return;
    if (ch !== undefined) await this.raw(card, manageChannelClose(ch)).catch(() => undefined);
    await card.disconnect(this.watch.pcsc.CardDisposition.LEAVE).catch(() => undefined);
  }

  /** Declares the channel gone: the next transmit checks the card and reopens. */
  invalidate(): void {
    if (this.ch !== undefined || this.card) this.lost = true;
  }

  /** Waits until the reader holds a card that answers (connects to it). */
  async waitSimReady(timeoutMs: number): Promise<void> {
    if (this.card && !this.lost) return;
    await this.connectWait(Date.now() + timeoutMs, timeoutMs);
  }

  /**
   * After EnableProfile/DisableProfile: the card asked for a REFRESH. A reader shows it as the card
   * leaving (or being reset) and coming back; waits for that within a grace time, then for the card.
   * Either way the channel reopens before the next APDU.
   */
  async settleAfterSwitch(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.invalidate();
    const card = this.card;
    if (!card) return this.waitSimReady(timeoutMs);
    const graceEnd = Math.min(deadline, this.lastApduAt + RESET_GRACE_MS);
    const poll = this.opts.pollIntervalMs ?? 200;
    for (;;) {
      try {
        await card.state();
      } catch (e) {
        if (pcscCode(e) === 'ResetCard') return; // still present: recover() reconnects
        await this.drop();
        return this.connectWait(deadline, timeoutMs);
      }
      if (Date.now() >= graceEnd) return; // no restart shown: the card kept its state
      await sleep(poll);
    }
  }

  /** Resets the card (warm reset through pcscd), then waits for it. */
  async restartSim(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const card = await this.connected();
    this.ch = undefined;
    this.lost = true;
    try {
      await card.reconnect(this.mode(), this.watch.pcsc.CardDisposition.RESET);
    } catch (e) {
      await this.drop();
      if (!isCardGone(e) && pcscCode(e) !== 'ResetCard') throw pcscError(e, this.readerName, 'reset the card');
    }
    await this.connectWait(deadline, timeoutMs);
  }

  /** A reader cannot read the ICCID outside the eUICC's own functions. */
  readIccid(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  stats(): ChannelStats {
    return {
      atCommands: 0,
      requests: this.counters.transmits,
      apdus: this.counters.apdus,
      storeDataBlocks: this.counters.storeDataBlocks,
      bytesToModule: this.counters.bytesOut,
      bytesFromModule: this.counters.bytesIn,
    };
  }

  private mode(): number {
    return this.opts.exclusive ? this.watch.pcsc.CardMode.EXCLUSIVE : this.watch.pcsc.CardMode.SHARED;
  }

  /** One SCardTransmit; raw PC/SC errors pass through (the caller maps them). */
  private async raw(card: PcscCard, apdu: Uint8Array): Promise<Uint8Array> {
    this.counters.transmits++;
    this.counters.apdus++;
    if (apdu[1] === INS_STORE_DATA) this.counters.storeDataBlocks++;
    this.counters.bytesOut += apdu.length;
    this.opts.trace?.write('>>', toHex(apdu));
    this.lastApduAt = Date.now();
    const resp = await card.transmit(apdu);
    this.delivered = true;
    this.counters.bytesIn += resp.length;
    this.opts.trace?.write('<<', toHex(resp));
    return resp;
  }

  private async exchange(apdu: Uint8Array): Promise<Uint8Array> {
    const card = await this.connected();
    const patched = new Uint8Array(apdu);
    patched[0] = claForChannel(apdu[0]!, this.ch ?? 0);
    return transmitWithChaining((a) => this.raw(card, a), patched, patched[0]!);
  }

  /** The card handle, connecting first when there is none. */
  private async connected(): Promise<PcscCard> {
    if (this.card) return this.card;
    const reader = this.watch.reader(this.readerName);
    if (!reader) {
      throw this.watch.error ?? new LpaError('READER_NOT_FOUND', `the card reader "${this.readerName}" is not there (unplugged?)`, { reader: this.readerName });
    }
    try {
      // T=0 or T=1, whichever the card's ATR offers (lpac insists on T=0; eUICCs offer it)
      this.card = await reader.connect(this.mode(), this.watch.pcsc.Protocol.ANY);
    } catch (e) {
      throw pcscError(e, this.readerName, 'connect to the card');
    }
    return this.card;
  }

  private async openChannel(): Promise<void> {
    const card = await this.connected();
    const aid = this.opts.isdrAid;
    this.ch = await openLogicalChannel((a) => this.raw(card, a), {
      via: 'over PC/SC',
      ...(aid !== undefined && !bytesEqual(aid, ISDR_AID) ? { aid } : {}),
      mapError: (e) => pcscError(e, this.readerName, 'open a logical channel to the ISD-R'),
    });
    this.lost = false;
  }

  /** Forgets the handle (the card left, or pcscd dropped it). */
  private async drop(): Promise<void> {
    const card = this.card;
    this.card = undefined;
    this.ch = undefined;
    this.lost = true;
    await card?.disconnect(this.watch.pcsc.CardDisposition.LEAVE).catch(() => undefined);
  }

  /** Reconnects (if the card left or was reset) and reopens the channel. */
  private async recover(): Promise<void> {
    const total = this.opts.cardReadyTimeoutMs ?? 60_000;
    const deadline = Date.now() + total;
    const card = this.card;
    const old = this.ch;
    this.ch = undefined;
    if (card) {
      try {
        await card.state();
        // the handle survived: the old channel may survive too (no reset seen); close it
        if (old !== undefined) await this.raw(card, manageChannelClose(old)).catch(() => undefined);
      } catch (e) {
        if (pcscCode(e) === 'ResetCard') {
          await card.reconnect(this.mode(), this.watch.pcsc.CardDisposition.LEAVE).catch(() => this.drop());
        } else {
          await this.drop();
        }
      }
    }
    if (!this.card) await this.connectWait(deadline, total);
    await this.openChannel();
  }

  /** Connects once the reader holds a card again; SIM_NOT_READY after the deadline. */
  private async connectWait(deadline: number, total: number): Promise<void> {
    const poll = this.opts.pollIntervalMs ?? 200;
    let last: unknown;
    for (;;) {
      try {
        await this.connected();
        return;
      } catch (e) {
        last = e;
        const gone = isLpaError(e) && (e.code === 'CARD_ABSENT' || e.code === 'READER_NOT_FOUND');
        if (!gone && !(isLpaError(e) && e.code === 'PORT_BUSY')) throw e;
      }
      if (Date.now() >= deadline) {
        const why = last instanceof Error ? `: ${last.message}` : '';
        throw new LpaError('SIM_NOT_READY', `no card came back in reader "${this.readerName}" within ${total} ms${why}`, { reader: this.readerName, timeoutMs: total }, { cause: last });
      }
      await sleep(Math.min(poll, Math.max(1, deadline - Date.now())));
    }
  }
}

