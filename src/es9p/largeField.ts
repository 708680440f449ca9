/**
 * A large ES9+ answer (a bound profile package of hundreds of KiB to MiBs) parsed without holding
 * its big base64 field as JavaScript strings: the field's bytes are cut out of the raw answer and
 * decoded from it in 64 KiB pieces; JSON.parse sees the rest with the field left empty. A 1 MiB
 * package then needs the raw answer and the decoded bytes (about 2.4 MiB) instead of also a copy of
 * the text and of the field as strings (about 6.6 MiB, measured as peak RSS).
 *
 * Anything unusual (the key nested or repeated, an escape inside the string, a byte outside the
 * base64 alphabet) returns undefined: the caller parses the whole answer the ordinary way, with its
 * ordinary errors.
 */
import { isBase64 } from '../util/base64.js';

/** Answers at least this long take the large-field path. */
export const LARGE_ANSWER_BYTES = 64 * 1024;

/** Base64 characters decoded at a time (a multiple of 4). */
const PIECE = 64 * 1024;

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** Where the string value of `"<field>":` starts and ends (the quotes excluded) in `raw`. */
function locate(raw: Buffer, field: string): { start: number; end: number } | undefined {
  const key = Buffer.from(`"${field}"`, 'latin1');
  const at = raw.indexOf(key);
  if (at < 0 || raw.indexOf(key, at + key.length) >= 0) return undefined; // absent or repeated
  let i = at + key.length;
  while (isSpace(raw[i])) i++;
  if (raw[i] !== 0x3a) return undefined; // not a key
  i++;
  while (isSpace(raw[i])) i++;
  if (raw[i] !== 0x22) return undefined; // not a string
  const start = i + 1;
  const end = raw.indexOf(0x22, start);
  if (end < 0) return undefined;
  const backslash = raw.indexOf(0x5c, start);
  if (backslash >= 0 && backslash < end) return undefined; // escapes: never in base64
  return { start, end };
}

/** Decodes raw base64 bytes piece by piece; undefined when they are not base64. */
function decode(b64: Buffer): Uint8Array | undefined {
  const out = Buffer.allocUnsafeSlow(Math.ceil(b64.length / 4) * 3);
  let written = 0;
  for (let at = 0; at < b64.length; at += PIECE) {
    const piece = b64.toString('latin1', at, Math.min(at + PIECE, b64.length));
    const last = at + PIECE >= b64.length;
    // whole groups and no padding but in the last piece
    if (!isBase64(piece) || (!last && (piece.length % 4 !== 0 || piece.includes('=')))) return undefined;
    written += out.write(piece, written, 'base64');
  }
  return new Uint8Array(out.buffer, out.byteOffset, written);
}

/**
 * Parses `raw` (a JSON object) with its string field `field` taken out and decoded as base64;
 * undefined when the answer does not have that shape (parse it the ordinary way then).
 */
export function parseWithLargeField(raw: Buffer, field: string): { body: Record<string, unknown>; value: Uint8Array } | undefined {
  const where = locate(raw, field);
  if (!where || where.end === where.start) return undefined;
  const value = decode(raw.subarray(where.start, where.end));
  if (!value) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat([raw.subarray(0, where.start), raw.subarray(where.end)]).toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  // the key found must be the answer's own (top level), now empty
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as Record<string, unknown>)[field] !== '') return undefined;
  delete (body as Record<string, unknown>)[field];
  return { body: body as Record<string, unknown>, value };
}
