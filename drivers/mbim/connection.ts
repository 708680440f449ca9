/**
 * One MBIM control conversation (the device file or mbim-proxy): OPEN/CLOSE, commands matched by
 * transaction id, fragmentation both ways, indications. `close()` sends CLOSE; a process that dies
 * before writes what its users registered (e.g. CLOSE_CHANNEL) and CLOSE synchronously from the
 * process 'exit' hook, so no UICC channel stays open on the modem.
 */
import type { AtTraceSink } from '../at/trace.js';
import { LpaError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';
import type { ByteLink } from '../wwan/link.js';
import { noAnswerError } from '../wwan/framing.js';
import { RequestTable } from '../wwan/requests.js';
import { DEFAULT_MAX_CONTROL_TRANSFER, MbimAssembler, MbimReader, MbimType, encodeMbim, type MbimMessage } from './codec.js';
import { mbimFailure } from './messages.js';

export interface MbimConnectionOptions {
  label: string;
  /** Largest message or fragment either way (from the device's descriptor; default 4096). */
  maxControlTransfer?: number;
  timeoutMs?: number;
  trace?: AtTraceSink;
}

export interface MbimRequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Indication {
  service: string;
  cid: number;
  info: Uint8Array;
}

const ERROR_NAMES: Record<number, string> = {
  1: 'TimeoutFragment',
  2: 'FragmentOutOfSequence',
  3: 'LengthMismatch',
  4: 'DuplicatedTid',
  5: 'NotOpened',
  6: 'Unknown',
  7: 'Cancel',
  8: 'MaxTransfer',
};

export class MbimConnection {
  readonly stats = { messages: 0, bytesOut: 0, bytesIn: 0 };
  readonly maxControlTransfer: number;
  private readonly link: ByteLink;
  private readonly opts: MbimConnectionOptions;
  private readonly reader: MbimReader;
  private readonly assembler = new MbimAssembler();
  private readonly pending = new RequestTable<number, MbimMessage>();
  private readonly indicationListeners = new Set<(i: Indication) => void>();
  private readonly exitFrames = new Set<() => Uint8Array[]>();
  private tid = 0;
  private opened = false;
  private lastProblem: string | undefined;
  private closing: Promise<void> | undefined;
  private readonly exitHook = (): void => this.closeNow();

  constructor(link: ByteLink, opts: MbimConnectionOptions) {
    this.link = link;
    this.opts = opts;
    this.maxControlTransfer = opts.maxControlTransfer ?? DEFAULT_MAX_CONTROL_TRANSFER;
    this.reader = new MbimReader(Math.max(this.maxControlTransfer, 4096) * 16);
    link.onData((b) => this.receive(b));
    link.onClose((reason) => this.pending.failAll((what) => new LpaError('PORT_CLOSED', `${what}: ${reason}`, { path: opts.label })));
    process.on('exit', this.exitHook);
  }

  get label(): string {
    return this.opts.label;
  }

  get closed(): boolean {
    return this.link.closed;
  }

  onIndication(listener: (i: Indication) => void): () => void {
    this.indicationListeners.add(listener);
    return () => this.indicationListeners.delete(listener);
  }

  /** Frames to write synchronously should the process exit without close() (transaction ids supplied by the caller). */
  atExit(frames: () => Uint8Array[]): () => void {
    this.exitFrames.add(frames);
    return () => this.exitFrames.delete(frames);
  }

  nextTid(): number {
    this.tid = (this.tid % 0xfffffffe) + 1;
    return this.tid;
  }

  /** MBIM OPEN; OPEN_DONE with a status other than 0 is an MBIM_ERROR. */
  async open(opts: MbimRequestOptions = {}): Promise<void> {
    const m = await this.send({ type: MbimType.open, tid: this.nextTid(), maxControlTransfer: this.maxControlTransfer }, 'MBIM OPEN', opts);
    if (m.type !== MbimType.openDone) throw this.unexpected('MBIM OPEN', m);
    if (m.status !== 0) throw mbimFailure('MBIM OPEN', m.status);
    this.opened = true;
  }

  /** A command; resolves with the InfoBuffer of COMMAND_DONE, MBIM_ERROR when its status is not 0. */
  async command(service: string, cid: number, commandType: number, info: Uint8Array, what: string, opts: MbimRequestOptions = {}): Promise<Uint8Array> {
    if (this.closing) throw new LpaError('PORT_CLOSED', `${what}: ${this.opts.label} is closing`, { path: this.opts.label });
    const m = await this.send({ type: MbimType.command, tid: this.nextTid(), service, cid, commandType, info }, what, opts);
    if (m.type !== MbimType.commandDone) throw this.unexpected(what, m);
    if (m.service !== service || m.cid !== cid) {
      throw new LpaError('TRANSPORT_BAD_FRAME', `${what}: the answer is for service ${m.service} CID ${m.cid}`, { path: this.opts.label });
    }
    if (m.status !== 0) throw mbimFailure(what, m.status);
    return m.info;
  }

  /** MBIM CLOSE (errors ignored): ends the session, keeps the link. */
  async closeSession(timeoutMs = 2000): Promise<void> {
    if (!this.link.closed) await this.send({ type: MbimType.close, tid: this.nextTid() }, 'MBIM CLOSE', { timeoutMs }).catch(() => undefined);
    this.opened = false;
  }

  /** Sends CLOSE (2 s, errors ignored) unless the link is gone, then closes the link. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.opened) await this.closeSession();
      process.off('exit', this.exitHook);
      this.pending.failAll((what) => new LpaError('PORT_CLOSED', `${what}: ${this.opts.label} closed`));
      await this.link.close();
    })().catch(() => undefined);
    return this.closing;
  }

  private closeNow(): void {
    for (const f of this.exitFrames) for (const frame of f()) this.link.writeNow(frame);
    if (this.opened) for (const frame of encodeMbim({ type: MbimType.close, tid: this.nextTid() })) this.link.writeNow(frame);
    this.opened = false;
  }

  private unexpected(what: string, m: MbimMessage): LpaError {
    if (m.type === MbimType.functionError || m.type === MbimType.hostError) {
      return new LpaError('MBIM_ERROR', `${what} failed: the device reported MBIM error ${ERROR_NAMES[m.error] ?? m.error}${m.error === 5 ? ' (the MBIM session is not open)' : ''}`, { mbimError: m.error });
    }
    return new LpaError('TRANSPORT_BAD_FRAME', `${what}: answered with message type 0x${m.type.toString(16)}`, { path: this.opts.label });
  }

  private async send(m: MbimMessage, what: string, opts: MbimRequestOptions): Promise<MbimMessage> {
    if (this.link.closed) throw new LpaError('PORT_CLOSED', `${what}: ${this.opts.label} is closed`, { path: this.opts.label });
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs ?? 10_000;
    const answer = this.pending.wait(m.tid, what, timeoutMs, () => this.timeoutError(what, timeoutMs), opts.signal);
    const frames = encodeMbim(m, this.maxControlTransfer);
    this.stats.messages++;
    try {
      for (const f of frames) {
        this.stats.bytesOut += f.length;
        this.opts.trace?.write('>>', `mbim ${what} ${toHex(f)}`);
        this.link.write(f);
      }
    } catch (e) {
      this.pending.reject(m.tid, e as Error);
    }
    return answer;
  }

  private timeoutError(what: string, ms: number): LpaError {
    return noAnswerError(what, ms, this.opts.label, this.reader, 'message', this.lastProblem);
  }

  private receive(bytes: Uint8Array): void {
    this.stats.bytesIn += bytes.length;
    const { fragments, errors } = this.reader.push(bytes);
    for (const e of errors) this.badFrame(e);
    for (const f of fragments) {
      this.opts.trace?.write(f.type === MbimType.indicateStatus ? '!!' : '<<', `mbim type 0x${f.type.toString(16)} tid ${f.tid} ${toHex(f.body).slice(0, 1200)}`);
      const { message, error } = this.assembler.push(f);
      if (error) this.badFrame(error, f.tid);
      if (message) this.dispatch(message);
    }
  }

  /** Broken bytes: the framing cannot be trusted, so what waits fails now. */
  private badFrame(e: LpaError, tid?: number): void {
    this.lastProblem = `${e.message.replace(/^bad MBIM message: /, 'the device sent ')} (is ${this.opts.label} an MBIM port?)`;
    const fail = (what: string): LpaError => new LpaError('TRANSPORT_BAD_FRAME', `${what}: ${this.lastProblem}`, { path: this.opts.label });
    if (tid !== undefined && this.pending.has(tid)) this.pending.failMatching((k) => k === tid, fail);
    else this.pending.failAll(fail);
  }

  private dispatch(m: MbimMessage): void {
    if (m.type === MbimType.indicateStatus) {
      for (const l of [...this.indicationListeners]) l({ service: m.service, cid: m.cid, info: m.info });
      return;
    }
    if (m.type === MbimType.open || m.type === MbimType.close || m.type === MbimType.command) {
      this.lastProblem = `the device echoed a host message (is ${this.opts.label} an AT or QMI port?)`;
      return;
    }
    if (this.pending.resolve(m.tid, m)) {
      this.lastProblem = undefined;
      return;
    }
    if (this.pending.wasExpired(m.tid)) return;
    if ((m.type === MbimType.functionError || m.type === MbimType.hostError) && m.tid === 0) {
      this.lastProblem = `the device reported MBIM error ${ERROR_NAMES[m.error] ?? m.error}`;
      return;
    }
    this.lastProblem = `the device answered transaction ${m.tid} (message type 0x${m.type.toString(16)}), which is not waiting`;
  }
}
