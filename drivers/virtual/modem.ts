import { EventEmitter } from 'node:events';
import type { VirtualCard } from '../../src/sim/card.js';
import { executeLine, isCardLine } from './dialect.js';
import { cardTransmit } from './simCommands.js';
import { LineSplitter } from './lines.js';
import { defaultQuirks, type InjectedFailure, type Quirks } from './quirks.js';
import { cme, ERROR, formatAnswer, type AfterAction, type Answer, type ModemState } from './state.js';
import { vendorProfile, type VendorName, type VendorProfile } from './vendors.js';

/** What the timing hook learns about one command, to price it (link, module latency, eUICC time). */
export interface CommandTiming {
  line: string;
  /** Bytes of the command line as received, terminator included. */
  lineBytes: number;
  /** Bytes of the answer the module is about to send. */
  answerBytes: number;
  /** APDU bytes the line carried (+CGLA / +CSIM), 0 otherwise. */
  apduBytes: number;
  storeData: boolean;
}

/**
 * Extra delay (ms) before a command's answer; the one place a link model plugs in. `answer` is the
 * text about to be sent (info lines and final result), for models that read it.
 */
export type TimingHook = (c: CommandTiming, answer: string) => number;

export interface VirtualModemOptions {
  card: VirtualCard;
  vendor?: VendorName;
  /** Quirks on top of the vendor's defaults. */
  quirks?: Partial<Quirks>;
  timing?: TimingHook;
}

export interface ModemStats {
  lines: number;
  bytesIn: number;
  bytesOut: number;
}

type Sink = (bytes: Uint8Array) => void;

/** What a card command from another interface (QMI, MBIM) got: the card's answer, or why not. */
export type CardCommandResult =
  | { kind: 'response'; data: Uint8Array }
  /** The SIM is restarting (`cme` 13/14 as the quirks say) or powered off (13). */
  | { kind: 'not-ready'; cme: number }
  /** An injected failure, or the module refused (e.g. the EC20F last-block fault). */
  | { kind: 'failed'; failure: InjectedFailure };

/**
 * A virtual cellular module: speaks a vendor's AT dialect over a byte stream and hosts a
 * `VirtualCard`. Bytes in with `input()`, bytes out to every `attach()`ed sink. Events:
 * 'vanish' / 'reappear' (USB unplug and re-enumeration), 'sim-not-ready' / 'sim-ready'.
 */
