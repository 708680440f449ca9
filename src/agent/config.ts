/**
 * The configuration of `lpa-agent provision`, from flags, then `LPA_AGENT_*` environment variables,
 * then a JSON config file (`--config`, `LPA_AGENT_CONFIG`, or /etc/lpa-agent/config.json when it
 * exists), then defaults. Every bad key or value is a CONFIG_INVALID error naming the key and where
 * it came from. Secrets never come from here: only from TWILIO_* / KORE_* variables or the
 * owner-only credentials file (see credentials.ts). docs/configuration.md documents every key.
 */
import * as nodeFs from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LpaError } from '../errors.js';
import { parseJsonStrict, type JsonValue } from './configJson.js';
import { coerce, envName, flagName, invalid, invalidKey, isSecretName, SECRET_HELP, suggest, type Origin } from './configValues.js';
import { checkOwnerOnly } from './credentials.js';

export { parseDuration, formatDuration } from './duration.js';
export { envName, flagName, suggest } from './configValues.js';
export { checkOwnerOnly, loadCredentials, readCredentialsFile, CREDENTIAL_VARS } from './credentials.js';

export type CloudKind = 'twilio' | 'kore' | 'backend' | 'smds';

/** Keys of the configuration, as written in the JSON file (flags are kebab-case, env SNAKE_CASE). */
export const CONFIG_KEYS = [
  'device', 'modem', 'baud', 'cloud', 'cloudUrl', 'fleet', 'enable', 'journal', 'timeout', 'ca', 'connectTo', 'trace',
  'backendUrl', 'backendTokenFile', 'credentialsFile', 'lockFile', 'apduSize', 'imei', 'acceptPpr', 'isdrAid', 'smds',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export interface ConfigSource {
  from: 'flag' | 'env' | 'file' | 'default';
  /** `--timeout`, `LPA_AGENT_TIMEOUT`, the config file path, or `default`. */
  name: string;
}

export interface ProvisionConfig {
  /** AT port path or `virtual[:<state-file>]`; absent when nothing gave one. */
  device?: string;
  modem?: string;
  baud: number;
  /** Absent: the agent picks from backendUrl or the credentials present. */
  cloud?: CloudKind;
  cloudUrl?: string;
  fleet?: string;
  enable: boolean;
  /** Journal path; `{eid}` stands for the EID (see journalPath). */
  journal: string;
  /** The `timeout` key, in milliseconds. */
  timeoutMs: number;
  ca: string[];
  connectTo: string[];
  trace?: string;
  backendUrl?: string;
  backendTokenFile?: string;
  credentialsFile?: string;
  /** Absent: the agent's default lock of the device. */
  lockFile?: string;
  /** STORE DATA block size; absent: the transport's default. */
  apduSize?: number;
  /** IMEI for deviceInfo's TAC; absent: read from the module. */
  imei?: string;
  /** Download profiles whose policy rules need consent or are not in the eUICC's RAT. */
  acceptPpr: boolean;
  /** ISD-R AID as upper-case hex; absent: the standard one. */
  isdrAid?: string;
  /** SM-DS address for `cloud: smds`; absent: the eUICC's root SM-DS. */
  smds?: string;
  /** The config file read, if any. */
  configFile?: string;
  sources: Record<ConfigKey, ConfigSource>;
}

/** The part of node:fs the loader uses (tests may pass an in-memory one). */
export interface ConfigFs {
  statSync(path: string): { size: number; mode: number; isFile(): boolean };
  readFileSync(path: string): Uint8Array;
}

export interface LoadConfigInput {
  /** Parsed command-line options (kebab-case names, as from parseArgs). */
  options: Record<string, string | boolean | string[] | undefined>;
  env: Record<string, string | undefined>;
  /** Explicit config file; else `--config`, LPA_AGENT_CONFIG, else DEFAULT_CONFIG_PATH when present. */
  configPath?: string;
  /** Where to look when nothing names a config file; null: nowhere. Default DEFAULT_CONFIG_PATH. */
  defaultConfigPath?: string | null;
  fs?: ConfigFs;
  /** Base of relative paths from flags and environment (default process.cwd()). */
  cwd?: string;
}

export const DEFAULT_CONFIG_PATH = '/etc/lpa-agent/config.json';
export const MAX_CONFIG_BYTES = 64 * 1024;
export const DEFAULT_STATE_DIR = '/var/lib/lpa-agent';
export const DEFAULT_TIMEOUT_MS = 15 * 60_000;
/** Same default as `--device virtual` (src/cli/device.ts). */
const DEFAULT_VIRTUAL_STATE = '.lpa-agent/virtual-euicc.json';
/** LPA_AGENT_* variables that are not configuration keys but are fine to have set. */
export const OTHER_ENV_VARS = ['LPA_AGENT_CONFIG', 'LPA_AGENT_DATA_DIR', 'LPA_AGENT_DEBUG', 'LPA_AGENT_DEMO_DIR', 'LPA_AGENT_TEST_CRASH_AT', 'LPA_AGENT_NODE', 'LPA_AGENT_SYSFS_ROOT', 'LPA_AGENT_WWAN_PROXY'];

function readConfigFile(path: string, fs: ConfigFs): Record<string, JsonValue> {
  const where = `config file ${path}`;
  let bytes: Uint8Array;
  try {
    const st = fs.statSync(path);
    if (!st.isFile()) throw invalid(where, 'is not a regular file');
    if (st.size > MAX_CONFIG_BYTES) throw invalid(where, `is ${st.size} bytes, larger than ${MAX_CONFIG_BYTES}`);
    bytes = fs.readFileSync(path);
  } catch (e) {
    if (e instanceof LpaError) throw e;
    throw invalid(where, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { path }, e);
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw invalid(where, `is larger than ${MAX_CONFIG_BYTES} bytes`);
  let textValue: string;
  try {
    textValue = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw invalid(where, 'is not UTF-8 text', { path }, e);
  }
  const json = parseJsonStrict(textValue, where);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid(where, 'must hold one JSON object');
  return json;
}

/** The config file to read, and whether it must exist. */
function configFileOf(input: LoadConfigInput): { path: string; required: boolean } | undefined {
  const cwd = input.cwd ?? process.cwd();
  const flag = input.options.config;
  const named = input.configPath ?? (typeof flag === 'string' ? flag : undefined) ?? (input.env.LPA_AGENT_CONFIG || undefined);
  if (named !== undefined) return { path: resolve(cwd, named), required: true };
  const def = input.defaultConfigPath === undefined ? DEFAULT_CONFIG_PATH : input.defaultConfigPath;
  if (def === null) return undefined;
  return { path: def, required: false };
}

function exists(fs: ConfigFs, path: string): boolean {
  try {
    fs.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Default journal: next to the virtual eUICC state, else in /var/lib/lpa-agent; one per EID. */
export function defaultJournal(device: string | undefined, cwd: string): string {
  if (device === 'virtual' || device?.startsWith('virtual:')) {
    const state = device.length > 'virtual:'.length ? device.slice('virtual:'.length) : DEFAULT_VIRTUAL_STATE;
    return resolve(cwd, dirname(state), 'journal-{eid}.json');
  }
  return `${DEFAULT_STATE_DIR}/journal-{eid}.json`;
}

/** The journal file of one EID. */
export function journalPath(config: Pick<ProvisionConfig, 'journal'>, eid: string): string {
  return config.journal.replaceAll('{eid}', eid);
}

/**
 * Loads the provisioning configuration: flags > LPA_AGENT_* > config file > defaults, per key.
 * Throws CONFIG_INVALID (and nothing else) for anything wrong, naming the key and its source.
 */
export function loadProvisionConfig(input: LoadConfigInput): ProvisionConfig {
  const fs = input.fs ?? nodeFs;
  const cwd = input.cwd ?? process.cwd();
  const raw = new Map<ConfigKey, { value: unknown; origin: Origin }>();

  // lowest precedence first; later sources overwrite
  const file = configFileOf(input);
  let configFile: string | undefined;
  if (file && (file.required || exists(fs, file.path))) {
    configFile = file.path;
    const obj = readConfigFile(file.path, fs);
    const base = dirname(file.path);
    for (const [k, v] of Object.entries(obj)) {
      const where = `config file ${file.path}: key ${JSON.stringify(k)}`;
      if (k.startsWith('$')) continue; // "$schema", "$comment"
      if (isSecretName(k)) throw invalidKey(where, `is not allowed here: ${SECRET_HELP}`, { key: k, source: 'file' });
      if (!(CONFIG_KEYS as readonly string[]).includes(k)) {
        const s = suggest(k, CONFIG_KEYS);
        throw invalidKey(where, `is unknown${s ? ` (did you mean ${JSON.stringify(s)}?)` : ''}`, { key: k, source: 'file', ...(s ? { suggestion: s } : {}) });
      }
      raw.set(k as ConfigKey, { value: v, origin: { from: 'file', name: file.path, where, base } });
    }
  }

  const envNames = CONFIG_KEYS.map(envName);
  for (const [name, value] of Object.entries(input.env)) {
    if (!name.startsWith('LPA_AGENT_') || OTHER_ENV_VARS.includes(name) || envNames.includes(name)) continue;
    if (value === undefined || value === '') continue;
    if (isSecretName(name)) throw invalidKey(name, `is not read: ${SECRET_HELP}`, { key: name, source: 'env' });
    const s = suggest(name, [...envNames, ...OTHER_ENV_VARS]);
    throw invalidKey(name, `is not a known setting${s ? ` (did you mean ${s}?)` : ''}`, { key: name, source: 'env', ...(s ? { suggestion: s } : {}) });
  }
  for (const key of CONFIG_KEYS) {
    const name = envName(key);
    const v = input.env[name];
    if (v !== undefined && v !== '') raw.set(key, { value: v, origin: { from: 'env', name, where: name, base: cwd } });
  }

  for (const name of Object.keys(input.options)) {
    if (isSecretName(name) && input.options[name] !== undefined) throw invalidKey(`--${name}`, `is not allowed: ${SECRET_HELP}`, { key: name, source: 'flag' });
  }
  for (const key of CONFIG_KEYS) {
    const name = flagName(key);
    const v = input.options[name];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    raw.set(key, { value: v, origin: { from: 'flag', name: `--${name}`, where: `--${name}`, base: cwd } });
  }

  const values: Partial<Record<ConfigKey, unknown>> = {};
  const sources = {} as Record<ConfigKey, ConfigSource>;
  for (const key of CONFIG_KEYS) {
    const r = raw.get(key);
    if (r) {
      values[key] = coerce(key, r.value, r.origin);
      sources[key] = { from: r.origin.from, name: r.origin.name };
    } else {
      sources[key] = { from: 'default', name: 'default' };
    }
  }

  const device = values.device as string | undefined;
  const config: ProvisionConfig = {
    baud: (values.baud as number | undefined) ?? 115200,
    enable: (values.enable as boolean | undefined) ?? true,
    journal: (values.journal as string | undefined) ?? defaultJournal(device, cwd),
    timeoutMs: (values.timeout as number | undefined) ?? DEFAULT_TIMEOUT_MS,
    ca: (values.ca as string[] | undefined) ?? [],
    connectTo: (values.connectTo as string[] | undefined) ?? [],
    acceptPpr: (values.acceptPpr as boolean | undefined) ?? false,
    sources,
  };
  for (const key of ['device', 'modem', 'cloud', 'cloudUrl', 'fleet', 'trace', 'backendUrl', 'backendTokenFile', 'credentialsFile', 'lockFile', 'apduSize', 'imei', 'isdrAid', 'smds'] as const) {
    if (values[key] !== undefined) (config as unknown as Record<string, unknown>)[key] = values[key];
  }
  if (configFile !== undefined) config.configFile = configFile;

  const whereOf = (key: ConfigKey): string => {
    const s = sources[key];
    return s.from === 'file' ? `config file ${s.name}: key "${key}"` : s.name;
  };
  if (config.cloud === 'backend' && !config.backendUrl) {
    throw invalid(whereOf('cloud'), `cloud "backend" needs backendUrl (--backend-url or ${envName('backendUrl')}), a URL with {eid}`);
  }
  if (config.credentialsFile) checkOwnerOnly(config.credentialsFile, 'credentials file', fs);
  if (config.backendTokenFile) checkOwnerOnly(config.backendTokenFile, 'backend token file', fs);
  return config;
}

/**
 * Command-line options of `provision` that are not global options, in the shape of the CLI's
 * OptionSpecs (--device, --modem, --baud, --ca, --connect-to and --trace are global already).
 */
export const PROVISION_FLAGS: Record<string, { type: 'boolean' | 'string'; multiple?: boolean; arg?: string; description: string }> = {
  config: { type: 'string', arg: '<file>', description: `JSON config file (default ${DEFAULT_CONFIG_PATH} when present) [env LPA_AGENT_CONFIG]` },
  cloud: { type: 'string', arg: 'twilio|kore|backend|smds', description: 'where the SM-DP+ address comes from (default: backend when --backend-url is set, else from the credentials present); smds: poll the SM-DS for an event, no cloud account' },
  smds: { type: 'string', arg: '<address>', description: 'SM-DS to poll with --cloud smds (default: the eUICC\'s root SM-DS)' },
  'cloud-url': { type: 'string', arg: '<url>', description: 'base URL of the Super SIM API (regions, the local double)' },
  fleet: { type: 'string', arg: '<sid|name>', description: 'Super SIM fleet the Sim joins' },
  enable: { type: 'boolean', description: 'enable the profile once installed (default; --no-enable leaves it disabled)' },
  journal: { type: 'string', arg: '<file>', description: 'journal file; {eid} is replaced by the EID (default: see docs/configuration.md)' },
  timeout: { type: 'string', arg: '<duration>', description: 'give up after this long, e.g. 90s, 10m, 1h30m (default 15m)' },
  'backend-url': { type: 'string', arg: '<url>', description: 'maker backend URL with {eid}, e.g. https://api.example.com/devices/{eid}/esim' },
  'backend-token-file': { type: 'string', arg: '<file>', description: 'file with the bearer token for the maker backend (mode 600)' },
  'credentials-file': { type: 'string', arg: '<file>', description: 'Super SIM credentials as JSON or KEY=VALUE (mode 600); the environment wins' },
  'lock-file': { type: 'string', arg: '<file>', description: 'lock file that keeps a second agent off this module (default: one per device)' },
};
