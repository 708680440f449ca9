/**
 * Durations as people write them in flags, environment and config files: `90s`, `10m`, `1h30m`,
 * `1h30m15s`, `250ms`, `2d`, or plain seconds (`90`, `1.5`). Units go from largest to smallest,
 * each at most once. Anything else is a CONFIG_INVALID error; parsing never throws anything else.
 */
import { LpaError } from '../errors.js';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

/** Longest text looked at: nobody writes a 65-character duration. */
const MAX_TEXT = 64;

const PART_RE = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

function bad(text: string): LpaError {
  const shown = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text;
  return new LpaError('CONFIG_INVALID', `"${shown}" is not a duration (examples: 90s, 10m, 1h30m, 500ms, or plain seconds)`, {
    value: shown,
  });
}

/** Parses a duration; returns milliseconds (rounded to a whole number). */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') throw bad(String(text));
  const t = text.trim().toLowerCase();
  if (t.length === 0 || t.length > MAX_TEXT) throw bad(text);
  if (/^\d+(?:\.\d+)?$/.test(t)) return finish(Number(t) * 1000, text);
  let pos = 0;
  let total = 0;
  let lastRank = -1;
  while (pos < t.length) {
    PART_RE.lastIndex = pos;
    const m = PART_RE.exec(t);
    if (!m) throw bad(text);
    const unit = m[2] as Unit;
    const rank = ORDER.indexOf(unit);
    if (rank <= lastRank) throw bad(text);
    lastRank = rank;
    total += Number(m[1]) * UNIT_MS[unit];
    pos = PART_RE.lastIndex;
  }
  return finish(total, text);
}

function finish(ms: number, text: string): number {
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) throw bad(text);
  return Math.round(ms);
}

/** Formats milliseconds the way parseDuration reads them back (e.g. 5400000 -> "1h30m"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return String(ms);
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of ORDER) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}
