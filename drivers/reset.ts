/**
 * Riding out a SIM reset, the same on every transport (AT, QMI, MBIM): sleeps that news of the
 * SIM cuts short, reopening the ISD-R channel within a deadline, and the error for an APDU the
 * reset interrupted.
 */
import { LpaError, isLpaError } from '../src/errors.js';
import { toHex } from '../src/util/hex.js';

/** Sleeps that `wakeAll()` (a URC, an indication) ends early. */
export class Wakers {
  private readonly waiting = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiting.add(done);
    });
  }

  wakeAll(): void {
    for (const w of [...this.waiting]) w();
  }
}

export interface ReopenSteps {
  /** Whole deadline (ms). */
  totalMs: number;
  /** Pause between attempts while the SIM still refuses (ms). */
  pollIntervalMs: number;
  waitReady(timeoutMs: number): Promise<void>;
  open(): Promise<void>;
}

/** Waits for the SIM, then opens; retries while opening says SIM_NOT_READY, up to the deadline. */
export async function reopenAfterReset(s: ReopenSteps): Promise<void> {
  const deadline = Date.now() + s.totalMs;
  await s.waitReady(s.totalMs);
  for (;;) {
    try {
      await s.open();
      return;
    } catch (e) {
      if (!isLpaError(e, 'SIM_NOT_READY') || Date.now() >= deadline) throw e;
      await s.waitReady(Math.max(1, deadline - Date.now()));
      await new Promise((r) => setTimeout(r, Math.min(s.pollIntervalMs, Math.max(0, deadline - Date.now()))));
    }
  }
}

/** CHANNEL_CLOSED for an APDU a SIM reset cut off: a STORE DATA may have run, so it is not resent. */
export function interruptedByReset(apdu: Uint8Array, e: LpaError): LpaError {
  return new LpaError(
    'CHANNEL_CLOSED',
    apdu[1] === 0xe2
      ? 'the SIM reset while a STORE DATA was in flight; it may have executed, so it was not resent (the channel reopens on the next command)'
      : `the SIM reset during the APDU (${e.message}); the channel reopens on the next command`,
    { ...e.details, ins: toHex(apdu.subarray(1, 2)) },
    { cause: e },
  );
}
