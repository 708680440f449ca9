/**
 * The configuration of every lpa-agent command, from flags, then `LPA_AGENT_*` environment
 * variables (and a few standard ones such as HTTPS_PROXY), then a JSON config file (`--config`,
 * `LPA_AGENT_CONFIG`, or /etc/lpa-agent/config.json when it exists), then defaults. The keys are
 * declared once in configKeys.ts. Every value from any source is checked for every command (a typo
 * fails at start, whatever the command); a command applies the keys it uses. A bad value is a USAGE
 * error on the command line and a CONFIG_INVALID error elsewhere, naming the key and its source.
 * Secrets never come from here: only from TWILIO_* / KORE_* variables or the owner-only
 * credentials file (see credentials.ts). docs/configuration.md documents every key.
 */
import * as nodeFs from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_VIRTUAL_STATE, parseDeviceSpec } from '../../drivers/spec.js';
import { LpaError } from '../errors.js';
import { readCaFile } from '../es9p/tls.js';
import { parseJsonStrict, type JsonValue } from './configJson.js';
import { CONFIG_KEYS, envName, flagName, specOf, usedBy, type ConfigKey } from './configKeys.js';
import { coerce, invalid, invalidAt, invalidKey, isSecretName, SECRET_HELP, suggest, type Origin } from './configValues.js';
import { checkOwnerOnly } from './credentials.js';

export { parseDuration, formatDuration } from './duration.js';
export { suggest } from './configValues.js';
export { CONFIG_KEYS, envName, flagName, KEY_SPECS, keyOption, usedBy, type ConfigKey } from './configKeys.js';
export { checkOwnerOnly, loadCredentials, readCredentialsFile, CREDENTIAL_VARS } from './credentials.js';

export type CloudKind = 'twilio' | 'kore' | 'backend' | 'smds';

export interface ConfigSource {
  from: 'flag' | 'env' | 'file' | 'default';
  /** `--timeout`, `LPA_AGENT_TIMEOUT`, the config file path, or `default`. */
  name: string;
}

export interface AgentConfig {
  /** The command this configuration was loaded for. */
  command: string;
  /** Device spec (drivers/spec.ts) as written; absent when nothing gave one. */
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
  /** HTTP proxy URL for ES9+ and the cloud (LPA_AGENT_PROXY, HTTPS_PROXY...). */
  proxy?: string;
  /** NO_PROXY entries. */
  noProxy: string[];
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

/** The configuration of `provision` (every key applies to it but the device-less ones). */
export type ProvisionConfig = AgentConfig;

/** The part of node:fs the loader uses (tests may pass an in-memory one). */
export interface ConfigFs {
  statSync(path: string): { size: number; mode: number; isFile(): boolean };
  readFileSync(path: string): Uint8Array;
}

export interface LoadConfigInput {
  /** The command being run (decides which files are checked); default "provision". */
  command?: string;
  /** Parsed command-line options (flag names, as from parseArgs). */
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
  let spec;
  try {
    spec = device === undefined ? undefined : parseDeviceSpec(device);
  } catch {
    spec = undefined;
  }
  if (spec?.kind === 'virtual') {
    const state = device!.trim().slice('virtual:'.length) || DEFAULT_VIRTUAL_STATE;
    return resolve(cwd, dirname(state), 'journal-{eid}.json');
  }
  return `${DEFAULT_STATE_DIR}/journal-{eid}.json`;
}

/** The journal file of one EID. */
export function journalPath(config: Pick<ProvisionConfig, 'journal'>, eid: string): string {
  return config.journal.replaceAll('{eid}', eid);
}

/**
 * Loads the configuration of a command: flags > LPA_AGENT_* > config file > standard variables
 * (HTTPS_PROXY, NO_PROXY) > defaults, per key. Every value present is checked whatever the command;
 * the files a key names are checked only for commands that use it (a credentials file is no
 * concern of `eid`). Throws USAGE (bad flag) or CONFIG_INVALID (anything else), naming the key and
 * its source.
 */
export function loadConfig(input: LoadConfigInput): AgentConfig {
  const fs = input.fs ?? nodeFs;
  const cwd = input.cwd ?? process.cwd();
  const command = input.command ?? 'provision';
  /** Per key, every value given, lowest precedence first. */
  const raw = new Map<ConfigKey, { value: unknown; origin: Origin }[]>();
  const add = (key: ConfigKey, value: unknown, origin: Origin): void => {
    raw.set(key, [...(raw.get(key) ?? []), { value, origin }]);
  };

  // lowest precedence first; later sources overwrite
  for (const key of CONFIG_KEYS) {
    // standard variables (HTTPS_PROXY...) belong to every program: only commands that use the key read them
    if (!usedBy(key, command)) continue;
    for (const name of [...(specOf(key).fallbackEnv ?? [])].reverse()) {
      const v = input.env[name];
      if (v !== undefined && v.trim() !== '') add(key, v, { from: 'env', name, where: name, base: cwd });
    }
  }

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
      add(k as ConfigKey, v, { from: 'file', name: file.path, where, base });
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
    if (v !== undefined && v !== '') add(key, v, { from: 'env', name, where: name, base: cwd });
  }

  for (const name of Object.keys(input.options)) {
    if (isSecretName(name) && input.options[name] !== undefined) throw invalidKey(`--${name}`, `is not allowed: ${SECRET_HELP}`, { key: name, source: 'flag' });
  }
  for (const key of CONFIG_KEYS) {
    const name = flagName(key);
    const v = input.options[name];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    add(key, v, { from: 'flag', name: `--${name}`, where: `--${name}`, base: cwd });
  }

