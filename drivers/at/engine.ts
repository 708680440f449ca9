/**
 * AT command engine: one command in flight at a time, a deadline on every command, echo and URCs
 * sorted out from answers.
 *
 * A line is an answer only if it carries the prefix the caller expects (or, for commands whose
 * answer has no prefix such as ATI or a bare +CCHO id, if the caller accepts it and it is not a
 * known URC). Everything else seen during a command, and every line outside one, is emitted as
 * 'urc'. After a timeout the engine resynchronises before the next command (AT+CMEE? and waits
 * for its own +CMEE: answer) so a late OK of the old command never completes a new one.
 *
 * Events: 'urc' (line: string), 'close' (reason: LpaError).
 */
import { EventEmitter } from 'node:events';
import { LpaError } from '../../src/errors.js';
import { matchPrefix, parseFinal, quoteLine, type FinalResult } from './lines.js';
import type { AtLinePort } from './port.js';
import type { AtTraceSink } from './trace.js';
import { GENERIC_URC_PREFIXES, lineStartsWithAny } from './vendors.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Most answer lines one command may collect: bounds a module that never ends its answer. */
const MAX_ANSWER_LINES = 256;
/** Longest command line accepted (a 261-byte APDU over +CGLA needs ~545). */
const MAX_COMMAND_CHARS = 2048;

export interface AtCommandOptions {
  /** Deadline in ms for the final result (default 10 s). */
  timeoutMs?: number;
  /** Prefix(es) of answer lines without the colon, e.g. '+CGLA'. */
  prefix?: string | readonly string[];
  /** Accept lines without a prefix as answers (all non-URC lines, or those the test passes). */
  bare?: boolean | ((line: string) => boolean);
}

export interface AtResult {
  /** Intermediate answer lines, in order, without echo and URCs. */
  lines: string[];
}

export interface AtEngineOptions {
  defaultTimeoutMs?: number;
  trace?: AtTraceSink;
  /** URC prefixes (default: the generic 27.007 list); see setUrcPrefixes. */
  urcPrefixes?: readonly string[];
  /** Deadline for the resynchronisation after a timeout (default 3 s). */
  resyncTimeoutMs?: number;
}

export interface AtEngineStats {
  commands: number;
  bytesToModule: number;
  bytesFromModule: number;
  urcs: number;
}

interface Job {
  command: string;
  prefixes: string[];
  bare: boolean | ((line: string) => boolean);
  timeoutMs: number;
  /** Resync job: finals are ignored until an answer line was seen. */
  needsAnswer: boolean;
  lines: string[];
  resolve: (r: AtResult) => void;
  reject: (e: LpaError) => void;
  timer?: NodeJS.Timeout;
}

/** Short form of a command for messages: `AT+CGLA=1,522,"80E2...` cut at 48 characters. */
export function commandSummary(command: string): string {
  return command.length > 48 ? `${command.slice(0, 48)}...` : command;
}

