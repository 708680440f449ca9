/**
 * The ISD-R channel over QMI UIM: Open Logical Channel (0x42; the older Logical Channel 0x3F on
 * firmware without it), Send APDU (0x3B) on that channel, Logical Channel (0x3F) to close.
 * 61xx / 6Cxx are resolved here (the procedure-bytes TLV is left at the modem's default). Rides
 * out SIM resets like the AT channel: a card status showing the card gone, or an answer saying
 * the UIM is not ready, marks the channel lost; the next transmit waits and reopens.
 */
import type { ApduChannel, ChannelStats, ModemControl, TransmitOptions } from '../../src/apdu/channel.js';
import { transmitWithChaining } from '../../src/apdu/getResponse.js';
import { LpaError, isLpaError } from '../../src/errors.js';
import { interruptedByReset, reopenAfterReset } from '../reset.js';
import { INS_STORE_DATA, ISDR_AID, MAX_SHORT_APDU, TERMINAL_CAPABILITY, claForChannel, swOf } from '../at/cla.js';
import { QmiService, findTlv } from './codec.js';
import type { QmiConnection } from './connection.js';
import { QmiError, isSimNotReady, isUnsupported, qmiErrorCode, qmiErrorName } from './errors.js';
import { UIM, closeChannelTlvs, legacyOpenChannelTlvs, openLogicalChannelTlvs, parseApduResponse, parseChannelAnswer, sendApduTlvs, slotTlvs } from './messages.js';
import { QmiSimWatch } from './simWatch.js';

export interface QmiChannelOptions {
  /** UIM slot, 1-based (default 1). */
  slot?: number;
  /** ISD-R AID (default A0000005591010FFFFFFFF8900000100). */
  aid?: Uint8Array;
  /** Deadline of one APDU unless transmit() says otherwise (default 30 s). */
  apduTimeoutMs?: number;
  /** Deadline for the SIM to come back when reopening after a reset (default 60 s). */
  simReadyTimeoutMs?: number;
  /** Get Card Status polling interval while waiting for the SIM (default 500 ms). */
  pollIntervalMs?: number;
  /** Reads the active profile's ICCID outside the eUICC (DMS), when the transport can. */
  readIccid?: () => Promise<string | undefined>;
}

/** How long to wait for a module to show the SIM reset that follows a profile switch. */
const RESET_GRACE_MS = 3000;

export class QmiEuiccChannel implements ApduChannel, ModemControl {
  private readonly conn: QmiConnection;
  private readonly cid: number;
  private readonly opts: QmiChannelOptions;
  private readonly slot: number;
  private readonly aid: Uint8Array;
  readonly sim: QmiSimWatch;
  private ch: number | undefined;
  private lost = false;
  private useLegacyOpen = false;
  private terminalCapabilitySent = false;
  private counters = { apdus: 0, storeDataBlocks: 0 };
  private lastApduAt = 0;

