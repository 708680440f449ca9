/**
 * The virtual module's QMI port (what /dev/cdc-wdmN is on a qmi_wwan module): QMUX frames in and
 * out, the CTL service (version info, client ids, qmi-proxy's open), UIM and DMS (./uim.ts), card
 * status indications when the SIM resets. Enough for qmicli, qmi-proxy and lpa-agent's driver.
 *
 * It hosts no card of its own: APDUs go to the `VirtualModem`'s card, so AT, QMI and MBIM see the
 * same eUICC, SIM state and quirks (busy card during the reset window, lost answers, delays).
 * Answers leave one at a time, each after the link model's per-message delay.
 */
import { CTL_FLAG, QmiService, QmuxReader, SERVICE_FLAG, encodeQmi, findTlv, tlv, u16, type QmiMessage } from '../../qmi/codec.js';
import { QmiError } from '../../qmi/errors.js';
import { CTL, UIM, encodeCardStatus } from '../../qmi/messages.js';
import { AnswerQueue, type Answered } from '../answerQueue.js';
import type { MessageTimingHook } from '../link.js';
import type { VirtualModem } from '../modem.js';
import { cardInfo, fail, handleDms, handleUim, ok, type ServiceAnswer, type UimState } from './uim.js';

export interface QmiEndpointOptions {
  modem: VirtualModem;
  timing?: MessageTimingHook;
  /** Most client ids per service (default 10: modems ration them; NAS often has only 10). */
  maxClientsPerService?: number;
}

type Sink = (bytes: Uint8Array) => void;

const SERVICES = new Set<number>([QmiService.WDS, QmiService.DMS, QmiService.NAS, QmiService.UIM]);
/** Service versions reported by Get Version Info (UIM >= 1.36 has the logical-channel messages). */
const VERSIONS: [number, number, number][] = [
  [QmiService.CTL, 1, 5],
  [QmiService.WDS, 1, 67],
  [QmiService.DMS, 1, 14],
  [QmiService.NAS, 1, 25],
  [QmiService.UIM, 1, 46],
];

export class VirtualQmiEndpoint {
  readonly stats = { messages: 0, bytesIn: 0, bytesOut: 0 };
  private readonly modem: VirtualModem;
  private readonly timing: MessageTimingHook | undefined;
  private readonly maxClients: number;
  private readonly reader = new QmuxReader();
  private readonly sinks = new Set<Sink>();
  private readonly answers: AnswerQueue<QmiMessage>;
  private readonly clients = new Map<number, Set<number>>();
  private readonly uim: UimState = { channels: new Map(), events: new Map() };
  private readonly onSimChange = (): void => this.simChanged();

  constructor(opts: QmiEndpointOptions) {
    this.modem = opts.modem;
    this.timing = opts.timing;
    this.maxClients = opts.maxClientsPerService ?? 10;
    this.answers = new AnswerQueue(this.modem, (m) => this.answer(m), (b) => this.send(b), this.timing);
    this.modem.on('sim-not-ready', this.onSimChange);
    this.modem.on('sim-ready', this.onSimChange);
  }

  /** Client ids allocated for `service` (e.g. to check that a client released its own). */
  allocated(service: number): number[] {
    return [...(this.clients.get(service) ?? [])].sort((a, b) => a - b);
  }

  /** Logical channels open through this port. */
  openChannels(): number[] {
    return [...this.uim.channels.keys()].sort((a, b) => a - b);
  }

