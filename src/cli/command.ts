import type { OptionSpecs, OptionValues } from './args.js';
import type { Output } from './output.js';
import type { Globals } from './globals.js';

export interface CommandContext {
  globals: Globals;
  options: OptionValues;
  positionals: string[];
  out: Output;
  /** Aborted on SIGINT, SIGTERM or SIGHUP: long steps stop at the next safe point. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line after "lpa-agent [global options] ", e.g. "enable <iccid> [--no-notify]". */
  usage: string;
  options: OptionSpecs;
  /** Most words after the command (default 0): more is a usage error before anything runs. */
  maxPositionals?: number;
  /** Runs until stopped (serve-*): a signal is the normal way to end it, exit 0. */
  server?: boolean;
  /** Longer help text (examples), optional. */
  help?: string;
  run(ctx: CommandContext): Promise<void>;
}