export class VirtualModem extends EventEmitter {
  readonly vendor: VendorProfile;
  readonly stats: ModemStats = { lines: 0, bytesIn: 0, bytesOut: 0 };
  private readonly state: ModemState;
  private readonly splitter = new LineSplitter();
  private readonly sinks = new Set<Sink>();
  private readonly queue: ({ line: string; bytes: number } | { overflow: true })[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly timing: TimingHook | undefined;
  private busy = false;
  private inCommand = false;
  private refreshPending = false;
  private inForeignCommand = false;
  private foreignRefreshPending = false;
  private resetTimer: NodeJS.Timeout | undefined;
  private vanishedByReset = false;
  private _vanished = false;

  constructor(opts: VirtualModemOptions) {
    super();
    this.vendor = vendorProfile(opts.vendor ?? 'generic');
    const quirks: Quirks = { ...defaultQuirks(), ...this.vendor.quirks, ...opts.quirks };
    this.timing = opts.timing;
    this.state = {
      card: opts.card,
      vendor: this.vendor,
      quirks,
      echo: true,
      cmee: quirks.cmeeDefault,
      cfun: 1,
      sim: 'ready',
      sessions: new Map(),
      terminalCapability: false,
      handleCounter: 0,
      frozen: false,
      busyUntil: quirks.slowSimMs > 0 ? Date.now() + quirks.slowSimMs : 0,
    };
    opts.card.onRefreshRequested = () => this.requestSimReset();
  }

  /** The live quirk switches; change fields at any time. */
  get quirks(): Quirks {
    return this.state.quirks;
  }
  set quirks(q: Quirks) {
    this.state.quirks = q;
  }
  setQuirks(q: Partial<Quirks>): void {
    Object.assign(this.state.quirks, q);
  }

  get card(): VirtualCard {
    return this.state.card;
  }
  get echo(): boolean {
    return this.state.echo;
  }
  get cmee(): 0 | 1 | 2 {
    return this.state.cmee;
  }
  get cfun(): 0 | 1 | 4 {
    return this.state.cfun;
  }
  get simState(): ModemState['sim'] {
    return this.state.sim;
  }
  get frozen(): boolean {
    return this.state.frozen;
  }
  get vanished(): boolean {
    return this._vanished;
  }
  /** Open +CCHO sessions: id as printed -> logical channel. */
  sessions(): ReadonlyMap<string, number> {
    return new Map(this.state.sessions);
  }

  /** Registers a receiver of everything the module sends; returns the detach function. */
  attach(sink: Sink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Bytes from the host (what it writes to the AT port). */
  input(bytes: Uint8Array): void {
    if (this._vanished || this.state.frozen) return;
    this.stats.bytesIn += bytes.length;
    if (this.state.echo || this.state.quirks.forceEcho) this.send(new Uint8Array(bytes));
    for (const ev of this.splitter.push(bytes)) {
      this.queue.push('line' in ev ? { line: ev.line, bytes: ev.line.length + 1 } : ev);
    }
    this.pump();
  }

  /** Sends URC lines now. */
  injectUrc(...lines: string[]): void {
    for (const l of lines) this.sendText(`\r\n${l}\r\n`);
  }
  /** URC lines to insert once between the next answer's info lines and its final result. */
  injectUrcBeforeFinal(...lines: string[]): void {
    this.state.quirks.urcBeforeFinal.push(...lines);
  }
  /** The next `count` SIM commands fail with `failure` (CME number or 'error') without executing. */
  failNext(count: number, failure: InjectedFailure): void {
    this.state.quirks.failNext = { count, failure };
  }
  /** The next `count` command lines execute but get no answer at all. */
  loseNext(count = 1): void {
    this.state.quirks.loseNext = count;
  }

  /** The card asked for a REFRESH (or a test wants one): runs the SIM-reset sequence after the current answer. */
  requestSimReset(): void {
    if (this.inCommand) this.refreshPending = true;
    else if (this.inForeignCommand) this.foreignRefreshPending = true;
    else this.startSimReset();
  }

  /**
   * One APDU from another interface of the module (QMI, MBIM) to the same card, through the same
   * gates as +CGLA: the SIM state, injected failures (`failNext`) and the card quirks. A REFRESH
   * the card asks for meanwhile waits for `cardCommandAnswered()`, so the answer leaves first.
   */
  cardCommand(apdu: Uint8Array): CardCommandResult {
    const q = this.state.quirks;
    if (q.failNext && q.failNext.count > 0) {
      const failure = q.failNext.failure;
      if (--q.failNext.count <= 0) q.failNext = undefined;
      return { kind: 'failed', failure };
    }
    if (this.state.sim === 'resetting') return { kind: 'not-ready', cme: q.simResetCme };
    if (this.state.sim === 'off') return { kind: 'not-ready', cme: 13 };
    this.inForeignCommand = true;
    try {
      const r = cardTransmit(this.state, apdu);
      return r ? { kind: 'response', data: r } : { kind: 'failed', failure: 'error' };
    } finally {
      this.inForeignCommand = false;
    }
  }

  /** The answer to a `cardCommand` has been sent: a SIM reset the card asked for starts now. */
  cardCommandAnswered(): void {
    if (!this.foreignRefreshPending) return;
    this.foreignRefreshPending = false;
    this.startSimReset();
  }

  /** SIM power from another interface (QMI Power Off/On SIM): off now; on runs the reset window. */
  setSimPower(on: boolean): void {
    if (!on) this.simOff();
    else if (this.state.sim === 'off' && this.state.cfun !== 0) this.startSimReset();
  }

  /** Ends a running SIM-reset window now (deterministic tests); no-op when none runs. */
  finishSimReset(): void {
    const t = this.resetTimer;
    if (!t) return;
    this.clearLater(t);
    this.simReady();
  }

  /** USB unplug: open ports fail, new opens fail until `reappear()`. */
  vanish(): void {
    if (this._vanished) return;
    this._vanished = true;
    this.emit('vanish');
  }
  reappear(): void {
    if (!this._vanished) return;
    this._vanished = false;
    this.vanishedByReset = false;
    this.emit('reappear');
  }

  /** Power cycle: unfreezes, reboots (echo on, CMEE default), resets the card. */
  powerCycle(): void {
    this.state.frozen = false;
    this.reboot();
  }

  /** Resolves when every received line has been answered. */
  whenIdle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops timers and detaches everything (the card stays as it is). */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.resetTimer = undefined;
    this.sinks.clear();
    this.queue.length = 0;
    this.busy = false;
    this.removeAllListeners();
    this.flushIdle();
  }

  /**
   * Per-command delay: quirk `delayMs` plus the timing hook's time, less what executing the line
   * already took (the simulator's own compute is part of the modelled eUICC/module time).
   */
  private delayFor(c: CommandTiming, answer: string, elapsedMs: number): number {
    const hook = this.timing ? this.timing(c, answer) : 0;
    const d = this.state.quirks.delayMs + (Number.isFinite(hook) ? Math.max(0, hook - elapsedMs) : 0);
    return Number.isFinite(d) && d > 0 ? d : 0;
  }

  private pump(): void {
    while (!this.busy && this.queue.length > 0 && !this.state.frozen) {
      const item = this.queue.shift()!;
      const line = 'line' in item ? item.line : '';
      this.stats.lines++;
      const q = this.state.quirks;
      if (line && q.partialEchoNext > 0) {
        q.partialEchoNext--;
        this.sendText(line.slice(0, Math.max(2, Math.floor(line.length / 2))));
      }
      let ans: Answer;
      const started = performance.now();
      this.inCommand = true;
      try {
        if (!('line' in item)) ans = { info: [], final: ERROR };
        else if (q.failNext && q.failNext.count > 0 && isCardLine(line)) {
          const f = q.failNext.failure;
          if (--q.failNext.count <= 0) q.failNext = undefined;
          ans = { info: [], final: f === 'error' ? ERROR : cme(f) };
        } else ans = executeLine(this.state, line);
      } finally {
        this.inCommand = false;
      }
      let lost = false;
      if (q.loseNext > 0) {
        q.loseNext--;
        lost = true;
      }
      const text = lost ? '' : formatAnswer(this.state, ans);
      const delay = this.delayFor({
        line,
        lineBytes: 'bytes' in item ? item.bytes : 0,
        answerBytes: text.length,
        apduBytes: ans.apduBytes ?? 0,
        storeData: ans.storeData ?? false,
      }, text, performance.now() - started);
      if (delay === 0) {
        this.finish(text, ans.after);
        continue;
      }
      this.busy = true;
      this.later(delay, () => {
        this.busy = false;
        this.finish(text, ans.after);
        this.pump();
      });
    }
    if (!this.busy && this.queue.length === 0) this.flushIdle();
  }

  private finish(text: string, after: AfterAction | undefined): void {
    if (text) this.sendText(text);
    if (after === 'reboot') this.reboot();
    else if (after === 'sim-off') this.simOff();
    else if (after === 'sim-reset' || this.refreshPending) this.startSimReset();
    this.refreshPending = false;
  }

  private resetCard(): void {
    this.state.card.reset();
    this.state.sessions.clear();
    this.state.terminalCapability = false;
  }

  private startSimReset(): void {
    if (this.resetTimer) this.clearLater(this.resetTimer);
    this.resetCard();
    this.state.sim = this.state.cfun === 0 ? 'off' : 'resetting';
    this.injectUrc(...this.vendor.simNotReadyUrcs);
    this.emit('sim-not-ready');
    if (this.state.sim === 'off') return;
    if (this.state.quirks.vanishOnReset && !this._vanished) {
      this.vanish();
      this.vanishedByReset = true;
    }
    this.resetTimer = this.later(this.state.quirks.simResetMs, () => this.simReady());
  }

  private simReady(): void {
    this.resetTimer = undefined;
    if (this.vanishedByReset) this.reappear();
    if (this.state.sim === 'resetting') this.state.sim = 'ready';
    if (this.state.quirks.slowSimMs > 0) this.state.busyUntil = Date.now() + this.state.quirks.slowSimMs;
    this.injectUrc(...this.vendor.simReadyUrcs);
    this.emit('sim-ready');
  }

  private simOff(): void {
    if (this.resetTimer) this.clearLater(this.resetTimer);
    this.resetTimer = undefined;
    this.resetCard();
    this.state.sim = 'off';
    this.injectUrc(...this.vendor.simNotReadyUrcs);
    this.emit('sim-not-ready');
  }

  private reboot(): void {
    this.splitter.reset();
    this.queue.length = 0;
    this.state.echo = true;
    this.state.cmee = this.state.quirks.cmeeDefault;
    this.injectUrc(...this.vendor.bootUrcs);
    this.startSimReset();
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearLater(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  private flushIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private sendText(s: string): void {
    this.send(new Uint8Array(Buffer.from(s, 'latin1')));
  }

  private send(bytes: Uint8Array): void {
    if (this._vanished || this.state.frozen || bytes.length === 0) return;
    this.stats.bytesOut += bytes.length;
    for (const s of this.sinks) s(bytes);
  }
}