  attach(sink: Sink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Bytes from the host. Malformed frames are dropped, as a modem would. */
  input(bytes: Uint8Array): void {
    this.stats.bytesIn += bytes.length;
    const { messages } = this.reader.push(bytes);
    for (const m of messages) if (m.control === 0x00) this.answers.push(m);
  }

  dispose(): void {
    this.modem.off('sim-not-ready', this.onSimChange);
    this.modem.off('sim-ready', this.onSimChange);
    this.answers.dispose();
    this.sinks.clear();
  }

  private answer(m: QmiMessage): Answered {
    this.stats.messages++;
    const a = this.handle(m);
    const reply = encodeQmi(
      {
        service: m.service,
        clientId: m.clientId,
        flags: m.service === QmiService.CTL ? CTL_FLAG.response : SERVICE_FLAG.response,
        transaction: m.transaction,
        messageId: m.messageId,
        tlvs: [tlv(0x02, [...u16(a.error === 0 ? 0 : 1), ...u16(a.error)]), ...a.tlvs],
      },
      true,
    );
    return {
      frames: [reply],
      timing: { requestBytes: encodeQmi(m).length, answerBytes: reply.length, apdus: a.apdus ?? [], responses: a.responses ?? [] },
      ...(a.cardCommand ? { after: () => this.modem.cardCommandAnswered() } : {}),
    };
  }

  private handle(m: QmiMessage): ServiceAnswer {
    if (m.service === QmiService.CTL) return this.ctl(m);
    if (!this.clients.get(m.service)?.has(m.clientId)) return fail(QmiError.invalidClientId);
    if (m.service === QmiService.UIM) return handleUim(this.modem, this.uim, m);
    if (m.service === QmiService.DMS) return handleDms(this.modem, m);
    return fail(QmiError.invalidQmiCommand);
  }

  private ctl(m: QmiMessage): ServiceAnswer {
    switch (m.messageId) {
      case CTL.getVersionInfo: {
        const list: number[] = [VERSIONS.length];
        for (const [s, major, minor] of VERSIONS) list.push(s, ...u16(major), ...u16(minor));
        return ok([tlv(0x01, list)]);
      }
      case CTL.allocateCid: {
        const v = findTlv(m, 0x01);
        const service = v?.[0];
        if (service === undefined || !SERVICES.has(service)) return fail(31);
        const held = this.clients.get(service) ?? new Set<number>();
        if (held.size >= this.maxClients) return fail(QmiError.clientIdsExhausted);
        let cid = 1;
        while (held.has(cid)) cid++;
        held.add(cid);
        this.clients.set(service, held);
        return ok([tlv(0x01, [service, cid])]);
      }
      case CTL.releaseCid: {
        const v = findTlv(m, 0x01);
        if (!v || v.length < 2 || !this.clients.get(v[0]!)?.delete(v[1]!)) return fail(QmiError.invalidClientId);
        if (v[0] === QmiService.UIM) this.dropUimClient(v[1]!);
        return ok([tlv(0x01, [v[0]!, v[1]!])]);
      }
      case CTL.sync:
        for (const cid of this.clients.get(QmiService.UIM) ?? []) this.dropUimClient(cid);
        this.clients.clear();
        return ok();
      case CTL.internalProxyOpen:
        return ok();
      default:
        return fail(QmiError.invalidQmiCommand);
    }
  }

  /** A UIM client went away: its event registration and its channels go too. */
  private dropUimClient(cid: number): void {
    this.uim.events.delete(cid);
    for (const [ch, owner] of [...this.uim.channels]) {
      if (owner !== cid) continue;
      this.uim.channels.delete(ch);
      if (this.modem.simState === 'ready') this.modem.cardCommand(Uint8Array.of(0x00, 0x70, 0x80, ch, 0x00));
    }
  }

  /** The card reset or came back: channels are gone; registered clients get a card status indication. */
  private simChanged(): void {
    if (this.modem.simState !== 'ready') this.uim.channels.clear();
    const status = encodeCardStatus(cardInfo(this.modem));
    for (const [cid, mask] of this.uim.events) {
      if (!(mask & 0x1)) continue;
      this.send(encodeQmi({ service: QmiService.UIM, clientId: cid, flags: SERVICE_FLAG.indication, transaction: 0, messageId: UIM.cardStatusIndication, tlvs: [tlv(0x10, status)] }, true));
    }
  }

  private send(bytes: Uint8Array): void {
    this.stats.bytesOut += bytes.length;
    for (const s of this.sinks) s(bytes);
  }
}
