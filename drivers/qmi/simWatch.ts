/**
 * Follows the card in one slot over QMI: card status indications (after Register Events) wake the
 * waiters at once, and Get Card Status is polled in between, so a modem that sends no indications
 * still works. Used to ride out the SIM reset (REFRESH) after EnableProfile.
 */
import { LpaError, isLpaError } from '../../src/errors.js';
import { Wakers } from '../reset.js';
import { QmiService, findTlv } from './codec.js';
import type { QmiConnection } from './connection.js';
import { EVENT_CARD_STATUS, UIM, cardReady, parseCardStatus, registerEventsTlvs, type CardStatus } from './messages.js';

/** Longest single Get Card Status poll. */
const POLL_REQUEST_MAX_MS = 5000;

export class QmiSimWatch {
  private readonly conn: QmiConnection;
  private readonly cid: number;
  private readonly slot: number;
  private readonly pollIntervalMs: number;
  private readonly wakers = new Wakers();
  private readonly lostListeners = new Set<() => void>();
  private readySeq = 0;
  private lastLostAt = 0;
  private lastWhy = '';
  private readonly stop: () => void;
  /** True once Register Events for card status succeeded. */
  indications = false;

  constructor(conn: QmiConnection, cid: number, slot: number, pollIntervalMs: number) {
    this.conn = conn;
    this.cid = cid;
    this.slot = slot;
    this.pollIntervalMs = pollIntervalMs;
    this.stop = conn.onIndication((m) => {
      if (m.service !== QmiService.UIM || m.messageId !== UIM.cardStatusIndication) return;
      if (m.clientId !== cid && m.clientId !== 0xff) return;
      try {
        this.seen(parseCardStatus(findTlv(m, 0x10)));
      } catch {
        // a broken indication changes nothing; the polls still run
      }
    });
  }

  /** Asks for card status indications; false when the modem refuses (polling only then). */
  async register(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.conn.request(QmiService.UIM, this.cid, UIM.registerEvents, registerEventsTlvs(EVENT_CARD_STATUS), 'UIM Register Events', {
        timeoutMs: Math.min(5000, opts.timeoutMs ?? 5000),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      this.indications = true;
    } catch (e) {
      // a modem that refuses (or ignores) the registration is polled instead
      if (!isLpaError(e, 'QMI_ERROR') && !isLpaError(e, 'TRANSPORT_TIMEOUT')) throw e;
      this.indications = false;
    }
    return this.indications;
  }

  /** Calls `fn` whenever the card is seen going away (reset, REFRESH, removal). */
  onLost(fn: () => void): void {
    this.lostListeners.add(fn);
  }

  dispose(): void {
    this.stop();
    this.lostListeners.clear();
    this.wakers.wakeAll();
  }

  /** Reads the card status now (and updates the state). */
  async poll(timeoutMs = POLL_REQUEST_MAX_MS): Promise<CardStatus> {
    const m = await this.conn.request(QmiService.UIM, this.cid, UIM.getCardStatus, [], 'UIM Get Card Status', { timeoutMs });
    const status = parseCardStatus(findTlv(m, 0x10));
    this.seen(status);
    return status;
  }

  private seen(status: CardStatus): void {
    const { ready, why } = cardReady(status, this.slot);
    this.lastWhy = why;
    if (ready) this.readySeq++;
    else {
      this.lastLostAt = Date.now();
      for (const fn of this.lostListeners) fn();
    }
    this.wakers.wakeAll();
  }

  /** Resolves when the card is ready (indication or poll); SIM_NOT_READY at the deadline. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const seqAtStart = this.readySeq;
    let lastProblem: LpaError | undefined;
    for (;;) {
      if (this.readySeq !== seqAtStart) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const status = await this.poll(Math.min(POLL_REQUEST_MAX_MS, remaining));
        if (cardReady(status, this.slot).ready) return;
      } catch (e) {
        if (!isLpaError(e) || e.code === 'PORT_CLOSED' || e.code === 'TRANSPORT_BAD_FRAME') throw e;
        // QMI errors and slow answers while the card restarts: keep polling
        lastProblem = e;
      }
      if (this.readySeq !== seqAtStart) return;
      await this.sleep(Math.min(this.pollIntervalMs, Math.max(0, deadline - Date.now())));
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
      await this.sleep(Math.min(this.indications ? graceEnd - Date.now() : 200, Math.max(0, graceEnd - Date.now())));
    }
    await this.waitReady(Math.max(1, deadline - Date.now()));
  }

  /** Sleeps up to `ms`, waking early on any card status news. */
  private sleep(ms: number): Promise<void> {
    return this.wakers.sleep(ms);
  }
}
