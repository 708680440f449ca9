/**
 * The ISD-R channel over a modem's control protocol (QMI UIM, MBIM UICC low-level access): the
 * logic both share, with the protocol's own requests supplied by the subclass. The modem owns the
 * logical channel (open, SELECT, close); APDUs carry the class byte patched for it, 61xx / 6Cxx
 * are resolved here, and the SIM reset after EnableProfile is ridden out: news that the card went
 * away, or an answer saying it is not ready, marks the channel lost; the next transmit waits and
 * reopens.
 */
import type { ApduChannel, ChannelStats, ModemControl, TransmitOptions } from '../../src/apdu/channel.js';
import { transmitWithChaining } from '../../src/apdu/getResponse.js';
import { LpaError, isLpaError } from '../../src/errors.js';
import { INS_STORE_DATA, ISDR_AID, MAX_SHORT_APDU, TERMINAL_CAPABILITY, claForChannel, swOf } from '../../src/apdu/cla.js';
import { interruptedByReset, reopenAfterReset } from '../reset.js';
import type { SimWatch } from './simWatch.js';

export interface WwanChannelOptions {
  /** ISD-R AID (default A0000005591010FFFFFFFF8900000100). */
  aid?: Uint8Array;
  /** Deadline of one APDU unless transmit() says otherwise (default 30 s). */
  apduTimeoutMs?: number;
  /** Deadline for the SIM to come back when reopening after a reset (default 60 s). */
  simReadyTimeoutMs?: number;
  /** Card state polling interval while waiting for the SIM (default 500 ms). */
  pollIntervalMs?: number;
  /** Reads the active profile's ICCID outside the eUICC, when the transport can. */
  readIccid?: () => Promise<string | undefined>;
}

/** How long to wait for a module to show the SIM reset that follows a profile switch. */
const RESET_GRACE_MS = 3000;

/** What an APDU failure means for the channel. */
export type FailureKind =
  /** the card never saw the command (SIM restarting, channel gone): wait, reopen, send again */
  | 'resend'
  /** something else */
  | undefined;

export interface TransportCounters {
  messages: number;
  bytesOut: number;
  bytesIn: number;
}

export abstract class WwanEuiccChannel implements ApduChannel, ModemControl {
  readonly sim: SimWatch;
  protected readonly opts: WwanChannelOptions;
  protected readonly aid: Uint8Array;
  private ch: number | undefined;
  private lost = false;
  private terminalCapabilitySent = false;
  private readonly counters = { apdus: 0, storeDataBlocks: 0 };
  private lastApduAt = 0;

  constructor(sim: SimWatch, opts: WwanChannelOptions) {
    this.sim = sim;
    this.opts = opts;
    this.aid = opts.aid ?? ISDR_AID;
    sim.onLost(() => {
      if (this.ch !== undefined) this.lost = true;
    });
  }

