/**
 * A strict, bounded JSON reader for configuration and credentials files: RFC 8259 JSON, nesting at
 * most MAX_DEPTH, no duplicate keys, objects without a prototype (a "__proto__" key is just a key).
 * Every syntax error names its line and column, which JSON.parse in Node 20 does not always do.
 */
import { LpaError } from '../errors.js';

export const MAX_DEPTH = 32;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Line and column (1-based) of an offset in text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses `text`; syntax errors become CONFIG_INVALID "<what>: invalid JSON at line L column C: ...". */
export function parseJsonStrict(text: string, what: string): JsonValue {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (reason: string, at = i): never => {
    const { line, column } = lineColumn(text, at);
    throw new LpaError('CONFIG_INVALID', `${what}: invalid JSON at line ${line} column ${column}: ${reason}`, { line, column, position: at });
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  const describe = (): string => (i >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text[i])}`);
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) fail('control character in string');
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        i += 2;
      } else {
        fail('bad escape in string');
      }
    }
  };
  const value = (depth: number): JsonValue => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
      i++;
      ws();
      if (c === '[') {
        const arr: JsonValue[] = [];
        if (text[i] === ']') {
          i++;
          return arr;
        }
        for (;;) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') return (i++, arr);
          else fail(`${describe()}, expected "," or "]"`);
        }
      }
      const obj = Object.create(null) as { [key: string]: JsonValue };
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`${describe()}, expected a double-quoted key`);
        const keyAt = i;
        const key = str();
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`key ${JSON.stringify(key)} appears twice`, keyAt);
        ws();
        if (text[i] !== ':') fail(`${describe()}, expected ":"`);
        i++;
        obj[key] = value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return (i++, obj);
        else fail(`${describe()}, expected "," or "}"`);
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (m) {
      i = NUMBER_RE.lastIndex;
      return Number(m[0]);
    }
    return fail(`${describe()}, expected a value`);
  };
  const v = value(0);
  ws();
  if (i < text.length) fail(`${describe()} after the end of the JSON value`);
  return v;
}
