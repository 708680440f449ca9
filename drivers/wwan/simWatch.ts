/**
 * Follows the card over a control protocol (QMI card status, MBIM subscriber ready): news from the
 * modem (indications) wake the waiters at once, and the state is polled in between, so a modem
 * that sends no indications still works. Used to ride out the SIM reset (REFRESH) after enable.
 */
import { LpaError, isLpaError } from '../../src/errors.js';
import { Wakers } from '../reset.js';

/** Longest single poll. */
const POLL_REQUEST_MAX_MS = 5000;

export interface CardState {
  ready: boolean;
  /** For messages: "card absent", "ReadyState 0", ... */
  why: string;
}

export class SimWatch {
  private readonly poller: (timeoutMs: number) => Promise<CardState>;
  private readonly pollIntervalMs: number;
  private readonly wakers = new Wakers();
  private readonly lostListeners = new Set<() => void>();
  private readySeq = 0;
  private lastLostAt = 0;
  private lastWhy = '';
  /** True when the modem sends news on its own (then fewer polls are needed). */
  indications = false;

  constructor(poll: (timeoutMs: number) => Promise<CardState>, pollIntervalMs: number) {
    this.poller = poll;
    this.pollIntervalMs = pollIntervalMs;
  }

  /** Calls `fn` whenever the card is seen going away (reset, REFRESH, removal). */
  onLost(fn: () => void): void {
    this.lostListeners.add(fn);
  }

  dispose(): void {
    this.lostListeners.clear();
    this.wakers.wakeAll();
  }

  /** News about the card, from an indication or a poll. */
  seen(state: CardState): void {
    this.lastWhy = state.why;
    if (state.ready) this.readySeq++;
    else {
      this.lastLostAt = Date.now();
      for (const fn of this.lostListeners) fn();
    }
    this.wakers.wakeAll();
  }

  /** Polls now. */
  async poll(timeoutMs = POLL_REQUEST_MAX_MS): Promise<CardState> {
    const s = await this.poller(timeoutMs);
    this.seen(s);
    return s;
  }

  /** Resolves when the card is ready (news or poll); SIM_NOT_READY at the deadline. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const seqAtStart = this.readySeq;
    let lastProblem: LpaError | undefined;
    for (;;) {
      if (this.readySeq !== seqAtStart) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        if ((await this.poll(Math.min(POLL_REQUEST_MAX_MS, remaining))).ready) return;
      } catch (e) {
        if (!isLpaError(e) || e.code === 'PORT_CLOSED' || e.code === 'TRANSPORT_BAD_FRAME') throw e;
        // protocol errors and slow answers while the card restarts: keep polling
        lastProblem = e;
      }
      if (this.readySeq !== seqAtStart) return;
      await this.wakers.sleep(Math.min(this.pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
    const why = this.lastWhy ? `last state: ${this.lastWhy}` : lastProblem ? `last answer: ${lastProblem.message}` : 'no answer';
    throw new LpaError('SIM_NOT_READY', `SIM not ready after ${timeoutMs} ms (${why})`, { timeoutMs }, lastProblem ? { cause: lastProblem } : undefined);
  }

  /**
   * After a profile switch: waits (up to `graceMs`) for the card to be seen going away after
   * `since`, then until it is ready again. A modem that shows no reset costs the grace period.
   */
  async waitReset(since: number, graceMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const graceEnd = Math.min(deadline, Date.now() + graceMs);
    while (this.lastLostAt < since && Date.now() < graceEnd) {
      if (!this.indications) {
        try {
          await this.poll(Math.max(1, Math.min(POLL_REQUEST_MAX_MS, deadline - Date.now())));
        } catch (e) {
          if (!isLpaError(e) || e.code === 'PORT_CLOSED' || e.code === 'TRANSPORT_BAD_FRAME') throw e;
        }
        if (this.lastLostAt >= since) break;
      }
      await this.wakers.sleep(Math.min(this.indications ? graceEnd - Date.now() : 200, Math.max(0, graceEnd - Date.now())));
    }
    await this.waitReady(Math.max(1, deadline - Date.now()));
  }
}
