import { CONFIG_FLAG, CONFIG_KEYS, flagName, KEY_SPECS, keyOption, loadConfig, usedBy, whereOf, type AgentConfig } from '../agent/config.js';
import type { ProxySettings } from '../es9p/proxy.js';
import { LpaError } from '../errors.js';
import { bool, str, type OptionSpecs, type OptionValues } from './args.js';
import type { TraceLog } from './trace.js';

/** Global options that are not configuration keys: how to talk, and where the config file is. */
const PLAIN_GLOBALS: OptionSpecs = {
  config: CONFIG_FLAG,
  json: { type: 'boolean', description: 'one JSON object per line, ending with a result object (same as --output json)' },
  output: { type: 'string', arg: 'human|json|lpac', description: 'output format; lpac: the JSON lines of lpac, for tools built on it (docs/lpac-output.md)' },
  verbose: { type: 'boolean', description: 'also show each ES9+ and cloud request (-v)' },
  quiet: { type: 'boolean', description: 'no progress lines: only the result, notes and errors (-q)' },
  help: { type: 'boolean', description: 'show help (-h)' },
  version: { type: 'boolean', description: 'show the version (-V)' },
};

/** Every global option: the global configuration keys (configKeys.ts), then the plain ones. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  ...Object.fromEntries(CONFIG_KEYS.filter((k) => 'global' in KEY_SPECS[k] && KEY_SPECS[k].global).map((k) => [flagName(k), keyOption(k)])),
  ...PLAIN_GLOBALS,
};

/** Options of configuration keys that only some commands use (e.g. --fleet for provision). */
export const KEY_OPTIONS: OptionSpecs = Object.fromEntries(CONFIG_KEYS.filter((k) => !(flagName(k) in GLOBAL_OPTIONS)).map((k) => [flagName(k), keyOption(k)]));

/** The options a command accepts: global ones, the configuration keys it uses, its own. */
export function optionsFor(command: string, own: OptionSpecs): OptionSpecs {
  const keys = Object.fromEntries(Object.entries(KEY_OPTIONS).filter(([flag]) => CONFIG_KEYS.some((k) => flagName(k) === flag && usedBy(k, command))));
  return { ...GLOBAL_OPTIONS, ...keys, ...own };
}

/** Commands that accept an option that `command` does not (for "--fleet is an option of provision"). */
export function commandsUsing(flag: string): string[] {
  const key = CONFIG_KEYS.find((k) => flagName(k) === flag);
  return key ? [...KEY_SPECS[key].commands] : [];
}

export type OutputFormat = 'human' | 'json' | 'lpac';

export interface Globals {
  /** Every configuration key, checked, from flags, environment and the config file. */
  config: AgentConfig;
  /** Absent: auto. */
  device?: string;
  /** Where `device` came from: "--device", "LPA_AGENT_DEVICE", 'config file X: key "device"'. */
  deviceFrom?: string;
  modem?: string;
  baudRate: number;
  trace?: string;
  ca: string[];
  connectTo: string[];
  proxy: ProxySettings;
  lockFile?: string;
  /** STORE DATA block size (1..255); absent: the transport's default. */
  apduSize?: number;
  /** IMEI for deviceInfo's TAC; absent: read from the module. */
  imei?: string;
  /** Download profiles whose policy rules need consent or are not in the eUICC's RAT. */
  acceptPpr: boolean;
  /** ISD-R AID (`--isdr-aid`); absent: the standard one. */
  isdrAid?: Uint8Array;
  /** The opened --trace file (set by main before the command runs). */
  traceLog?: TraceLog;
  output: OutputFormat;
  json: boolean;
  verbose: boolean;
  quiet: boolean;
}

/** The global settings of a run: output options and the configuration of `command`. */
export function readGlobals(command: string, options: OptionValues, env: NodeJS.ProcessEnv = process.env): Globals {
  const output = outputFormat(options);
  const verbose = bool(options, 'verbose') ?? false;
  const quiet = bool(options, 'quiet') ?? false;
  if (verbose && quiet) throw new LpaError('USAGE', '--verbose and --quiet contradict each other: give one');
  const config = loadConfig({ command, options, env });
  const g: Globals = {
    config,
    baudRate: config.baud,
    ca: config.ca,
    connectTo: config.connectTo,
    proxy: { ...(config.proxy ? { url: config.proxy } : {}), noProxy: config.noProxy },
    acceptPpr: config.acceptPpr,
    output,
    json: output !== 'human',
    verbose,
    quiet,
  };
  if (config.device !== undefined) {
    g.device = config.device;
    g.deviceFrom = whereOf(config, 'device');
  }
  if (config.modem !== undefined) g.modem = config.modem;
  if (config.trace !== undefined) g.trace = config.trace;
  if (config.lockFile !== undefined) g.lockFile = config.lockFile;
  if (config.apduSize !== undefined) g.apduSize = config.apduSize;
  if (config.imei !== undefined) g.imei = config.imei;
  if (config.isdrAid !== undefined) g.isdrAid = Uint8Array.from(Buffer.from(config.isdrAid, 'hex'));
  return g;
}

/** --output, with --json as its short form; USAGE error for an unknown format or a contradiction. */
export function outputFormat(options: OptionValues): OutputFormat {
  const o = str(options, 'output');
  const json = bool(options, 'json');
  if (o === undefined) return json ? 'json' : 'human';
  if (o !== 'human' && o !== 'json' && o !== 'lpac') throw new LpaError('USAGE', `--output must be human, json or lpac, got "${o}"`);
  if (json && o !== 'json') throw new LpaError('USAGE', `--json and --output ${o} contradict each other: give one`);
  return o;
}
