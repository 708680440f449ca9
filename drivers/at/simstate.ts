/**
 * Tracks the SIM's state from URCs and waits for it to be ready again after a reset: wakes on a
 * ready URC, otherwise polls `AT+CPIN?` until a bounded deadline.
 */
import { LpaError, isLpaError } from '../../src/errors.js';
import { Wakers } from '../reset.js';
import type { AtEngine } from './engine.js';
import { matchPrefix } from './lines.js';
import { lineStartsWithAny, type VendorProfile } from './vendors.js';

/** Longest single AT+CPIN? poll (a module restarting its SIM can be slow to answer). */
const POLL_COMMAND_MAX_MS = 5000;

export class SimState {
  private readonly engine: AtEngine;
  private readonly vendor: VendorProfile;
  private readonly pollIntervalMs: number;
  private readonly wakers = new Wakers();
  private readonly lostListeners = new Set<() => void>();
  private readySeq = 0;
  /** When the SIM was last seen going away (URC or a not-ready poll answer), ms since epoch. */
  private lastLostAt = 0;
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
    this.wakers.wakeAll();
  }

  /** True if `line` is a URC meaning the SIM went away. */
  isLostUrc(line: string): boolean {
    return lineStartsWithAny(line, this.vendor.simLostUrcs);
  }

  private lostNow(): void {
    this.lastLostAt = Date.now();
    for (const fn of this.lostListeners) fn();
    this.wakers.wakeAll();
  }

  private urc(line: string): void {
    if (this.isLostUrc(line)) {
      this.lostNow();
      return;
    }
    if (lineStartsWithAny(line, this.vendor.simReadyUrcs)) {
      this.readySeq++;
      this.wakers.wakeAll();
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
        // the same line may be the module's reset URC taken as the poll's answer: either way the
        // SIM is away, so the channel is gone
        this.lostNow();
        if (/PIN|PUK/.test(state)) {
          throw new LpaError('SIM_NOT_READY', `SIM is locked (${state}); unlock it before provisioning`, { simState: state });
        }
      } catch (e) {
        if (isLpaError(e, 'SIM_NOT_READY') || isLpaError(e, 'PORT_CLOSED') || !isLpaError(e)) throw e;
        // CME 10/13/14, ERROR or a slow answer while the SIM restarts: keep polling
        if (isLpaError(e, 'AT_CME_ERROR') && [10, 13, 14].includes(Number(e.details.cme))) this.lostNow();
        lastProblem = e;
      }
      if (this.readySeq !== seqAtStart) return;
      await this.sleep(Math.min(this.pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
    const why = lastState ? `last state ${lastState}` : lastProblem ? `last answer: ${lastProblem.message}` : 'no answer';
    throw new LpaError('SIM_NOT_READY', `SIM not ready after ${timeoutMs} ms (${why})`, { timeoutMs }, lastProblem ? { cause: lastProblem } : undefined);
  }

  /**
   * After a profile switch with REFRESH: waits (up to `graceMs`) until the SIM is seen going away
   * after `since` — a reset URC, or `AT+CPIN?` / CME 10/13/14 while polling — then until it is ready
   * again. A module that never reports the reset costs the grace period, then a READY poll.
   */
  async waitReset(since: number, graceMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const graceEnd = Math.min(deadline, Date.now() + graceMs);
    while (this.lastLostAt < since && Date.now() < graceEnd) {
      try {
        const res = await this.engine.send('AT+CPIN?', { prefix: '+CPIN', timeoutMs: Math.max(1, Math.min(POLL_COMMAND_MAX_MS, deadline - Date.now())) });
        const state = (matchPrefix(res.lines[0] ?? '', '+CPIN') ?? '').replace(/"/g, '').trim().toUpperCase();
        if (state !== 'READY') this.lostNow();
      } catch (e) {
        if (isLpaError(e, 'PORT_CLOSED') || !isLpaError(e)) throw e;
        if (isLpaError(e, 'AT_CME_ERROR') && [10, 13, 14].includes(Number(e.details.cme))) this.lostNow();
      }
      if (this.lastLostAt >= since) break;
      await this.sleep(Math.min(200, Math.max(0, graceEnd - Date.now())));
    }
    await this.waitReady(Math.max(1, deadline - Date.now()));
  }

  /** Sleeps up to `ms`, waking early on a ready URC. */
  private sleep(ms: number): Promise<void> {
    return this.wakers.sleep(ms);
  }
}
