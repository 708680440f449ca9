import type { LpaError } from '../errors.js';
import { printable, printableLine } from '../util/text.js';

export type OutputMode = 'human' | 'json';

export interface Writer {
  write(text: string): unknown;
}

export interface OutputOptions {
  /** No progress lines (human mode): only the result, notices and errors. */
  quiet?: boolean;
  /** Also show debug lines (each ES9+ and cloud request). */
  verbose?: boolean;
  /** Prefix progress, notice and debug lines with an ISO time (for journald and log files). */
  timestamps?: boolean;
}

/**
 * A writer that never throws and never kills the agent: once its stream failed (EPIPE from a
 * closed pipe, EIO from a dropped terminal) or was destroyed, further output is dropped. Losing
 * output must not lose a profile: the job goes on and the exit code tells the outcome.
 */
export class SafeWriter implements Writer {
  private broken = false;

  constructor(private readonly stream: NodeJS.WritableStream & { destroyed?: boolean; writable?: boolean }) {
    stream.on('error', () => {
      this.broken = true;
    });
  }

  get closed(): boolean {
    return this.broken || this.stream.destroyed === true || this.stream.writable === false;
  }

  write(text: string): boolean {
    if (this.closed) return false;
    try {
      this.stream.write(text);
      return true;
    } catch {
      this.broken = true;
      return false;
    }
  }
}

let stdoutWriter: SafeWriter | undefined;
let stderrWriter: SafeWriter | undefined;

/** The process's stdout and stderr as SafeWriters (one each, created on first use). */
export function stdWriters(): { stdout: SafeWriter; stderr: SafeWriter } {
  stdoutWriter ??= new SafeWriter(process.stdout);
  stderrWriter ??= new SafeWriter(process.stderr);
  return { stdout: stdoutWriter, stderr: stderrWriter };
}

/**
 * Everything a command shows goes through here.
 * - human: progress lines on stderr ("==> message", with a time prefix when not on a terminal),
 *   the result as text on stdout, errors as one line "lpa-agent: <message>" on stderr;
 * - json: one JSON object per line on stdout: `{"type":"progress",...}` events, then exactly one
 *   `{"type":"result","ok":true,"command":...,"data":...}` or `{"type":"result","ok":false,"error":{...}}`.
 */
export class Output {
  private done = false;
  private currentStep: string | undefined;
  protected readonly opts: OutputOptions;

  constructor(
    readonly mode: OutputMode,
    readonly command: string,
    private readonly stdout: Writer = stdWriters().stdout,
    private readonly stderr: Writer = stdWriters().stderr,
    options: OutputOptions = {},
  ) {
    this.opts = options;
  }

  get json(): boolean {
    return this.mode === 'json';
  }

  /** The step of the last progress event (what the agent is doing now). */
  get step(): string | undefined {
    return this.currentStep;
  }

  protected noteStep(step: string): void {
    this.currentStep = step;
  }

  private stamp(): string {
    return this.opts.timestamps ? `${new Date().toISOString()} ` : '';
  }

  /** A step of a long operation started or progressed. */
  progress(step: string, message: string, data?: Record<string, unknown>): void {
    this.noteStep(step);
    if (this.mode === 'json') {
      this.line({ type: 'progress', command: this.command, step, message, ...(data ? { data } : {}) });
    } else if (!this.opts.quiet) {
      this.stderr.write(`${this.stamp()}==> ${printableLine(message)}\n`);
    }
  }

  /** A remark for humans (warnings, hints); in JSON mode a "notice" event. */
  notice(message: string, data?: Record<string, unknown>): void {
    if (this.mode === 'json') this.line({ type: 'notice', command: this.command, message, ...(data ? { data } : {}) });
    else this.stderr.write(`${this.stamp()}note: ${printableLine(message)}\n`);
  }

  /** Detail for -v / --verbose only (request lines); on stderr in both modes. */
  debug(message: string): void {
    if (this.opts.verbose) this.stderr.write(`${this.stamp()}debug: ${printableLine(message)}\n`);
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
