/**
 * Tracks the SIM's state from URCs and waits for it to be ready again after a reset: wakes on a
 * ready URC, otherwise polls `AT+CPIN?` until a bounded deadline.
 */
import { LpaError, isLpaError } from '../../src/errors.js';
import type { AtEngine } from './engine.js';
import { matchPrefix } from './lines.js';
import { lineStartsWithAny, type VendorProfile } from './vendors.js';

/** Longest single AT+CPIN? poll (a module restarting its SIM can be slow to answer). */
const POLL_COMMAND_MAX_MS = 5000;

export class SimState {
  private readonly engine: AtEngine;
  private readonly vendor: VendorProfile;
  private readonly pollIntervalMs: number;
  private readonly wakers = new Set<() => void>();
  private readonly lostListeners = new Set<() => void>();
  private readySeq = 0;
  private readonly onUrc = (line: string): void => this.urc(line);

  constructor(engine: AtEngine, vendor: VendorProfile, pollIntervalMs: number) {
    this.engine = engine;
    this.vendor = vendor;
    this.pollIntervalMs = pollIntervalMs;
    engine.on('urc', this.onUrc);
  }

  /** Calls `fn` whenever a URC says the SIM went away (reset, REFRESH, removal). */
  onLost(fn: () => void): void {
    this.lostListeners.add(fn);
  }

  dispose(): void {
    this.engine.off('urc', this.onUrc);
    this.lostListeners.clear();
    for (const w of this.wakers) w();
  }

  /** True if `line` is a URC meaning the SIM went away. */
  isLostUrc(line: string): boolean {
    return lineStartsWithAny(line, this.vendor.simLostUrcs);
  }

  private urc(line: string): void {
    if (this.isLostUrc(line)) {
      for (const fn of this.lostListeners) fn();
      return;
    }
    if (lineStartsWithAny(line, this.vendor.simReadyUrcs)) {
      this.readySeq++;
      for (const w of [...this.wakers]) w();
    }
  }

  /**
   * Resolves when the SIM is ready: a ready URC arrives, or `AT+CPIN?` answers READY. Fails with
   * SIM_NOT_READY at the deadline, or at once when the SIM wants a PIN/PUK.
   */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const seqAtStart = this.readySeq;
    let lastProblem: LpaError | undefined;
    let lastState = '';
    for (;;) {
      if (this.readySeq !== seqAtStart) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const res = await this.engine.send('AT+CPIN?', { prefix: '+CPIN', timeoutMs: Math.min(POLL_COMMAND_MAX_MS, remaining) });
        const state = (matchPrefix(res.lines[0] ?? '', '+CPIN') ?? '').replace(/"/g, '').trim().toUpperCase();
        if (state === 'READY') return;
        lastState = state;
        if (/PIN|PUK/.test(state)) {
          throw new LpaError('SIM_NOT_READY', `SIM is locked (${state}); unlock it before provisioning`, { simState: state });
        }
      } catch (e) {
        if (isLpaError(e, 'SIM_NOT_READY') || isLpaError(e, 'PORT_CLOSED') || !isLpaError(e)) throw e;
        // CME 10/13/14, ERROR or a slow answer while the SIM restarts: keep polling
        lastProblem = e;
      }
      if (this.readySeq !== seqAtStart) return;
      await this.sleep(Math.min(this.pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
    const why = lastState ? `last state ${lastState}` : lastProblem ? `last answer: ${lastProblem.message}` : 'no answer';
    throw new LpaError('SIM_NOT_READY', `SIM not ready after ${timeoutMs} ms (${why})`, { timeoutMs }, lastProblem ? { cause: lastProblem } : undefined);
  }

  /** Sleeps up to `ms`, waking early on a ready URC. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}