/** Name of a command for details, e.g. `+CGLA` of `AT+CGLA=1,...`. */
function commandName(command: string): string {
  const m = /^AT([+%#*!$^][A-Z0-9]+|[A-Z&]\d*)/i.exec(command);
  return m ? m[1]!.toUpperCase() : command.slice(0, 16);
}

/** True if `line` is the command's echo or a stray fragment of it. */
export function isEcho(line: string, command: string): boolean {
  const l = line.trim().toUpperCase();
  const c = command.toUpperCase();
  if (l === c) return true;
  if (l.startsWith('AT') && c.startsWith(l)) return true;
  return l.length >= 4 && c.includes(l);
}

export function finalToError(final: FinalResult, command: string): LpaError | undefined {
  const cmd = commandSummary(command);
  const details = { command: commandName(command) };
  switch (final.kind) {
    case 'ok':
      return undefined;
    case 'error':
      return new LpaError('AT_ERROR', `module answered ERROR to ${cmd}`, details);
    case 'cme':
      return new LpaError('AT_CME_ERROR', `module answered +CME ERROR: ${final.code} to ${cmd}`, { ...details, cme: final.code });
    case 'cms':
      return new LpaError('AT_CMS_ERROR', `module answered +CMS ERROR: ${final.code} to ${cmd}`, { ...details, cms: final.code });
    case 'not_supported':
      return new LpaError('AT_NOT_SUPPORTED', `module does not support ${cmd} (COMMAND NOT SUPPORT)`, details);
  }
}

export class AtEngine extends EventEmitter {
  private readonly port: AtLinePort;
  private readonly trace: AtTraceSink | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly resyncTimeoutMs: number;
  private urcPrefixes: readonly string[];
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private closedReason: LpaError | undefined;
  private desync = false;
  private commands = 0;
  private urcs = 0;

  constructor(port: AtLinePort, options: AtEngineOptions = {}) {
    super();
    this.port = port;
    this.trace = options.trace;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.resyncTimeoutMs = options.resyncTimeoutMs ?? 3000;
    this.urcPrefixes = options.urcPrefixes ?? GENERIC_URC_PREFIXES;
    port.on('line', (line: string) => this.onLine(line));
    port.on('noise', (e: LpaError) => this.onNoise(e));
    port.on('close', (reason: LpaError | undefined) => this.onClose(reason));
    if (!port.isOpen) this.closedReason = new LpaError('PORT_CLOSED', 'serial port is not open');
  }

  /** Replaces the URC prefix list (generic + vendor's), e.g. after vendor detection. */
  setUrcPrefixes(prefixes: readonly string[]): void {
    this.urcPrefixes = prefixes;
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  stats(): AtEngineStats {
    return { commands: this.commands, bytesToModule: this.port.bytesWritten, bytesFromModule: this.port.bytesRead, urcs: this.urcs };
  }

  /**
   * Sends `command` (without CR) and resolves with its answer lines once OK arrives. Rejects with
   * AT_ERROR, AT_CME_ERROR, AT_CMS_ERROR, AT_NOT_SUPPORTED, AT_TIMEOUT, AT_BAD_RESPONSE or
   * PORT_CLOSED. Commands queue; one is on the wire at a time.
   */
  send(command: string, options: AtCommandOptions = {}): Promise<AtResult> {
    if (/[\r\n]/.test(command) || command.length === 0 || command.length > MAX_COMMAND_CHARS) {
      return Promise.reject(new LpaError('INTERNAL', `refusing to send malformed AT command ${quoteLine(command)}`));
    }
    if (this.closedReason) return Promise.reject(this.closedError(command));
    const prefixes = options.prefix === undefined ? [] : typeof options.prefix === 'string' ? [options.prefix] : [...options.prefix];
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<AtResult>((resolve, reject) => {
      this.queue.push({ command, prefixes, bare: options.bare ?? false, timeoutMs, needsAnswer: false, lines: [], resolve, reject });
      this.pump();
    });
  }

  /** Fails what is pending with PORT_CLOSED, closes the port and the trace. */
  async close(): Promise<void> {
    if (!this.closedReason) this.onClose(new LpaError('PORT_CLOSED', 'AT engine closed'));
    await this.port.close().catch(() => undefined);
    await this.trace?.close();
  }

  private closedError(command: string): LpaError {
    const reason = this.closedReason!;
    return new LpaError('PORT_CLOSED', `${reason.message} (while sending ${commandSummary(command)})`, reason.details, { cause: reason });
  }

  private pump(): void {
    if (this.current || this.closedReason) return;
    const next = this.queue.shift();
    if (!next) return;
    if (this.desync) {
      // put the caller's command back and first make sure no late answer is still coming
      this.queue.unshift(next);
      this.start(this.resyncJob());
      return;
    }
    this.start(next);
  }

  private resyncJob(): Job {
    const done = (): void => {
      // whatever happened, do not block the caller's command on a second resync
      this.desync = false;
    };
    return {
      command: 'AT+CMEE?',
      prefixes: ['+CMEE'],
      bare: false,
      timeoutMs: this.resyncTimeoutMs,
      needsAnswer: true,
      lines: [],
      resolve: done,
      reject: done,
    };
  }

  private start(job: Job): void {
    this.current = job;
    this.commands++;
    job.timer = setTimeout(() => this.onTimeout(job), job.timeoutMs);
    this.trace?.write('>>', job.command);
    this.port.write(`${job.command}\r`).catch((e: unknown) => {
      if (this.current === job) this.finish(job, e instanceof LpaError ? e : new LpaError('PORT_CLOSED', String(e), {}, { cause: e }));
    });
  }

  private finish(job: Job, error?: LpaError): void {
    if (this.current !== job) return;
    clearTimeout(job.timer);
    this.current = undefined;
    if (error) job.reject(error);
    else job.resolve({ lines: job.lines });
    this.pump();
  }

  private onTimeout(job: Job): void {
    if (this.current !== job) return;
    this.desync = true;
    this.finish(
      job,
      new LpaError('AT_TIMEOUT', `no answer from the module to ${commandSummary(job.command)} within ${job.timeoutMs} ms`, {
        command: commandName(job.command),
        timeoutMs: job.timeoutMs,
      }),
    );
  }

  private onNoise(e: LpaError): void {
    this.trace?.write('<<', `(dropped: ${e.message})`);
    const job = this.current;
    if (job) {
      this.desync = true;
      this.finish(job, e);
    }
  }

  private onClose(reason: LpaError | undefined): void {
    if (this.closedReason) return;
    this.closedReason = reason ?? new LpaError('PORT_CLOSED', 'serial port closed');
    const pending = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    if (this.current) clearTimeout(this.current.timer);
    this.current = undefined;
    for (const job of pending) job.reject(this.closedError(job.command));
    this.emitSafe('close', this.closedReason);
  }

  private isUrc(line: string): boolean {
    return lineStartsWithAny(line, this.urcPrefixes);
  }

  private emitUrc(line: string): void {
    this.urcs++;
    this.trace?.write('!!', line);
    this.emitSafe('urc', line);
  }

  private emitSafe(event: string, arg: unknown): void {
    try {
      this.emit(event, arg);
    } catch {
      // a listener's bug must not break the engine's state machine
    }
  }

  private onLine(line: string): void {
    const job = this.current;
    if (!job) {
      if (parseFinal(line)) {
        this.trace?.write('<<', `${line} (late, ignored)`);
        return;
      }
      this.emitUrc(line);
      return;
    }
    const final = parseFinal(line);
    if (final) {
      if (job.needsAnswer && job.lines.length === 0) {
        this.trace?.write('<<', `${line} (stale, ignored)`);
        return;
      }
      this.trace?.write('<<', line);
      this.finish(job, finalToError(final, job.command));
      return;
    }
    if (job.prefixes.some((p) => matchPrefix(line, p) !== undefined)) {
      this.addAnswer(job, line);
      return;
    }
    if (isEcho(line, job.command)) {
      this.trace?.write('<<', line);
      return;
    }
    if (this.isUrc(line)) {
      this.emitUrc(line);
      return;
    }
    if (job.needsAnswer) {
      this.trace?.write('<<', `${line} (stale, ignored)`);
      return;
    }
    const bare = typeof job.bare === 'function' ? job.bare(line) : job.bare;
    if (bare) {
      this.addAnswer(job, line);
      return;
    }
    this.emitUrc(line);
  }

  private addAnswer(job: Job, line: string): void {
    this.trace?.write('<<', line);
    job.lines.push(line);
    if (job.lines.length > MAX_ANSWER_LINES) {
      this.desync = true;
      this.finish(job, new LpaError('AT_BAD_RESPONSE', `module sent more than ${MAX_ANSWER_LINES} answer lines to ${commandSummary(job.command)}`));
    }
  }
}
