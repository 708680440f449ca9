/**
 * Pure classifiers and parsers for the lines a cellular module sends on its AT port.
 *
 * No I/O here: the engine feeds lines in, these functions say what a line is (a final result, an
 * answer with a given prefix) and decode the answers the eUICC driver needs (+CCHO, +CGLA, +CSIM,
 * +CRSM, ICCID). Every malformed answer becomes an `AT_BAD_RESPONSE` LpaError quoting the line
 * (truncated), never a crash.
 */
import { LpaError } from '../../src/errors.js';
import { fromHex } from '../../src/util/hex.js';

/** Longest excerpt of a line quoted in an error message. */
const QUOTE_MAX = 80;

/** How a command ended. */
export type FinalResult =
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'cme'; code: number | string }
  | { kind: 'cms'; code: number | string }
  | { kind: 'not_supported' };

/** Quotes a line for an error message: truncated, control characters made visible. */
export function quoteLine(line: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = line.replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return JSON.stringify(clean.length > QUOTE_MAX ? `${clean.slice(0, QUOTE_MAX)}...` : clean);
}

export function badResponse(line: string, why: string, extra: Record<string, unknown> = {}): LpaError {
  return new LpaError('AT_BAD_RESPONSE', `module sent a malformed answer (${why}): ${quoteLine(line)}`, {
    line: line.length > QUOTE_MAX ? `${line.slice(0, QUOTE_MAX)}...` : line,
    ...extra,
  });
}

function errorCode(text: string): number | string {
  const t = text.trim().replace(/^"(.*)"$/, '$1');
  return /^\d{1,5}$/.test(t) ? Number(t) : t;
}

/** Recognises a final result code; undefined for any other line. */
export function parseFinal(line: string): FinalResult | undefined {
  const t = line.trim();
  const u = t.toUpperCase();
  if (u === 'OK') return { kind: 'ok' };
  if (u === 'ERROR') return { kind: 'error' };
  if (u === 'COMMAND NOT SUPPORT' || u === 'COMMAND NOT SUPPORTED') return { kind: 'not_supported' };
  let rest = matchPrefix(t, '+CME ERROR');
  if (rest !== undefined) return { kind: 'cme', code: errorCode(rest) };
  rest = matchPrefix(t, '+CMS ERROR');
  if (rest !== undefined) return { kind: 'cms', code: errorCode(rest) };
  return undefined;
}

/**
 * If `line` starts with `prefix:` (prefix case-insensitive, any spaces after the colon), returns
 * what follows, trimmed; otherwise undefined. `prefix` is given without the colon, e.g. `+CGLA`.
 */
export function matchPrefix(line: string, prefix: string): string | undefined {
  const t = line.trimStart();
  if (t.length < prefix.length + 1) return undefined;
  if (t.slice(0, prefix.length).toUpperCase() !== prefix.toUpperCase()) return undefined;
  if (t[prefix.length] !== ':') return undefined;
  return t.slice(prefix.length + 1).trim();
}

/** Splits the parameters of an answer on commas outside double quotes. */
export function splitParams(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function unquote(field: string): string {
  return field.length >= 2 && field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1) : field;
}

function parseLength(field: string | undefined, line: string): number {
  if (field === undefined || !/^\d{1,5}$/.test(unquote(field))) throw badResponse(line, 'length is not a number');
  return Number(unquote(field));
}

function parseHexField(field: string | undefined, line: string): Uint8Array {
  if (field === undefined) throw badResponse(line, 'hex data missing');
  const hex = unquote(field).replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw badResponse(line, 'data is not hex');
  return fromHex(hex);
}

/** `<len>,"<hex>"` as in +CGLA / +CSIM answers: len counts hex characters and must match. */
function parseLenHex(rest: string, line: string, what: string): Uint8Array {
  const params = splitParams(rest);
  if (params.length !== 2) throw badResponse(line, `${what} answer needs <length>,<data>`);
  const len = parseLength(params[0], line);
  const data = parseHexField(params[1], line);
  if (len !== data.length * 2) {
    throw badResponse(line, `${what} length ${len} does not match ${data.length * 2} hex characters`);
  }
  if (data.length < 2) throw badResponse(line, `${what} response has no status word`);
  return data;
}

/**
 * The session id from a +CCHO answer: `+CCHO: 1`, `+CCHO:1`, bare `1`, quoted, or a 16-hex-digit
 * handle (`000000000385a7cf`, Sierra) returned verbatim: it must be reused exactly as sent.
 */
