import type { LpaError } from '../errors.js';
import { printable, printableLine } from '../util/text.js';

export type OutputMode = 'human' | 'json';

export interface Writer {
  write(text: string): unknown;
}

/**
 * Everything a command shows goes through here.
 * - human: progress lines on stderr ("==> step: message"), the result as text on stdout, errors as
 *   one line "lpa-agent: <message>" on stderr;
 * - json: one JSON object per line on stdout: `{"type":"progress",...}` events, then exactly one
 *   `{"type":"result","ok":true,"command":...,"data":...}` or `{"type":"result","ok":false,"error":{...}}`.
 */
export class Output {
  private done = false;

  constructor(
    readonly mode: OutputMode,
    readonly command: string,
    private readonly stdout: Writer = process.stdout,
    private readonly stderr: Writer = process.stderr,
    private readonly quiet = false,
  ) {}

  get json(): boolean {
    return this.mode === 'json';
  }

  /** A step of a long operation started or progressed. */
  progress(step: string, message: string, data?: Record<string, unknown>): void {
    if (this.mode === 'json') {
      this.line({ type: 'progress', command: this.command, step, message, ...(data ? { data } : {}) });
    } else if (!this.quiet) {
      this.stderr.write(`==> ${printableLine(message)}\n`);
    }
  }

  /** A remark for humans (warnings, hints); in JSON mode a "notice" event. */
  notice(message: string, data?: Record<string, unknown>): void {
    if (this.mode === 'json') this.line({ type: 'notice', command: this.command, message, ...(data ? { data } : {}) });
    else this.stderr.write(`note: ${printableLine(message)}\n`);
  }

  /** The command's result; `human` renders it as text. */
  result(data: unknown, human: string | (() => string)): void {
    if (this.done) return;
    this.done = true;
    if (this.mode === 'json') {
      this.line({ type: 'result', ok: true, command: this.command, data });
    } else {
      const text = printable(typeof human === 'function' ? human() : human);
      if (text) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  error(err: LpaError): void {
    if (this.done) return;
    this.done = true;
    if (this.mode === 'json') {
      this.line({ type: 'result', ok: false, command: this.command, error: err.toJSON() });
    } else {
      this.stderr.write(`lpa-agent: ${printableLine(err.message)}\n`);
    }
  }

  private line(obj: Record<string, unknown>): void {
    this.stdout.write(`${JSON.stringify(obj)}\n`);
  }
}

/** Renders rows as an aligned text table (cells made printable: they may come from the eUICC). */
export function table(headers: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(printableLine));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}
