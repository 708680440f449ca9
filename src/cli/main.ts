import { LpaError, toLpaError } from '../errors.js';
import { VERSION } from '../version.js';
import { formatOptions, parseArgs, type OptionSpecs } from './args.js';
import type { Command } from './command.js';
import { GLOBAL_OPTIONS, readGlobals } from './globals.js';
import { Output } from './output.js';
import { COMMANDS, COMMAND_SUMMARIES } from './registry.js';

/** Finds the command word: the first argument that is neither an option nor a global option's value. */
function findCommand(argv: readonly string[]): { name?: string; index: number } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { index: -1 };
    if (a.startsWith('-')) {
      const name = a.replace(/^--?/, '').split('=')[0]!;
      const spec = Object.hasOwn(GLOBAL_OPTIONS, name) ? GLOBAL_OPTIONS[name] : undefined;
      if (spec?.type === 'string' && !a.includes('=')) i++;
      continue;
    }
    return { name: a, index: i };
  }
  return { index: -1 };
}

function mainHelp(): string {
  const names = Object.keys(COMMAND_SUMMARIES);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `lpa-agent ${VERSION} — puts an eSIM profile on a cellular module's eUICC (GSMA SGP.22 LPA over AT)`,
    '',
    'Usage: lpa-agent [global options] <command> [command options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}${COMMAND_SUMMARIES[n]}`),
    '',
    'Global options:',
    formatOptions(GLOBAL_OPTIONS),
    '',
    'Run "lpa-agent <command> --help" for a command\'s options. Exit codes: 0 ok, 1 internal, 2 usage,',
    '3 configuration, 4 module/port, 5 eUICC, 6 SM-DP+/TLS, 7 cloud, 8 agent (lock, journal, interrupted).',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const lines = [`Usage: lpa-agent [global options] ${cmd.usage}`, '', cmd.summary];
  if (Object.keys(cmd.options).length > 0) lines.push('', 'Options:', formatOptions(cmd.options));
  if (cmd.help) lines.push('', cmd.help.trimEnd());
  lines.push('', 'Global options: see "lpa-agent --help".');
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const { name, index } = findCommand(argv);
  const wantsJson = argv.includes('--json') || argv.some((a, i) => (a === '--output' && /^(json|lpac)$/.test(argv[i + 1] ?? '')) || /^--output=(json|lpac)$/.test(a));
  let out = new Output(wantsJson ? 'json' : 'human', name ?? '');
  try {
    if (name === undefined) {
      const { options } = parseArgs(argv, GLOBAL_OPTIONS);
      if (options.version) {
        process.stdout.write(`${VERSION}\n`);
        return 0;
      }
      if (options.help) {
        process.stdout.write(`${mainHelp()}\n`);
        return 0;
      }
      throw new LpaError('USAGE', 'no command given; run "lpa-agent --help" for the list');
    }
    // own keys only: `lpa-agent constructor` must not find Object.prototype.constructor
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!load) throw new LpaError('USAGE', `unknown command "${name}"; run "lpa-agent --help" for the list`);
    const cmd = (await load()).default;
    const specs: OptionSpecs = { ...GLOBAL_OPTIONS, ...cmd.options };
    const rest = [...argv.slice(0, index), ...argv.slice(index + 1)];
    const { options, positionals } = parseArgs(rest, specs);
    if (options.help) {
      process.stdout.write(`${commandHelp(cmd)}\n`);
      return 0;
    }
    if (options.version) {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const globals = readGlobals(options);
    out = globals.output === 'lpac' ? new (await import('./lpac.js')).LpacOutput(name) : new Output(globals.json ? 'json' : 'human', name);
    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort(new LpaError('INTERRUPTED', `interrupted by ${sig}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await cmd.run({ globals, options, positionals, out, signal: controller.signal });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  } catch (e) {
    const err = toLpaError(e);
    out.error(err);
    if (err.code === 'INTERNAL' && process.env.LPA_AGENT_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    return err.exitCode;
  }
}
