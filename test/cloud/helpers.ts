import type { BackoffPolicy, Timing } from '../../src/cloud/backoff.js';
import { abortableSleep } from '../../src/cloud/backoff.js';

/** Real clock, tiny real sleeps (capped at 5 ms), fixed "random" so delays are reproducible. */
export function fastTiming(): Timing & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => performance.now(),
    random: () => 0.5,
    sleep: (ms, signal) => {
      sleeps.push(ms);
      return abortableSleep(Math.min(ms, 5), signal);
    },
  };
}

export const TINY: BackoffPolicy = { initialMs: 2, maxMs: 10, factor: 2 };

export const EID = '89049032005008882600033489000001';
export const EID2 = '89049032005008882600033489000002';

/** Every string in `texts` is checked for every secret. */
export function expectNoSecrets(texts: Iterable<string>, secrets: Iterable<string>): string[] {
  const leaks: string[] = [];
  const list = [...secrets];
  for (const t of texts) for (const s of list) if (s && t.includes(s)) leaks.push(`${s.slice(0, 4)}… in: ${t.slice(0, 120)}`);
  return leaks;
}
