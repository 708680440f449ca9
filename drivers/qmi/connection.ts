/**
 * One QMUX conversation with a modem (the device file or qmi-proxy): transaction ids, answers
 * matched by service/client/transaction, indications, client-id bookkeeping.
 *
 * Every allocated client id is released by `close()`, and, should the process die before that
 * (a second Ctrl-C, an uncaught error), by a synchronous write from the process 'exit' hook:
 * leaked client ids stay allocated on the modem until it restarts. CTL Sync is never sent (it
 * releases every client's ids, ModemManager's included).
 */
import type { AtTraceSink } from '../at/trace.js';
import { LpaError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';
import type { ByteLink } from '../wwan/link.js';
import { noAnswerError } from '../wwan/framing.js';
import { RequestTable } from '../wwan/requests.js';
import { CTL_FLAG, QmiService, QmuxReader, SERVICE_FLAG, encodeQmi, kindOf, resultOf, type QmiMessage, type QmiTlv } from './codec.js';
import { qmiFailure } from './errors.js';
import { CTL, allocateCidTlvs, parseCidInfo, proxyOpenTlvs, releaseCidTlvs } from './messages.js';

export interface QmiConnectionOptions {
  /** For messages, e.g. "/dev/cdc-wdm0" or "qmi-proxy". */
  label: string;
  /** Default deadline of one request (default 10 s). */
  timeoutMs?: number;
  trace?: AtTraceSink;
}

export interface QmiRequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface QmiStats {
  messages: number;
  bytesOut: number;
  bytesIn: number;
}

const SERVICE_NAMES: Record<number, string> = { 0: 'CTL', 1: 'WDS', 2: 'DMS', 3: 'NAS', 0x0b: 'UIM' };

function key(service: number, cid: number, tid: number): string {
  return `${service}/${cid}/${tid}`;
}

export class QmiConnection {
  readonly stats: QmiStats = { messages: 0, bytesOut: 0, bytesIn: 0 };
  private readonly link: ByteLink;
  private readonly opts: QmiConnectionOptions;
  private readonly reader = new QmuxReader();
  private readonly pending = new RequestTable<string, QmiMessage>();
  private readonly clients = new Map<string, { service: number; cid: number }>();
  private readonly indicationListeners = new Set<(m: QmiMessage) => void>();
  private ctlTid = 0;
  private serviceTid = 0;
  /** Last thing that went wrong on the wire, for the error of a request that then times out. */
  private lastProblem: string | undefined;
  private closing: Promise<void> | undefined;
  private readonly exitHook = (): void => this.releaseNow();

  constructor(link: ByteLink, opts: QmiConnectionOptions) {
    this.link = link;
    this.opts = opts;
    link.onData((b) => this.receive(b));
    link.onClose((reason) => {
      this.pending.failAll((what) => new LpaError('PORT_CLOSED', `${what}: ${reason}`, { path: opts.label }));
    });
    process.on('exit', this.exitHook);
  }

  get label(): string {
    return this.opts.label;
  }

  get closed(): boolean {
    return this.link.closed;
  }

  /** Client ids this connection holds, as "service/cid". */
  heldClients(): { service: number; cid: number }[] {
    return [...this.clients.values()];
  }

  onIndication(listener: (m: QmiMessage) => void): () => void {
    this.indicationListeners.add(listener);
    return () => this.indicationListeners.delete(listener);
  }

  /**
   * Sends a request and resolves with its answer; a result TLV with status "failure" becomes a
   * QMI_ERROR. Fails with TRANSPORT_TIMEOUT at the deadline, TRANSPORT_BAD_FRAME when the answer
   * (or the stream) is broken, PORT_CLOSED when the link ends.
   */
  async request(service: number, cid: number, messageId: number, tlvs: QmiTlv[], what: string, opts: QmiRequestOptions = {}): Promise<QmiMessage> {
    if (this.closing) throw new LpaError('PORT_CLOSED', `${what}: ${this.opts.label} is closing`, { path: this.opts.label });
    return this.send(service, cid, messageId, tlvs, what, opts);
  }

  private async send(service: number, cid: number, messageId: number, tlvs: QmiTlv[], what: string, opts: QmiRequestOptions): Promise<QmiMessage> {
    if (this.link.closed) throw new LpaError('PORT_CLOSED', `${what}: ${this.opts.label} is closed`, { path: this.opts.label });
    const ctl = service === QmiService.CTL;
    const tid = ctl ? (this.ctlTid = (this.ctlTid % 0xff) + 1) : (this.serviceTid = (this.serviceTid % 0xffff) + 1);
    const msg: QmiMessage = { service, clientId: cid, flags: ctl ? CTL_FLAG.request : SERVICE_FLAG.request, transaction: tid, messageId, tlvs };
    const frame = encodeQmi(msg);
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs ?? 10_000;
    const k = key(service, cid, tid);
    const answer = this.pending.wait(k, what, timeoutMs, () => this.timeoutError(what, timeoutMs), opts.signal);
    this.stats.messages++;
    this.stats.bytesOut += frame.length;
    this.opts.trace?.write('>>', `qmi ${this.name(service, cid)} ${what} ${toHex(frame)}`);
    try {
      this.link.write(frame);
    } catch (e) {
      this.pending.reject(k, e as Error);
    }
    const m = await answer;
    if (m.messageId !== messageId) {
      throw new LpaError('TRANSPORT_BAD_FRAME', `${what}: the answer to transaction ${tid} is message 0x${m.messageId.toString(16)}, not 0x${messageId.toString(16)}`, { path: this.opts.label });
    }
    const result = resultOf(m);
    if (!result) throw new LpaError('TRANSPORT_BAD_FRAME', `${what}: the answer has no result TLV`, { path: this.opts.label });
    if (result.status !== 0) throw qmiFailure(what, result.error);
    return m;
  }

  /** qmi-proxy's first message: which device to open for us (the proxy resolves symlinks). */
  async proxyOpen(path: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.request(QmiService.CTL, 0, CTL.internalProxyOpen, proxyOpenTlvs(path), `qmi-proxy open ${path}`, { timeoutMs, ...(signal ? { signal } : {}) });
  }

  async allocateClient(service: number, opts: QmiRequestOptions = {}): Promise<number> {
    const name = SERVICE_NAMES[service] ?? `service ${service}`;
    const m = await this.request(QmiService.CTL, 0, CTL.allocateCid, allocateCidTlvs(service), `allocate a ${name} client id`, opts);
    const info = parseCidInfo(m.tlvs.find((t) => t.type === 0x01)?.value);
    if (info.service !== service || info.cid === 0 || info.cid === 0xff) {
      throw new LpaError('TRANSPORT_BAD_FRAME', `allocate a ${name} client id: the modem answered service ${info.service} client ${info.cid}`);
    }
    this.clients.set(`${service}/${info.cid}`, { service, cid: info.cid });
    return info.cid;
  }

  /** Releases a client id (forgotten locally whatever the modem says). */
  async releaseClient(service: number, cid: number, opts: QmiRequestOptions = {}): Promise<void> {
    if (!this.clients.delete(`${service}/${cid}`)) return;
    await this.request(QmiService.CTL, 0, CTL.releaseCid, releaseCidTlvs(service, cid), `release ${this.name(service, cid)}`, opts);
  }

  /** Releases every client id still held (errors ignored, 2 s each), then closes the link. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const c of [...this.clients.values()]) {
        if (this.link.closed) break;
        this.clients.delete(`${c.service}/${c.cid}`);
        await this.send(QmiService.CTL, 0, CTL.releaseCid, releaseCidTlvs(c.service, c.cid), `release ${this.name(c.service, c.cid)}`, { timeoutMs: 2000 }).catch(() => undefined);
      }
      this.clients.clear();
      process.off('exit', this.exitHook);
      this.pending.failAll((what) => new LpaError('PORT_CLOSED', `${what}: ${this.opts.label} closed`));
      await this.link.close();
    })().catch(() => undefined);
    return this.closing;
  }

  /** From the 'exit' hook: Release CID frames written synchronously, no answers awaited. */
  private releaseNow(): void {
    for (const c of this.clients.values()) {
      const tid = (this.ctlTid = (this.ctlTid % 0xff) + 1);
      this.link.writeNow(encodeQmi({ service: QmiService.CTL, clientId: 0, flags: CTL_FLAG.request, transaction: tid, messageId: CTL.releaseCid, tlvs: releaseCidTlvs(c.service, c.cid) }));
    }
    this.clients.clear();
  }

  private name(service: number, cid: number): string {
    return service === QmiService.CTL ? 'CTL' : `${SERVICE_NAMES[service] ?? `service ${service}`} client ${cid}`;
  }

  private timeoutError(what: string, ms: number): LpaError {
    return noAnswerError(what, ms, this.opts.label, this.reader, 'frame', this.lastProblem);
  }

  private receive(bytes: Uint8Array): void {
    this.stats.bytesIn += bytes.length;
    const { messages, errors } = this.reader.push(bytes);
    for (const e of errors) {
      this.opts.trace?.write('<<', `qmi ${e.message}`);
      this.lastProblem = `${e.message.replace(/^bad QMI frame: /, 'the device sent ')} (is ${this.opts.label} a QMI port?)`;
      // garbage means the framing cannot be trusted: fail what waits instead of letting it time out
      this.pending.failAll((what) => new LpaError('TRANSPORT_BAD_FRAME', `${what}: ${this.lastProblem}`, { path: this.opts.label }));
    }
    for (const m of messages) this.dispatch(m);
  }

  private dispatch(m: QmiMessage): void {
    const kind = kindOf(m);
    const frameHex = (): string => toHex(encodeQmi(m)).slice(0, 1200);
    if (kind === 'indication') {
      this.opts.trace?.write('!!', `qmi ${this.name(m.service, m.clientId)} indication 0x${m.messageId.toString(16)} ${frameHex()}`);
      for (const l of [...this.indicationListeners]) l(m);
      return;
    }
    if (kind === 'request') {
      this.lastProblem = `the device echoed a request frame (is ${this.opts.label} an AT or MBIM port?)`;
      return;
    }
    this.opts.trace?.write('<<', `qmi ${this.name(m.service, m.clientId)} ${frameHex()}`);
    const k = key(m.service, m.clientId, m.transaction);
    if (this.pending.resolve(k, m)) {
      this.lastProblem = undefined;
      return;
    }
    if (this.pending.wasExpired(k)) return;
    // an answer nobody waits for: a late answer of an earlier run, or the modem and we disagree
    // about transactions. Kept for the error of whatever then times out.
    this.lastProblem = `the device answered transaction ${m.transaction} of ${this.name(m.service, m.clientId)} (message 0x${m.messageId.toString(16).padStart(4, '0')}), which is not waiting`;
  }
}
