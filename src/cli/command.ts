import type { OptionSpecs, OptionValues } from './args.js';
import type { Output } from './output.js';
import type { Globals } from './globals.js';

export interface CommandContext {
  globals: Globals;
  options: OptionValues;
  positionals: string[];
  out: Output;
  /** Aborted on SIGINT/SIGTERM: long steps stop cleanly. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line after "lpa-agent [global options] ", e.g. "enable <iccid> [--no-notify]". */
  usage: string;
  options: OptionSpecs;
  /** Longer help text (examples), optional. */
  help?: string;
  run(ctx: CommandContext): Promise<void>;
}
