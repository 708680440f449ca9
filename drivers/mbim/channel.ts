/**
 * The ISD-R channel over MBIM's Microsoft UICC low-level access service: OPEN_CHANNEL (the modem
 * selects the ISD-R), APDU on that channel, CLOSE_CHANNEL, RESET to restart the card; the card's
 * state from Basic Connect subscriber-ready notifications and queries. The UICC "Status" word is
 * SW1 in bits 0-7 and SW2 in bits 8-15; APDU answers carry the data without it.
 */
import { LpaError, isLpaError } from '../../src/errors.js';
import { WwanEuiccChannel, type FailureKind, type TransportCounters, type WwanChannelOptions } from '../wwan/channel.js';
import { SimWatch } from '../wwan/simWatch.js';
import { CommandType, encodeMbim, MbimType } from './codec.js';
import type { MbimConnection } from './connection.js';
import {
  BasicConnect,
  MbimStatus,
  Service,
  Uicc,
  apduInfo,
  closeChannelInfo,
  isCardReady,
  isSimNotReadyStatus,
  mbimStatusOf,
  openChannelInfo,
  parseApdu,
  parseOpenChannel,
  parseSubscriberReady,
  resetInfo,
  statusName,
  uiccSw,
} from './messages.js';

export interface MbimChannelOptions extends WwanChannelOptions {
  /** SELECT P2 values to try in turn when the modem's SELECT fails (default 0x00, 0x04 (FCP), 0x0C). */
  selectP2?: number[];
  /** Subscriber-ready answers use the MBIMEx v3 layout (negotiated through the proxy). */
  mbimexV3?: () => boolean;
}

/** Channel group of the ISD-R channel (what lpac, ModemManager and euicc-go use). */
const CHANNEL_GROUP = 1;

export class MbimEuiccChannel extends WwanEuiccChannel {
  private readonly conn: MbimConnection;
  private readonly p2s: number[];
  private p2Index = 0;
  private readonly stopIndications: () => void;
  private readonly stopExit: () => void;
  private readonly v3: () => boolean;

  constructor(conn: MbimConnection, opts: MbimChannelOptions = {}) {
    const v3 = opts.mbimexV3 ?? (() => false);
    const sim = new SimWatch(async (timeoutMs) => {
      const info = await conn.command(Service.basicConnect, BasicConnect.subscriberReadyStatus, CommandType.query, new Uint8Array(0), 'Subscriber Ready Status', { timeoutMs });
      return readiness(parseSubscriberReady(info, v3()).readyState);
    }, opts.pollIntervalMs ?? 500);
    // the modem sends subscriber-ready notifications unless told otherwise (mbim-proxy forwards them by default)
    sim.indications = true;
    super(sim, opts);
    this.v3 = v3;
    this.conn = conn;
    this.p2s = opts.selectP2 ?? [0x00, 0x04, 0x0c];
    this.stopIndications = conn.onIndication((i) => {
      if (i.service !== Service.basicConnect || i.cid !== BasicConnect.subscriberReadyStatus) return;
      try {
        sim.seen(readiness(parseSubscriberReady(i.info, v3()).readyState));
      } catch {
        // a broken notification changes nothing; the polls still run
      }
    });
    // a process that dies with the channel open closes it on its way out
    this.stopExit = conn.atExit(() => {
      const ch = this.channelId;
      if (ch === undefined || this.isLost) return [];
      return encodeMbim({ type: MbimType.command, tid: conn.nextTid(), service: Service.msUiccLowLevelAccess, cid: Uicc.closeChannel, commandType: CommandType.set, info: closeChannelInfo(Number(ch), CHANNEL_GROUP) }, conn.maxControlTransfer);
    });
  }

  override dispose(): void {
    this.stopIndications();
    this.stopExit();
    super.dispose();
  }

  /** ICCID of the active profile from Subscriber Ready Status. */
  override async readIccid(): Promise<string | undefined> {
    if (this.opts.readIccid) return super.readIccid();
    return this.iccid(this.v3()).catch(() => undefined);
  }

  private async iccid(v3: boolean): Promise<string | undefined> {
    const info = await this.conn.command(Service.basicConnect, BasicConnect.subscriberReadyStatus, CommandType.query, new Uint8Array(0), 'Subscriber Ready Status', { timeoutMs: 5000 });
    const digits = parseSubscriberReady(info, v3).iccid?.replace(/[fF]+$/, '');
    return digits && /^\d{18,20}$/.test(digits) ? digits : undefined;
  }

