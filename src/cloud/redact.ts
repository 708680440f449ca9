/**
 * Keeps credentials out of messages, logs, traces and JSON output.
 */

const MASK = '[REDACTED]';

/**
 * Replaces every occurrence of each secret in `text` with `[REDACTED]`. Secrets shorter than 4
 * characters are ignored (they would mask ordinary text and protect nothing). Longer secrets are
 * replaced first so a secret containing another is masked whole.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  const list = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  list.sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of list) out = out.split(s).join(MASK);
  return out;
}

/** Redacts every string inside a JSON-like value (for details objects and debug dumps). */
export function redactDeep<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (depth > 16) return value;
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets, depth + 1)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets, depth + 1);
    return out as T;
  }
  return value;
}
