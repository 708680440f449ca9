/**
 * Reading and checking ES9+ answers: bounded body reading, JSON parsing, an HTML error page
 * summarised to one line, and the binary fields (strict base64 of the DER, returned as the raw
 * bytes received) and hex transaction ids.
 */
import { isBase64 } from '../util/base64.js';
import { LpaError } from '../errors.js';
import { isHex } from '../util/hex.js';

/** Largest answer accepted (a bound profile package is tens to hundreds of KiB in base64). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Reads at most `max` bytes of a body stream; more is ES9_BAD_RESPONSE. */
export async function readBounded(body: AsyncIterable<Uint8Array>, fn: string, max = MAX_BODY_BYTES, expectedLength?: number): Promise<Buffer> {
  // with the announced length the bytes go straight into one buffer: a large answer (a bound profile
  // package) is then held once, not once in chunks and again concatenated
  let into = expectedLength !== undefined && Number.isSafeInteger(expectedLength) && expectedLength > 0 && expectedLength <= max ? Buffer.allocUnsafeSlow(expectedLength) : undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    if (total + chunk.length > max) {
      throw new LpaError('ES9_BAD_RESPONSE', `${fn}: the SM-DP+ answer is larger than ${max} bytes`, { function: fn, limit: max });
    }
    if (into && total + chunk.length <= into.length) into.set(chunk, total);
    else {
      // more than announced: the general way from here on
      if (into) chunks.push(into.subarray(0, total));
      into = undefined;
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    total += chunk.length;
  }
  if (into) return into.subarray(0, total);
  return Buffer.concat(chunks, total);
}

/** How much of an error body summarizeBody looks at: the head of a page says what it is. */
export const SUMMARY_SCAN_CHARS = 16 * 1024;

/** One readable line from an error body: the HTML <title>/<h1> or text, tags stripped, truncated. */
export function summarizeBody(body: string, max = 160): string {
  // Bounded input: the lazy patterns below are quadratic on hostile pages (thousands of "<script"
  // with no end tag), and a body may be 8 MB.
  const text = body.length > SUMMARY_SCAN_CHARS ? body.slice(0, SUMMARY_SCAN_CHARS) : body;
  const pick = (re: RegExp) => re.exec(text)?.[1];
  let s = /<[a-z!]/i.test(text) ? (pick(/<title[^>]*>([\s\S]*?)<\/title>/i) ?? pick(/<h1[^>]*>([\s\S]*?)<\/h1>/i) ?? text) : text;
  s = s
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
    .trim();
  if (s.length === 0) return '(empty body)';
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** Parses a JSON object answer (a UTF-8 byte order mark before it is tolerated); anything else is ES9_BAD_RESPONSE. */
export function parseJsonObject(raw: Buffer, fn: string, httpStatus: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new LpaError(
      'ES9_BAD_RESPONSE',
      `${fn}: the SM-DP+ answer is not valid JSON: ${summarizeBody(raw.toString('utf8'), 80)}`,
      { function: fn, httpStatus },
      { cause: e },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LpaError('ES9_BAD_RESPONSE', `${fn}: the SM-DP+ answer is not a JSON object`, { function: fn, httpStatus });
  }
  return value as Record<string, unknown>;
}

/**
 * A required base64 field, decoded to the exact bytes sent; ES9_BAD_RESPONSE naming the field
 * otherwise. Lenient where real servers are sloppy: the padding may be missing, and `aliases` name
 * spellings some servers use (e.g. euiccCiPKIdTobeUsed).
 */
export function base64Field(body: Record<string, unknown>, field: string, fn: string, aliases: readonly string[] = []): Uint8Array {
  let v = body[field];
  for (const a of aliases) if (v === undefined || v === null) v = body[a];
  if (v === undefined || v === null) {
    throw new LpaError('ES9_BAD_RESPONSE', `${fn}: the SM-DP+ answer lacks ${field}`, { function: fn, field });
  }
  if (typeof v !== 'string' || v.length === 0 || !isBase64(v)) {
    throw new LpaError('ES9_BAD_RESPONSE', `${fn}: ${field} in the SM-DP+ answer is not valid base64`, { function: fn, field });
  }
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** Encodes raw DER bytes for an ES9+ request body. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * The answer's transactionId (hex, 1-16 bytes, kept as sent). When `expected` is given, a missing
 * id is tolerated but a different one is ES9_BAD_RESPONSE.
 */
export function transactionIdField(body: Record<string, unknown>, fn: string, expected?: string): string {
  const v = body.transactionId;
  if (v === undefined && expected !== undefined) return expected;
  if (typeof v !== 'string' || v.length < 2 || v.length > 32 || !isHex(v)) {
    throw new LpaError('ES9_BAD_RESPONSE', `${fn}: transactionId in the SM-DP+ answer is missing or not 1-16 bytes of hex`, {
      function: fn,
      field: 'transactionId',
    });
  }
  if (expected !== undefined && v.toUpperCase() !== expected.toUpperCase()) {
    throw new LpaError('ES9_BAD_RESPONSE', `${fn}: the SM-DP+ answered for transaction ${v}, not ${expected}`, {
      function: fn,
      field: 'transactionId',
    });
  }
  return v;
}

/** Most event records read from one ES11 answer. */
export const MAX_EVENT_ENTRIES = 256;

/** One SM-DS event record (ES11 `eventEntries`): where to download, with matching id = event id. */
export interface EventEntry {
  eventId: string;
  rspServerAddress: string;
}

const EVENT_ID_RE = /^[\x21-\x7e]{1,255}$/;

/**
 * `eventEntries` of an ES11 authenticateClient answer: an array of `{ eventId, rspServerAddress }`.
 * Absent or empty means no event (not an error). An entry that is not an object with both strings
 * (the event id printable, at most 255 characters; the address a host name with an optional port)
 * is left out and described in `problems`, so one bad record does not hide the others. A value
 * that is not an array is ES9_BAD_RESPONSE.
 */
export function eventEntriesField(body: Record<string, unknown>, fn: string): { entries: EventEntry[]; problems: string[] } {
  const v = body.eventEntries;
  if (v === undefined || v === null) return { entries: [], problems: [] };
  if (!Array.isArray(v)) throw new LpaError('ES9_BAD_RESPONSE', `${fn}: eventEntries in the SM-DS answer is not an array`, { function: fn, field: 'eventEntries' });
  const entries: EventEntry[] = [];
  const problems: string[] = [];
  for (const [i, item] of v.slice(0, MAX_EVENT_ENTRIES).entries()) {
    const e = item as Record<string, unknown> | null;
    const eventId = typeof e === 'object' && e !== null ? e.eventId : undefined;
    const address = typeof e === 'object' && e !== null ? e.rspServerAddress : undefined;
    if (typeof eventId !== 'string' || !EVENT_ID_RE.test(eventId)) {
      problems.push(`event entry ${i + 1}: eventId is missing or not 1-255 printable characters`);
      continue;
    }
    if (typeof address !== 'string' || address.length > 300 || !/^[A-Za-z0-9.[\]:-]+$/.test(address)) {
      problems.push(`event ${eventId}: rspServerAddress is missing or not a host name`);
      continue;
    }
    entries.push({ eventId, rspServerAddress: address });
  }
  if (v.length > MAX_EVENT_ENTRIES) problems.push(`${v.length - MAX_EVENT_ENTRIES} more event entries were not read (at most ${MAX_EVENT_ENTRIES})`);
  return { entries, problems };
}
