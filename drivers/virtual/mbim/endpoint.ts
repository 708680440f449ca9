/**
 * The virtual module's MBIM control port (what /dev/cdc-wdmN is on a cdc_mbim module): OPEN and
 * CLOSE, commands (fragmented either way), subscriber-ready notifications when the SIM resets.
 * Enough for mbimcli, mbim-proxy and lpa-agent's driver. APDUs go to the `VirtualModem`'s card,
 * so AT, QMI and MBIM see the same eUICC, SIM state and quirks.
 */
import { DEFAULT_MAX_CONTROL_TRANSFER, MIN_MAX_CONTROL_TRANSFER, MbimAssembler, MbimReader, MbimType, encodeMbim, type MbimMessage } from '../../mbim/codec.js';
import { BasicConnect, Service } from '../../mbim/messages.js';
import { AnswerQueue, type Answered } from '../answerQueue.js';
import type { MessageTimingHook } from '../link.js';
import type { VirtualModem } from '../modem.js';
import { handleCommand, subscriberReady, type MbimState } from './services.js';

export interface MbimEndpointOptions {
  modem: VirtualModem;
  timing?: MessageTimingHook;
  /** The device's wMaxControlMessage: it fragments what it sends to min(this, the host's OPEN value). Default 4096. */
  maxControlTransfer?: number;
}

type Sink = (bytes: Uint8Array) => void;

/** MBIM error status of FUNCTION_ERROR: a command before OPEN. */
const NOT_OPENED = 5;

export class VirtualMbimEndpoint {
  readonly stats = { messages: 0, bytesIn: 0, bytesOut: 0 };
  private readonly modem: VirtualModem;
  private readonly ownMax: number;
  private readonly reader = new MbimReader();
  private readonly assembler = new MbimAssembler();
  private readonly sinks = new Set<Sink>();
  private readonly answers: AnswerQueue<MbimMessage>;
  private readonly st: MbimState = { channels: new Map(), subscriptions: undefined, mbimex: 0x0100 };
  private opened = false;
  private hostMax = DEFAULT_MAX_CONTROL_TRANSFER;
  private requestBytes = 0;
  private readonly onSimChange = (): void => this.simChanged();

  constructor(opts: MbimEndpointOptions) {
    this.modem = opts.modem;
    this.ownMax = Math.max(MIN_MAX_CONTROL_TRANSFER, opts.maxControlTransfer ?? DEFAULT_MAX_CONTROL_TRANSFER);
    this.answers = new AnswerQueue(this.modem, (m) => this.answer(m), (b) => this.send(b), opts.timing);
    this.modem.on('sim-not-ready', this.onSimChange);
    this.modem.on('sim-ready', this.onSimChange);
  }

  /** True between OPEN and CLOSE. */
  get isOpen(): boolean {
    return this.opened;
  }

  /** UICC channels open through this port. */
  openChannels(): number[] {
    return [...this.st.channels.keys()].sort((a, b) => a - b);
  }

  /** The MBIMEx version a host negotiated (BCD). */
  get mbimexVersion(): number {
    return this.st.mbimex;
  }

  attach(sink: Sink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Bytes from the host; broken messages are dropped, as a device would. */
  input(bytes: Uint8Array): void {
    this.stats.bytesIn += bytes.length;
    for (const f of this.reader.push(bytes).fragments) {
      const { message } = this.assembler.push(f);
      if (message && (message.type === MbimType.open || message.type === MbimType.close || message.type === MbimType.command)) this.answers.push(message);
    }
  }

  dispose(): void {
    this.modem.off('sim-not-ready', this.onSimChange);
    this.modem.off('sim-ready', this.onSimChange);
    this.answers.dispose();
    this.sinks.clear();
  }

  private get maxOut(): number {
    return Math.max(MIN_MAX_CONTROL_TRANSFER, Math.min(this.hostMax, this.ownMax));
  }

  private reply(m: MbimMessage, apdus: Answered['timing']['apdus'] = [], responses: Uint8Array[] = [], after?: () => void): Answered {
    const frames = encodeMbim(m, this.maxOut);
    return { frames, timing: { requestBytes: this.requestBytes, answerBytes: frames.reduce((n, f) => n + f.length, 0), apdus, responses }, ...(after ? { after } : {}) };
  }

  private answer(m: MbimMessage): Answered {
    this.stats.messages++;
    this.requestBytes = encodeMbim(m, this.hostMax).reduce((n, f) => n + f.length, 0);
    if (m.type === MbimType.open) {
      // a new session: host limits, subscriptions and negotiated version start over
      this.hostMax = m.maxControlTransfer;
      this.opened = true;
      this.st.subscriptions = undefined;
      this.st.mbimex = 0x0100;
      return this.reply({ type: MbimType.openDone, tid: m.tid, status: 0 });
    }
    if (m.type === MbimType.close) {
      this.opened = false;
      return this.reply({ type: MbimType.closeDone, tid: m.tid, status: 0 });
    }
    if (m.type !== MbimType.command) return { frames: [], timing: { requestBytes: 0, answerBytes: 0, apdus: [], responses: [] } };
    if (!this.opened) return this.reply({ type: MbimType.functionError, tid: m.tid, error: NOT_OPENED });
    const a = handleCommand(this.modem, this.st, m.service, m.cid, m.commandType, m.info);
    const after = a.cardCommand || a.after ? () => {
      if (a.cardCommand) this.modem.cardCommandAnswered();
      a.after?.();
    } : undefined;
    return this.reply({ type: MbimType.commandDone, tid: m.tid, service: m.service, cid: m.cid, status: a.status, info: a.info }, a.apdus, a.responses, after);
  }

  /** The card reset or came back: UICC channels are gone; a subscribed host gets subscriber ready. */
  private simChanged(): void {
    if (this.modem.simState !== 'ready') this.st.channels.clear();
    if (!this.opened) return;
    const subs = this.st.subscriptions;
    if (subs && !subs.get(Service.basicConnect)?.has(BasicConnect.subscriberReadyStatus)) return;
    const info = subscriberReady(this.modem, this.st);
    for (const f of encodeMbim({ type: MbimType.indicateStatus, tid: 0, service: Service.basicConnect, cid: BasicConnect.subscriberReadyStatus, info }, this.maxOut)) this.send(f);
  }

  private send(bytes: Uint8Array): void {
    this.stats.bytesOut += bytes.length;
    for (const s of this.sinks) s(bytes);
  }
}