export function parseCcho(line: string): string {
  const rest = matchPrefix(line, '+CCHO') ?? line.trim();
  const id = unquote(rest.trim());
  if (/^\d{1,10}$/.test(id)) return id;
  if (/^[0-9a-fA-F]{16}$/.test(id)) return id;
  throw badResponse(line, 'no channel id in +CCHO answer');
}

/** Response APDU (data + SW1SW2) of `+CGLA: <len>,"<hex>"` (space, quotes and case optional). */
export function parseCgla(line: string): Uint8Array {
  const rest = matchPrefix(line, '+CGLA');
  if (rest === undefined) throw badResponse(line, 'expected +CGLA');
  return parseLenHex(rest, line, '+CGLA');
}

/** Response APDU (data + SW1SW2) of `+CSIM: <len>,"<hex>"`. */
export function parseCsim(line: string): Uint8Array {
  const rest = matchPrefix(line, '+CSIM');
  if (rest === undefined) throw badResponse(line, 'expected +CSIM');
  return parseLenHex(rest, line, '+CSIM');
}

export interface CrsmAnswer {
  sw1: number;
  sw2: number;
  data: Uint8Array;
}

/** `+CRSM: <sw1>,<sw2>[,"<hex>"]`. */
export function parseCrsm(line: string): CrsmAnswer {
  const rest = matchPrefix(line, '+CRSM');
  if (rest === undefined) throw badResponse(line, 'expected +CRSM');
  const params = splitParams(rest);
  if (params.length < 2 || params.length > 3) throw badResponse(line, '+CRSM answer needs <sw1>,<sw2>[,<data>]');
  const sw1 = parseLength(params[0], line);
  const sw2 = parseLength(params[1], line);
  if (sw1 > 255 || sw2 > 255) throw badResponse(line, 'status word out of range');
  const data = params.length === 3 && unquote(params[2]!) !== '' ? parseHexField(params[2], line) : new Uint8Array(0);
  return { sw1, sw2, data };
}

const ICCID_RE = /^(\d{18,20})F*$/i;

/** Validates ICCID digits, dropping `F` padding; undefined if not an ICCID. */
export function normaliseIccid(text: string): string | undefined {
  const m = ICCID_RE.exec(text.trim());
  return m ? m[1] : undefined;
}

/** Prefixes of the ICCID answers modules use. */
export const ICCID_PREFIXES = ['+QCCID', '+ICCID', '%XICCID', '+CCID', '#CCID', 'ICCID'] as const;

/**
 * ICCID from a vendor answer: `+QCCID: 8988...`, `+ICCID: ...`, `%XICCID: ...F`, `+CCID: "..."`,
 * or a bare line of digits. F padding removed.
 */
export function parseIccidLine(line: string, prefix?: string): string {
  let rest: string | undefined;
  if (prefix !== undefined) rest = matchPrefix(line, prefix);
  else for (const p of ICCID_PREFIXES) if ((rest = matchPrefix(line, p)) !== undefined) break;
  const value = unquote((rest ?? line).trim());
  const iccid = normaliseIccid(value);
  if (iccid === undefined) throw badResponse(line, 'no ICCID in answer');
  return iccid;
}

/** Decodes EF_ICCID (10 bytes, BCD with swapped nibbles, F padding) to its digits. */
export function decodeIccidEf(ef: Uint8Array): string {
  let digits = '';
  for (const b of ef) digits += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  const iccid = normaliseIccid(digits.toUpperCase());
  if (iccid === undefined) {
    throw new LpaError('AT_BAD_RESPONSE', `EF_ICCID does not hold an ICCID: ${digits.toUpperCase()}`);
  }
  return iccid;
}

/** CME numbers the driver acts on. */
export const CME = {
  OPERATION_NOT_ALLOWED: 3,
  OPERATION_NOT_SUPPORTED: 4,
  SIM_NOT_INSERTED: 10,
  SIM_FAILURE: 13,
  SIM_BUSY: 14,
  SIM_WRONG: 15,
  UNKNOWN: 100,
} as const;

const CME_TEXTS: Record<string, number> = {
  'operation not allowed': 3,
  'operation not supported': 4,
  'sim not inserted': 10,
  'sim failure': 13,
  'sim busy': 14,
  'sim wrong': 15,
  unknown: 100,
};

/** The CME number of a numeric or verbose (`AT+CMEE=2`) error; undefined for other texts. */
export function cmeNumber(code: number | string | undefined): number | undefined {
  if (typeof code === 'number') return code;
  if (code === undefined) return undefined;
  return CME_TEXTS[code.trim().toLowerCase()];
}
