import { checkConfigFiles, usedBy } from '../agent/config.js';
import { LpaError, toLpaError } from '../errors.js';
import { VERSION } from '../version.cjs';
import { formatOptions, parseArgs, type OptionSpecs, type OptionValues } from './args.js';
import type { Command } from './command.js';
import { commandsUsing, GLOBAL_OPTIONS, KEY_OPTIONS, optionsFor, readGlobals } from './globals.js';
import { Output, stdWriters, type OutputOptions } from './output.js';
import { COMMANDS, COMMAND_SUMMARIES } from './registry.js';
import { dropTlsRejectVariable, ignoredTlsRejectNote } from './tlsEnv.js';
import { TraceLog } from './trace.js';

/** Options that take a value, wherever they belong (so their values are not taken for the command word). */
const VALUE_OPTIONS = new Map(Object.entries({ ...GLOBAL_OPTIONS, ...KEY_OPTIONS }).filter(([, s]) => s.type === 'string'));

/**
 * Finds the command word: the first argument that is neither an option nor the value of a known
 * option, preferring a known command name (so `--smdp host download` finds `download`). When the
 * only command name stands where an option's value belongs (`--config eid`), the value is what is
 * missing: a usage error naming the option, not "no command given".
 */
function findCommand(argv: readonly string[]): { name?: string; index: number } {
  let first: { name: string; index: number } | undefined;
  let commandAsValue: { option: string; word: string } | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-') && a.length > 1) {
      const name = a.replace(/^--?/, '').split('=')[0]!;
      if (VALUE_OPTIONS.has(name) && a.startsWith('--') && !a.includes('=')) {
        const value = argv[i + 1];
        if (value !== undefined && Object.hasOwn(COMMANDS, value)) commandAsValue ??= { option: name, word: value };
        i++;
      }
      continue;
    }
    if (Object.hasOwn(COMMANDS, a)) return { name: a, index: i };
    first ??= { name: a, index: i };
  }
  if (commandAsValue !== undefined) {
    const { option, word } = commandAsValue;
    const arg = VALUE_OPTIONS.get(option)?.arg;
    throw new LpaError('USAGE', `option --${option} needs a value${arg ? ` ${arg}` : ''} ("${word}" is the command, not its value)`, { option });
  }
  return first ?? { index: -1 };
}

