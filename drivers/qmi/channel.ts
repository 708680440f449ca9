/**
 * The ISD-R channel over QMI UIM: Open Logical Channel (0x42; the older Logical Channel 0x3F on
 * firmware without it), Send APDU (0x3B) on that channel, Logical Channel (0x3F) to close, UIM
 * Power Off / On to restart the SIM. The shared logic (61xx/6Cxx, riding out the SIM reset) is in
 * drivers/wwan/channel.ts.
 */
import { LpaError, isLpaError } from '../../src/errors.js';
import { WwanEuiccChannel, type FailureKind, type TransportCounters, type WwanChannelOptions } from '../wwan/channel.js';
import { QmiService, findTlv } from './codec.js';
import type { QmiConnection } from './connection.js';
import { QmiError, isSimNotReady, isUnsupported, qmiErrorCode, qmiErrorName } from './errors.js';
import { UIM, closeChannelTlvs, legacyOpenChannelTlvs, openLogicalChannelTlvs, parseApduResponse, parseChannelAnswer, sendApduTlvs, slotTlvs, type ChannelAnswer } from './messages.js';
import { QmiSimWatch } from './simWatch.js';

export interface QmiChannelOptions extends WwanChannelOptions {
  /** UIM slot, 1-based (default 1). */
  slot?: number;
}

export class QmiEuiccChannel extends WwanEuiccChannel {
  override readonly sim: QmiSimWatch;
  private readonly conn: QmiConnection;
  private readonly cid: number;
  private readonly slot: number;
  private useLegacyOpen = false;

  constructor(conn: QmiConnection, uimCid: number, opts: QmiChannelOptions = {}) {
    const slot = opts.slot ?? 1;
    const sim = new QmiSimWatch(conn, uimCid, slot, opts.pollIntervalMs ?? 500);
    super(sim, opts);
    this.sim = sim;
    this.conn = conn;
    this.cid = uimCid;
    this.slot = slot;
  }

  protected async openChannel(): Promise<number> {
    const answer = await this.openRequest();
    const ch = answer.channel ?? -1;
    if (answer.sw !== undefined && answer.sw >> 8 !== 0x90 && answer.sw >> 8 !== 0x61) {
      if (ch > 0) await this.closeChannel(ch).catch(() => undefined);
      const sw = answer.sw.toString(16).toUpperCase().padStart(4, '0');
      throw new LpaError('CHANNEL_OPEN_FAILED', `SELECT of the ISD-R on channel ${ch} failed with SW ${sw}`, { sw });
    }
    return ch;
  }

  private async openRequest(): Promise<ChannelAnswer> {
    try {
      if (!this.useLegacyOpen) {
        const m = await this.conn.request(QmiService.UIM, this.cid, UIM.openLogicalChannel, openLogicalChannelTlvs(this.slot, this.aid), 'UIM Open Logical Channel to the ISD-R');
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

  protected async closeChannel(ch: number): Promise<void> {
    await this.conn.request(QmiService.UIM, this.cid, UIM.logicalChannel, closeChannelTlvs(this.slot, ch), `UIM close logical channel ${ch}`, { timeoutMs: 3000 });
  }

  protected async sendApdu(ch: number, apdu: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const m = await this.conn.request(QmiService.UIM, this.cid, UIM.sendApdu, sendApduTlvs(this.slot, ch, apdu), 'UIM Send APDU', { timeoutMs });
    return parseApduResponse(findTlv(m, 0x10));
  }

  /** DeviceNotReady / UimUninitialized / NoSim: the UIM refused before the card saw the command. */
  protected classify(e: unknown): FailureKind {
    const code = qmiErrorCode(e);
    return code !== undefined && isSimNotReady(code) ? 'resend' : undefined;
  }

  /** UIM Power Off SIM, then Power On SIM. */
  protected async cycleSim(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.conn.request(QmiService.UIM, this.cid, UIM.powerOffSim, slotTlvs(this.slot), 'UIM Power Off SIM', { timeoutMs: Math.min(timeoutMs, 30_000) });
    await this.conn.request(QmiService.UIM, this.cid, UIM.powerOnSim, slotTlvs(this.slot), 'UIM Power On SIM', { timeoutMs: Math.max(1, Math.min(deadline - Date.now(), 30_000)) });
  }

  protected counts(): TransportCounters {
    return this.conn.stats;
  }

  protected transportClosed(): boolean {
    return this.conn.closed;
  }
}
