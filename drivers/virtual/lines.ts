/**
 * Byte-level input of the virtual module: splits what the host writes into command lines.
 * A line ends at `\r` (S3) or `\n`; `\r\n` therefore ends one line and leaves an empty one, which
 * is ignored. Lines longer than `maxLine` are dropped (the caller answers ERROR) so a stream of
 * garbage cannot grow memory.
 */
export const MAX_LINE = 4096;

export type LineEvent = { line: string } | { overflow: true };

export class LineSplitter {
  private buf = '';
  private overflowing = false;

  constructor(private readonly maxLine = MAX_LINE) {}

  /** Feeds bytes; returns the complete lines (and overflow markers) they finish. */
  push(bytes: Uint8Array): LineEvent[] {
    const out: LineEvent[] = [];
    // latin1: one char per byte, never throws on invalid UTF-8
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    for (const ch of text) {
      if (ch === '\r' || ch === '\n') {
        if (this.overflowing) out.push({ overflow: true });
        else if (this.buf.trim().length > 0) out.push({ line: this.buf.trim() });
        this.buf = '';
        this.overflowing = false;
        continue;
      }
      if (ch === '\b' || ch === '\x7f') {
        this.buf = this.buf.slice(0, -1);
        continue;
      }
      if (this.overflowing) continue;
      if (this.buf.length >= this.maxLine) {
        this.overflowing = true;
        this.buf = '';
        continue;
      }
      this.buf += ch;
    }
    return out;
  }

  reset(): void {
    this.buf = '';
    this.overflowing = false;
  }
}

/** One command of an AT line: `+CGLA=1,10,"..."` -> { name: '+CGLA', kind: 'set', args: [...] }. */
export interface AtCommand {
  /** Upper-case name: '+CGLA', '%XICCID', 'E', 'I', 'Z', ... */
  name: string;
  kind: 'exec' | 'set' | 'read' | 'test';
  /** Raw argument text after `=` (quotes kept). */
  argText: string;
  /** Parsed arguments; quoted ones without quotes. */
  args: AtArg[];
}

export interface AtArg {
  value: string;
  quoted: boolean;
}

/** Splits the argument list on commas outside quotes; undefined if a quote is unterminated. */
export function parseArgs(text: string): AtArg[] | undefined {
  if (text.trim() === '') return [];
  const args: AtArg[] = [];
  const push = (raw: string): void => {
    const first = raw.indexOf('"');
    if (first < 0) args.push({ value: raw.trim(), quoted: false });
    else args.push({ value: raw.slice(first + 1, raw.lastIndexOf('"')), quoted: true });
  };
  let cur = '';
  let inQuote = false;
  for (const ch of text) {
    if (ch === '"') inQuote = !inQuote;
    if (ch === ',' && !inQuote) {
      push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (inQuote) return undefined;
  push(cur);
  return args;
}

const BASIC_RE = /^(&[A-Z]|[A-Z])(\d*)/;

/**
 * Parses one AT line into its commands, or undefined if it is not an AT command line.
 * Extended commands (`+`, `%`, `#`, `*`, `$`, `^`, `!` prefixes) are separated by `;`;
 * basic commands (`E0`, `V1`, `Z`, `I`, `&F`) may be chained (`ATE0V1`).
 */
export function parseLine(line: string): AtCommand[] | undefined {
  if (!/^AT/i.test(line)) return undefined;
  const body = line.slice(2);
  const cmds: AtCommand[] = [];
  for (const part of splitSemicolons(body)) {
    let rest = part.trim();
    // basic commands first (`E0V1`), then at most one extended command (`ATE0+CMEE=1`)
    while (rest.length > 0) {
      if (/^[+%#*$^!]/.test(rest)) {
        const ext = parseExtended(rest);
        if (!ext) return undefined;
        cmds.push(ext);
        break;
      }
      const m = BASIC_RE.exec(rest.toUpperCase());
      if (!m) return undefined;
      let kind: AtCommand['kind'] = m[2] === '' ? 'exec' : 'set';
      let consumed = m[0].length;
      if (rest[consumed] === '?') {
        kind = 'read';
        consumed++;
      }
      cmds.push({ name: m[1]!, kind, argText: m[2]!, args: m[2] === '' ? [] : [{ value: m[2]!, quoted: false }] });
      rest = rest.slice(consumed).trimStart();
    }
  }
  return cmds;
}

function parseExtended(p: string): AtCommand | undefined {
  const m = /^([+%#*$^!][A-Za-z0-9]+)(.*)$/s.exec(p);
  if (!m) return undefined;
  const name = m[1]!.toUpperCase();
  const rest = m[2]!;
  let kind: AtCommand['kind'];
  let argText = '';
  if (rest === '') kind = 'exec';
  else if (rest === '?') kind = 'read';
  else if (rest === '=?') kind = 'test';
  else if (rest.startsWith('=')) {
    kind = 'set';
    argText = rest.slice(1);
  } else return undefined;
  const args = parseArgs(argText);
  return args ? { name, kind, argText, args } : undefined;
}

function splitSemicolons(body: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let inQuote = false;
  for (const ch of body) {
    if (ch === '"') inQuote = !inQuote;
    if (ch === ';' && !inQuote) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}
