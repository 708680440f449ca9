import { LpaError } from '../errors.js';

/** One option of a command or of the global set. */
export interface OptionSpec {
  /** 'boolean' flags take no value (and accept `--no-<name>`); 'string' options take one. */
  type: 'boolean' | 'string';
  /** May be given several times; the value is then a string array. */
  multiple?: boolean;
  /** Placeholder shown in help, e.g. "<file>". */
  arg?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  options: OptionValues;
  positionals: string[];
}

/**
 * Parses argv against a set of option specs. Options may stand anywhere (before or after the command
 * words); `--name value`, `--name=value`, `--flag`, `--no-flag`, and `--` ends options. Unknown options
 * and missing values are USAGE errors naming the option.
 */
export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const options: OptionValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
        const long = Object.hasOwn(SHORT, arg) ? SHORT[arg] : undefined;
        if (!long) throw new LpaError('USAGE', `unknown option ${arg} (see --help)`);
        i = take(argv, i, long, undefined, specs, options);
        continue;
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    i = take(argv, i, name, inline, specs, options);
  }
  return { options, positionals };
}

const SHORT: Record<string, string> = { '-h': 'help', '-V': 'version', '-v': 'verbose', '-q': 'quiet' };

function take(
  argv: readonly string[],
  i: number,
  name: string,
  inline: string | undefined,
  specs: OptionSpecs,
  options: OptionValues,
): number {
  // own keys only: `--constructor`, `--toString` or `--__proto__` must not find Object.prototype members
  const own = (n: string): OptionSpec | undefined => (Object.hasOwn(specs, n) ? specs[n] : undefined);
  const spec = own(name);
  if (!spec && name.startsWith('no-') && own(name.slice(3))?.type === 'boolean') {
    if (inline !== undefined) throw new LpaError('USAGE', `option --${name} takes no value`);
    setOnce(options, name.slice(3), false);
    return i;
  }
  if (!spec) throw new LpaError('USAGE', `unknown option --${name} (see --help)`, { option: name });
  if (spec.type === 'boolean') {
    if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new LpaError('USAGE', `option --${name} takes no value`);
    setOnce(options, name, inline === undefined ? true : inline === 'true');
    return i;
  }
  let value = inline;
  if (value === undefined) {
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('--') && next.length > 2)) {
      throw new LpaError('USAGE', `option --${name} needs a value ${spec.arg ?? ''}`.trimEnd());
    }
    value = next;
    i++;
  }
  if (spec.multiple) {
    const prev = options[name];
    options[name] = Array.isArray(prev) ? [...prev, value] : [value];
  } else {
    setOnce(options, name, value);
  }
  return i;
}

/**
 * Sets a single-valued option. Given twice with the same value is harmless; with different values
 * (`--device a --device b`, `--enable --no-enable`) the user meant one of them: a usage error, never
 * a silent choice of the last.
 */
function setOnce(options: OptionValues, name: string, value: string | boolean): void {
  const prev = options[name];
  if (prev !== undefined && prev !== value) {
    const shown = (v: unknown) => (typeof v === 'boolean' ? `--${v ? '' : 'no-'}${name}` : JSON.stringify(v));
    throw new LpaError('USAGE', `option --${name} given twice with different values (${shown(prev)} and ${shown(value)}): give it once`, { option: name });
  }
  options[name] = value;
}

export function str(options: OptionValues, name: string): string | undefined {
  const v = options[name];
  return typeof v === 'string' ? v : undefined;
}

export function bool(options: OptionValues, name: string): boolean | undefined {
  const v = options[name];
  return typeof v === 'boolean' ? v : undefined;
}

export function list(options: OptionValues, name: string): string[] {
  const v = options[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** Parses a non-negative integer option; USAGE error naming the option otherwise. */
export function intOption(options: OptionValues, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = str(options, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new LpaError('USAGE', `option --${name} must be a whole number, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new LpaError('USAGE', `option --${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Formats specs for --help. */
export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.arg ? ` ${s.arg}` : ''}`;
    return [left, s.description + (s.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n');
}