  /** Opens the logical channel to `this.aid`; returns its number (typed errors on failure). */
  protected abstract openChannel(): Promise<number>;
  protected abstract closeChannel(ch: number): Promise<void>;
  /** One command APDU on channel `ch` (class byte already patched); returns data + SW1 SW2. */
  protected abstract sendApdu(ch: number, apdu: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  protected abstract classify(e: unknown): FailureKind;
  /** Restarts the card the protocol's way (it then comes back through the SimWatch). */
  protected abstract cycleSim(timeoutMs: number): Promise<void>;
  protected abstract counts(): TransportCounters;
  protected abstract transportClosed(): boolean;

  /** The logical channel number, while open. */
  get channelId(): string | undefined {
    return this.ch === undefined ? undefined : String(this.ch);
  }

  get isLost(): boolean {
    return this.lost;
  }

  async open(): Promise<void> {
    if (this.ch !== undefined && !this.lost) return;
    this.ch = undefined;
    const ch = await this.openChannel();
    if (!Number.isInteger(ch) || ch < 1 || ch > 19) {
      await this.closeChannel(ch).catch(() => undefined);
      throw new LpaError('CHANNEL_OPEN_FAILED', `the modem opened no usable logical channel to the ISD-R (channel ${ch})`);
    }
    this.ch = ch;
    this.lost = false;
    this.terminalCapabilitySent = false;
  }

  async transmit(apdu: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    if (apdu.length < 4 || apdu.length > MAX_SHORT_APDU) {
      throw new LpaError('APDU_INVALID', `command APDU of ${apdu.length} bytes (must be 4..${MAX_SHORT_APDU})`);
    }
    if (this.lost) await this.recover();
    else if (this.ch === undefined) await this.open();
    this.lastApduAt = Date.now();
    try {
      const resp = await this.exchange(apdu, options.timeoutMs);
      if (!this.terminalCapabilitySent && apdu[1] === INS_STORE_DATA && apdu[3] === 0 && swOf(resp) === '6985') {
        // the card wants TERMINAL CAPABILITY before the first STORE DATA (6985: block not processed)
        this.terminalCapabilitySent = true;
        await this.exchange(TERMINAL_CAPABILITY, undefined).catch((e: unknown) => {
          if (isLpaError(e, 'PORT_CLOSED')) throw e;
        });
        return await this.exchange(apdu, options.timeoutMs);
      }
      return resp;
    } catch (e) {
      if (!isLpaError(e) || e.code === 'PORT_CLOSED' || e.code === 'TRANSPORT_BAD_FRAME' || e.code === 'TRANSPORT_TIMEOUT') throw e;
      const kind = this.classify(e);
      if (kind === undefined && !this.lost) throw e;
      this.lost = true;
      if (kind === 'resend') {
        await this.recover();
        return this.exchange(apdu, options.timeoutMs);
      }
      throw interruptedByReset(apdu, e);
    }
  }

  async close(): Promise<void> {
    const ch = this.ch;
    const lost = this.lost;
    this.ch = undefined;
    this.lost = false;
    if (ch === undefined || lost || this.transportClosed()) return;
    await this.closeChannel(ch).catch(() => undefined);
  }

  /** Declares the channel gone (the REFRESH after EnableProfile closes it): the next transmit reopens. */
  invalidate(): void {
    if (this.ch !== undefined) this.lost = true;
  }

  dispose(): void {
    this.sim.dispose();
  }

  waitSimReady(timeoutMs: number): Promise<void> {
    return this.sim.waitReady(timeoutMs);
  }

  async settleAfterSwitch(timeoutMs: number): Promise<void> {
    this.invalidate();
    await this.sim.waitReset(this.lastApduAt, RESET_GRACE_MS, timeoutMs);
  }

  async restartSim(timeoutMs: number): Promise<void> {
    const since = Date.now();
    this.invalidate();
    await this.cycleSim(timeoutMs);
    await this.sim.waitReset(since, RESET_GRACE_MS, Math.max(1, timeoutMs - (Date.now() - since)));
  }

  async readIccid(): Promise<string | undefined> {
    return this.opts.readIccid ? this.opts.readIccid().catch(() => undefined) : undefined;
  }

  stats(): ChannelStats {
    const s = this.counts();
    return { atCommands: 0, requests: s.messages, apdus: this.counters.apdus, storeDataBlocks: this.counters.storeDataBlocks, bytesToModule: s.bytesOut, bytesFromModule: s.bytesIn };
  }

  private async recover(): Promise<void> {
    this.ch = undefined;
    await reopenAfterReset({
      totalMs: this.opts.simReadyTimeoutMs ?? 60_000,
      pollIntervalMs: this.opts.pollIntervalMs ?? 500,
      waitReady: (ms) => this.sim.waitReady(ms),
      open: () => this.open(),
    });
  }

  private exchange(apdu: Uint8Array, timeoutMs: number | undefined): Promise<Uint8Array> {
    const ch = this.ch!;
    const patched = new Uint8Array(apdu);
    patched[0] = claForChannel(apdu[0]!, ch);
    const timeout = timeoutMs ?? this.opts.apduTimeoutMs ?? 30_000;
    return transmitWithChaining(
      (a) => {
        this.counters.apdus++;
        if (a[1] === INS_STORE_DATA) this.counters.storeDataBlocks++;
        return this.sendApdu(ch, a, timeout);
      },
      patched,
      patched[0]!,
    );
  }
}