  protected async openChannel(): Promise<number> {
    for (;;) {
      const p2 = this.p2s[this.p2Index] ?? 0;
      let answer: ReturnType<typeof parseOpenChannel>;
      try {
        answer = parseOpenChannel(
          await this.conn.command(Service.msUiccLowLevelAccess, Uicc.openChannel, CommandType.set, openChannelInfo(this.aid, p2, CHANNEL_GROUP), 'UICC Open Channel to the ISD-R'),
        );
      } catch (e) {
        const status = mbimStatusOf(e);
        // some modems' SELECT wants another P2 (FCP, no data): try the next one, remember what worked
        if (status === MbimStatus.msSelectFailed && this.p2Index + 1 < this.p2s.length) {
          this.p2Index++;
          continue;
        }
        throw this.openError(e, status);
      }
      const [sw1, sw2] = uiccSw(answer.status);
      if (sw1 !== 0x90 && sw1 !== 0x61) {
        await this.closeChannel(answer.channel).catch(() => undefined);
        const sw = ((sw1 << 8) | sw2).toString(16).toUpperCase().padStart(4, '0');
        throw new LpaError('CHANNEL_OPEN_FAILED', `SELECT of the ISD-R on channel ${answer.channel} failed with SW ${sw}`, { sw });
      }
      return answer.channel;
    }
  }

  private openError(e: unknown, status: number | undefined): LpaError {
    if (status !== undefined && isSimNotReadyStatus(status)) {
      return new LpaError('SIM_NOT_READY', `SIM not ready for opening a channel (MBIM ${statusName(status)})`, { mbimStatus: status }, { cause: e });
    }
    if (status === MbimStatus.noDeviceSupport) {
      return new LpaError('CHANNEL_OPEN_FAILED', 'the modem does not offer MBIM UICC low-level access (MS UICC LLA service): no way to reach the eUICC over MBIM', { mbimStatus: status }, { cause: e });
    }
    if (status !== undefined) {
      return new LpaError('CHANNEL_OPEN_FAILED', `cannot open a channel to the ISD-R: MBIM ${statusName(status)} (0x${status.toString(16)})`, { mbimStatus: status }, { cause: e });
    }
    return isLpaError(e) ? e : new LpaError('CHANNEL_OPEN_FAILED', `cannot open a channel to the ISD-R: ${String(e)}`, {}, { cause: e });
  }

  protected async closeChannel(ch: number): Promise<void> {
    await this.conn.command(Service.msUiccLowLevelAccess, Uicc.closeChannel, CommandType.set, closeChannelInfo(ch, CHANNEL_GROUP), `UICC Close Channel ${ch}`, { timeoutMs: 3000 });
  }

  protected async sendApdu(ch: number, apdu: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    // class byte type: "extended" (ETSI 102 221) for the proprietary 0x8X class ES10 uses
    const classByteType = apdu[0]! & 0x80 ? 1 : 0;
    const info = await this.conn.command(Service.msUiccLowLevelAccess, Uicc.apdu, CommandType.set, apduInfo(ch, 0, classByteType, apdu), 'UICC APDU', { timeoutMs });
    const { status, response } = parseApdu(info);
    const out = new Uint8Array(response.length + 2);
    out.set(response);
    out.set(uiccSw(status), response.length);
    return out;
  }

  /** Busy / not initialized / no SIM, or the channel is gone: the command never reached the card. */
  protected classify(e: unknown): FailureKind {
    const status = mbimStatusOf(e);
    if (status === undefined) return undefined;
    return isSimNotReadyStatus(status) || status === MbimStatus.msInvalidLogicalChannel ? 'resend' : undefined;
  }

  /** UICC RESET with pass-through off: the modem resets the card and takes it up normally. */
  protected async cycleSim(timeoutMs: number): Promise<void> {
    await this.conn.command(Service.msUiccLowLevelAccess, Uicc.reset, CommandType.set, resetInfo(0), 'UICC Reset', { timeoutMs: Math.min(timeoutMs, 30_000) });
  }

  protected counts(): TransportCounters {
    return this.conn.stats;
  }

  protected transportClosed(): boolean {
    return this.conn.closed;
  }
}

function readiness(readyState: number): { ready: boolean; why: string } {
  return { ready: isCardReady(readyState), why: `ReadyState ${readyState}` };
}