  constructor(conn: QmiConnection, uimCid: number, opts: QmiChannelOptions = {}) {
    this.conn = conn;
    this.cid = uimCid;
    this.opts = opts;
    this.slot = opts.slot ?? 1;
    this.aid = opts.aid ?? ISDR_AID;
    this.sim = new QmiSimWatch(conn, uimCid, this.slot, opts.pollIntervalMs ?? 500);
    this.sim.onLost(() => {
      if (this.ch !== undefined) this.lost = true;
    });
  }

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
    const answer = await this.openChannel();
    const ch = answer.channel;
    if (ch === undefined || ch < 1 || ch > 19) {
      throw new LpaError('CHANNEL_OPEN_FAILED', `the modem opened no usable logical channel to the ISD-R (channel ${String(ch)})`);
    }
    if (answer.sw !== undefined && (answer.sw >> 8) !== 0x90 && (answer.sw >> 8) !== 0x61) {
      await this.closeChannel(ch).catch(() => undefined);
      const sw = answer.sw.toString(16).toUpperCase().padStart(4, '0');
      throw new LpaError('CHANNEL_OPEN_FAILED', `SELECT of the ISD-R on channel ${ch} failed with SW ${sw}`, { sw });
    }
    this.ch = ch;
    this.lost = false;
    this.terminalCapabilitySent = false;
  }

  private async openChannel(): Promise<ReturnType<typeof parseChannelAnswer>> {
    const what = 'UIM Open Logical Channel to the ISD-R';
    try {
      if (!this.useLegacyOpen) {
        const m = await this.conn.request(QmiService.UIM, this.cid, UIM.openLogicalChannel, openLogicalChannelTlvs(this.slot, this.aid), what);
        return parseChannelAnswer(m.tlvs);
      }
    } catch (e) {
      const code = qmiErrorCode(e);
      // older UIM firmware knows only Logical Channel (0x3F); some answer AccessDenied to 0x42
      if (code === undefined || !(isUnsupported(code) || code === QmiError.accessDenied)) throw this.openError(e);
      this.useLegacyOpen = true;
    }
    try {
      const m = await this.conn.request(QmiService.UIM, this.cid, UIM.logicalChannel, legacyOpenChannelTlvs(this.slot, this.aid), 'UIM Logical Channel (open) to the ISD-R');
      return parseChannelAnswer(m.tlvs);
    } catch (e) {
      throw this.openError(e);
    }
  }

  private openError(e: unknown): LpaError {
    const code = qmiErrorCode(e);
    if (code !== undefined && isSimNotReady(code)) {
      return new LpaError('SIM_NOT_READY', `SIM not ready for opening a channel (QMI ${qmiErrorName(code)})`, { qmiError: code }, { cause: e });
    }
    if (code !== undefined) {
      return new LpaError('CHANNEL_OPEN_FAILED', `cannot open a channel to the ISD-R: QMI ${qmiErrorName(code)} (${code})`, { qmiError: code }, { cause: e });
    }
    return isLpaError(e) ? e : new LpaError('CHANNEL_OPEN_FAILED', `cannot open a channel to the ISD-R: ${String(e)}`, {}, { cause: e });
  }

  private async closeChannel(ch: number): Promise<void> {
    await this.conn.request(QmiService.UIM, this.cid, UIM.logicalChannel, closeChannelTlvs(this.slot, ch), `UIM close logical channel ${ch}`, { timeoutMs: 3000 });
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
      const code = qmiErrorCode(e);
      const notReady = code !== undefined && isSimNotReady(code);
      if (!notReady && !this.lost) throw e;
      this.lost = true;
      // the UIM refused before the card saw it: safe to send again once the card is back
      if (notReady) {
        await this.recover();
        return this.exchange(apdu, options.timeoutMs);
      }
      throw interruptedByReset(apdu, e);
    }
  }

  async close(): Promise<void> {
    const ch = this.ch;
    this.ch = undefined;
    const lost = this.lost;
    this.lost = false;
    if (ch === undefined || lost || this.conn.closed) return;
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

  /** Powers the SIM off and on (UIM Power Off / Power On SIM), then waits for it. */
  async restartSim(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.invalidate();
    await this.conn.request(QmiService.UIM, this.cid, UIM.powerOffSim, slotTlvs(this.slot), 'UIM Power Off SIM', { timeoutMs: Math.min(timeoutMs, 30_000) });
    await this.conn.request(QmiService.UIM, this.cid, UIM.powerOnSim, slotTlvs(this.slot), 'UIM Power On SIM', { timeoutMs: Math.max(1, Math.min(deadline - Date.now(), 30_000)) });
    await this.sim.waitReady(Math.max(1, deadline - Date.now()));
  }

  async readIccid(): Promise<string | undefined> {
    return this.opts.readIccid ? this.opts.readIccid().catch(() => undefined) : undefined;
  }

  stats(): ChannelStats {
    const s = this.conn.stats;
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
    return transmitWithChaining((a) => this.raw(ch, a, timeoutMs), patched, patched[0]!);
  }

  private async raw(ch: number, apdu: Uint8Array, timeoutMs: number | undefined): Promise<Uint8Array> {
    this.counters.apdus++;
    if (apdu[1] === INS_STORE_DATA) this.counters.storeDataBlocks++;
    const m = await this.conn.request(QmiService.UIM, this.cid, UIM.sendApdu, sendApduTlvs(this.slot, ch, apdu), 'UIM Send APDU', {
      timeoutMs: timeoutMs ?? this.opts.apduTimeoutMs ?? 30_000,
    });
    return parseApduResponse(findTlv(m, 0x10));
  }
}