function mainHelp(): string {
  const names = Object.keys(COMMAND_SUMMARIES);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `lpa-agent ${VERSION} — puts an eSIM profile on a cellular module's eUICC (GSMA SGP.22 LPA over AT, QMI, MBIM or PC/SC)`,
    '',
    'Usage: lpa-agent [global options] <command> [command options]   (options may also follow the command)',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}${COMMAND_SUMMARIES[n]}`),
    '',
    'Global options (each also from LPA_AGENT_* variables and the config file; see docs/configuration.md):',
    formatOptions(GLOBAL_OPTIONS),
    '',
    'Run "lpa-agent <command> --help" for a command\'s options. Exit codes: 0 ok, 1 internal, 2 usage,',
    '3 configuration, 4 module/port, 5 eUICC, 6 SM-DP+/TLS, 7 cloud, 8 agent (lock, journal, interrupted).',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const own = optionsFor(cmd.name, cmd.options);
  const specific: OptionSpecs = Object.fromEntries(Object.entries(own).filter(([n]) => !(n in GLOBAL_OPTIONS)));
  const lines = [`Usage: lpa-agent [global options] ${cmd.usage}`, '', cmd.summary];
  if (Object.keys(specific).length > 0) lines.push('', 'Options:', formatOptions(specific));
  if (cmd.help) lines.push('', cmd.help.trimEnd());
  lines.push('', 'Global options: see "lpa-agent --help".');
  return lines.join('\n');
}

/** Parses the command line of `cmd`; an option of another command says whose it is. */
function parseFor(cmd: Command, rest: string[]): { options: OptionValues; positionals: string[] } {
  const specs = optionsFor(cmd.name, cmd.options);
  try {
    return parseArgs(rest, specs);
  } catch (e) {
    const option = e instanceof LpaError ? e.details.option : undefined;
    // an option this command does not take, which another one does
    const owners = typeof option === 'string' && !Object.hasOwn(specs, option) ? commandsUsing(option) : [];
    if (owners.length > 0) throw new LpaError('USAGE', `option --${String(option)} is not used by ${cmd.name} (it is an option of ${owners.join(', ')})`, { option });
    throw e;
  }
}

/** The step whose interruption would lose the profile: the eUICC is loading it. */
const UNSTOPPABLE_STEP = 'loadBoundProfilePackage';

export async function main(argv: readonly string[]): Promise<number> {
  stdWriters(); // from here on a closed stdout/stderr (EPIPE, EIO) never kills the agent
  // before anything connects: NODE_TLS_REJECT_UNAUTHORIZED changes nothing here, and Node's warning
  // about it would say the opposite (tlsEnv.ts)
  dropTlsRejectVariable();
  const outputs = argv.flatMap((a, i) => (a === '--output' ? [argv[i + 1] ?? ''] : a.startsWith('--output=') ? [a.slice('--output='.length)] : []));
  const wantsJson = outputs.length > 0 ? outputs.every((o) => o === 'json' || o === 'lpac') : argv.includes('--json');
  let out = new Output(wantsJson ? 'json' : 'human', '');
  try {
    const { name, index } = findCommand(argv);
    out = new Output(wantsJson ? 'json' : 'human', name ?? '');
    if (name === undefined) {
      const { options } = parseArgs(argv, GLOBAL_OPTIONS);
      if (options.version) {
        stdWriters().stdout.write(`${VERSION}\n`);
        return 0;
      }
      if (options.help) {
        stdWriters().stdout.write(`${mainHelp()}\n`);
        return 0;
      }
      throw new LpaError('USAGE', 'no command given; run "lpa-agent --help" for the list');
    }
    // own keys only: `lpa-agent constructor` must not find Object.prototype.constructor
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!load) throw new LpaError('USAGE', `unknown command "${name}"; run "lpa-agent --help" for the list`);
    const cmd = (await load()).default;
    const { options, positionals } = parseFor(cmd, [...argv.slice(0, index), ...argv.slice(index + 1)]);
    if (options.help) {
      stdWriters().stdout.write(`${commandHelp(cmd)}\n`);
      return 0;
    }
    if (options.version) {
      stdWriters().stdout.write(`${VERSION}\n`);
      return 0;
    }
    const max = cmd.maxPositionals ?? 0;
    if (positionals.length > max) {
      const extra = positionals.slice(max).map((p) => JSON.stringify(p)).join(' ');
      throw new LpaError('USAGE', `${name} takes ${max === 0 ? 'no arguments' : `at most ${max} argument(s)`}; unexpected ${extra} (usage: ${cmd.usage})`);
    }
    // the command's own options are not configuration (serve-cloud's --auth-token is the double's, not a secret of ours)
    const configOptions = Object.fromEntries(Object.entries(options).filter(([n]) => !Object.hasOwn(cmd.options, n)));
    const globals = readGlobals(name, configOptions);
    const outOptions: OutputOptions = { quiet: globals.quiet, verbose: globals.verbose, timestamps: process.stderr.isTTY !== true };
    out =
      globals.output === 'lpac'
        ? new (await import('./lpac.js')).LpacOutput(name, undefined, undefined, outOptions)
        : new Output(globals.json ? 'json' : 'human', name, undefined, undefined, outOptions);
    const tlsNote = ignoredTlsRejectNote();
    if (tlsNote) out.debug(tlsNote);
    checkConfigFiles(globals.config);
    const traceLog = usedBy('trace', name) ? TraceLog.open(globals.config) : undefined;
    if (traceLog) globals.traceLog = traceLog;

    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => {
      if (!controller.signal.aborted) {
        if (!cmd.server) {
          out.notice(
            out.step === UNSTOPPABLE_STEP
              ? 'interrupt received: finishing the profile load, then stopping'
              : `interrupt received (${sig}): stopping after the current step`,
            { signal: sig },
          );
        }
        controller.abort(new LpaError('INTERRUPTED', `interrupted by ${sig}`, { signal: sig }));
        return;
      }
      if (sig === 'SIGHUP') return; // a dropped session, not someone insisting
      if (out.step === UNSTOPPABLE_STEP && !cmd.server) {
        out.notice('interrupt received again: the profile load cannot be stopped safely and ends in a moment (SIGKILL forces it and may lose the profile)');
        return;
      }
      process.exit(130);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    try {
      await cmd.run({ globals, options, positionals, out, signal: controller.signal });
    } finally {
      for (const s of signals) process.off(s, onSignal);
    }
    return 0;
  } catch (e) {
    const err = toLpaError(e);
    out.error(err);
    if (err.code === 'INTERNAL' && process.env.LPA_AGENT_DEBUG) stdWriters().stderr.write(`${(e as Error)?.stack ?? e}\n`);
    return err.exitCode;
  }
}