  const values: Partial<Record<ConfigKey, unknown>> = {};
  const sources = {} as Record<ConfigKey, ConfigSource>;
  for (const key of CONFIG_KEYS) {
    const given = raw.get(key) ?? [];
    // every value given is checked, also one a higher source overrides: a typo never passes silently
    const spec = specOf(key);
    const typed = given.map((r) => {
      const value = coerce(spec.kind, r.value, r.origin, spec);
      const problem = spec.check?.(value as never);
      if (problem) throw invalidAt(r.origin, `${JSON.stringify(r.value)} ${problem}`);
      return value;
    });
    const r = given.at(-1);
    if (r) {
      values[key] = typed.at(-1);
      sources[key] = { from: r.origin.from, name: r.origin.name };
    } else {
      sources[key] = { from: 'default', name: 'default' };
    }
  }

  const device = values.device as string | undefined;
  const config: AgentConfig = {
    command,
    baud: (values.baud as number | undefined) ?? 115200,
    enable: (values.enable as boolean | undefined) ?? true,
    journal: (values.journal as string | undefined) ?? defaultJournal(device, cwd),
    timeoutMs: (values.timeout as number | undefined) ?? DEFAULT_TIMEOUT_MS,
    ca: (values.ca as string[] | undefined) ?? [],
    connectTo: (values.connectTo as string[] | undefined) ?? [],
    noProxy: (values.noProxy as string[] | undefined) ?? [],
    acceptPpr: (values.acceptPpr as boolean | undefined) ?? false,
    sources,
  };
  for (const key of ['device', 'modem', 'cloud', 'cloudUrl', 'fleet', 'trace', 'proxy', 'backendUrl', 'backendTokenFile', 'credentialsFile', 'lockFile', 'apduSize', 'imei', 'isdrAid', 'smds'] as const) {
    if (values[key] !== undefined) (config as unknown as Record<string, unknown>)[key] = values[key];
  }
  if (configFile !== undefined) config.configFile = configFile;

  if (usedBy('cloud', command) && config.cloud === 'backend' && !config.backendUrl) {
    throw invalid(whereOf(config, 'cloud'), `cloud "backend" needs backendUrl (--backend-url or ${envName('backendUrl')}), a URL with {eid}`);
  }
  if (config.credentialsFile && usedBy('credentialsFile', command)) checkOwnerOnly(config.credentialsFile, 'credentials file', fs);
  if (config.backendTokenFile && usedBy('backendTokenFile', command)) checkOwnerOnly(config.backendTokenFile, 'backend token file', fs);
  return config;
}

/** `--timeout`, `LPA_AGENT_TIMEOUT` or `config file X: key "timeout"`: where a key's value came from. */
export function whereOf(config: Pick<AgentConfig, 'sources'>, key: ConfigKey): string {
  const s = config.sources[key];
  return s.from === 'file' ? `config file ${s.name}: key "${key}"` : s.from === 'default' ? key : s.name;
}

/** The provisioning configuration (loadConfig for the `provision` command). */
export function loadProvisionConfig(input: LoadConfigInput): ProvisionConfig {
  return loadConfig({ ...input, command: 'provision' });
}

/**
 * Checks, before anything touches the module, the files the command will read: every `--ca`
 * certificate, and that the folders of the trace and lock files exist. USAGE for flags (the lock
 * file's folder: CONFIG_INVALID from any source), CONFIG_INVALID else.
 */
export function checkConfigFiles(config: AgentConfig): void {
  const origin = (key: ConfigKey) => ({ from: config.sources[key].from === 'flag' ? ('flag' as const) : ('file' as const), where: whereOf(config, key) });
  if (usedBy('ca', config.command)) {
    for (const file of config.ca) {
      try {
        readCaFile(file);
      } catch (e) {
        const reason = e instanceof LpaError ? String(e.details.reason ?? e.message) : String(e);
        const what = /^E[A-Z]+$/.test(reason) ? `cannot read the certificate file ${file} (${reason})` : `${file} is not a PEM or DER X.509 certificate (${reason})`;
        throw invalidAt(origin('ca'), what, { path: file }, e);
      }
    }
  }
  if (config.trace && usedBy('trace', config.command) && !isFolder(dirname(config.trace))) {
    throw invalidAt(origin('trace'), `the folder ${dirname(config.trace)} of the trace file does not exist`, { path: config.trace });
  }
  // the lock file is created, its folder is not: a missing one is the machine's setup, whichever
  // place named it (exit 3), not a raw ENOENT about a temporary file beside it
  if (config.lockFile && usedBy('lockFile', config.command) && !isFolder(dirname(config.lockFile))) {
    throw invalid(whereOf(config, 'lockFile'), `the folder ${dirname(config.lockFile)} of the lock file ${config.lockFile} does not exist`, { path: config.lockFile });
  }
}

function isFolder(path: string): boolean {
  try {
    return nodeFs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The journal default when /var/lib/lpa-agent cannot be used (a user running the agent by hand). */
export function userJournalDir(env: Record<string, string | undefined>): string | undefined {
  const base = env.XDG_STATE_HOME || (env.HOME ? `${env.HOME}/.local/state` : undefined);
  return base ? resolve(base, 'lpa-agent') : undefined;
}

/** Config file flag: not a key (it says where the keys are). */
export const CONFIG_FLAG = {
  type: 'string' as const,
  arg: '<file>',
  description: `JSON config file (default ${DEFAULT_CONFIG_PATH} when present) [env LPA_AGENT_CONFIG]`,
};
