import type { BackoffPolicy, Timing } from '../../src/cloud/backoff.js';
import { abortableSleep } from '../../src/cloud/backoff.js';
import { eidCheckDigits } from '../../src/ids/eid.js';

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

const PREFIX1 = '890490320050088826000334890000';
const PREFIX2 = '890490320050088826000334890001';
/** Valid EIDs (check digits per GSMA SGP.29). */
export const EID = PREFIX1 + eidCheckDigits(PREFIX1);
export const EID2 = PREFIX2 + eidCheckDigits(PREFIX2);

/** Every string in `texts` is checked for every secret. */
export function expectNoSecrets(texts: Iterable<string>, secrets: Iterable<string>): string[] {
  const leaks: string[] = [];
  const list = [...secrets];
  for (const t of texts) for (const s of list) if (s && t.includes(s)) leaks.push(`${s.slice(0, 4)}… in: ${t.slice(0, 120)}`);
  return leaks;
}
