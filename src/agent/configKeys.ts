/**
 * Every configuration key of lpa-agent, declared once: its type (how values are read and checked),
 * its flag, its environment variable, its JSON name in the config file (the key itself), which
 * commands read it, and its help text. The loader (config.ts), the command-line parser (src/cli)
 * and docs/configuration.md all follow this table, so a new key is one entry here (plus its use).
 *
 * Names: JSON camelCase (`cloudUrl`), flag kebab-case (`--cloud-url`), variable `LPA_AGENT_` +
 * SNAKE_CASE (`LPA_AGENT_CLOUD_URL`), unless the entry says otherwise.
 */
import { kebabName, LIST_KINDS, snakeEnvName, type IntBounds, type Kind } from './configValues.js';

/** Commands that open the module (and take the device lock). */
export const DEVICE_COMMANDS = [
  'eid', 'info', 'profiles', 'enable', 'disable', 'delete', 'nickname', 'default-smdp', 'notifications', 'reset', 'download', 'discover',
  'provision',
] as const;
/** Commands that talk to an SM-DP+ or SM-DS (ES9+, ES11): trust, routing and proxy apply. */
export const ES9_COMMANDS = ['enable', 'disable', 'delete', 'notifications', 'reset', 'download', 'discover', 'provision'] as const;

export interface KeySpec extends IntBounds {
  /** How values are read and checked (configValues.ts); 'int' uses min/max. */
  kind: Kind;
  /** Further check of the typed value: a problem ("must be 15 digits") or undefined when fine. */
  check?: (value: never) => string | undefined;
  /** Placeholder in help, e.g. "<file>". */
  arg?: string;
  description: string;
  /** Commands that read this key. Values from any source are checked for every command. */
  commands: readonly string[];
  /** A global option: listed in `lpa-agent --help` and accepted before or after any command word. */
  global?: boolean;
  /** Flag name without dashes (default: kebab-case of the key). */
  flag?: string;
  /** Environment variable (default: LPA_AGENT_ + SNAKE_CASE of the key). */
  env?: string;
  /** Standard variables read after the LPA_AGENT_ one, e.g. HTTPS_PROXY. */
  fallbackEnv?: readonly string[];
}

const DEVICE = DEVICE_COMMANDS;
const ES9 = ES9_COMMANDS;
const PROVISION = ['provision'] as const;

export const KEY_SPECS = {
  device: {
    kind: 'device',
    arg: '<spec>',
    description:
      'auto (the default: find the module, see "lpa-agent devices"), an AT port (e.g. /dev/serial/by-id/...-if02-port0), qmi:<path>, mbim:<path>, pcsc[:<reader>], or virtual[:<state-file>] for the built-in virtual modem',
    commands: DEVICE,
    global: true,
  },
  modem: {
    kind: 'vendor',
    arg: '<vendor>',
    description: 'vendor profile: generic, quectel, simcom, sierra, telit, fibocom, ublox, nordic (default: detected from ATI/AT+CGMI)',
    commands: [...DEVICE, 'serve-modem'],
    global: true,
  },
  baud: { kind: 'baud', arg: '<rate>', description: 'UART baud rate (ignored over USB; default 115200)', commands: DEVICE, global: true },
  trace: {
    kind: 'path',
    arg: '<file>',
    description: 'append every AT line, ES9+ and cloud request line (never bodies or secrets) with timestamps to <file> (created 0600)',
    commands: DEVICE,
    global: true,
  },
  ca: { kind: 'paths', arg: '<file>', description: 'extra trusted root certificate (PEM/DER) for SM-DP+, cloud and backend TLS', commands: ES9, global: true },
  connectTo: {
    kind: 'connectTo',
    arg: '<HOST:PORT:HOST2:PORT2>',
    description: 'send traffic for HOST:PORT to HOST2:PORT2, keeping HOST for SNI and certificate checks (curl semantics)',
    commands: ES9,
    global: true,
  },
  proxy: {
    kind: 'proxy',
    arg: '<http://host:port>',
    description: 'HTTP proxy for ES9+ and cloud HTTPS (CONNECT; TLS stays end to end)',
    commands: ES9,
    global: true,
    fallbackEnv: ['HTTPS_PROXY', 'https_proxy'],
  },
  noProxy: {
    kind: 'hosts',
    flag: 'noproxy',
    arg: '<hosts>',
    description: 'hosts, domains, IPs or CIDR ranges reached without the proxy, comma-separated (loopback never uses it)',
    commands: ES9,
    global: true,
    fallbackEnv: ['NO_PROXY', 'no_proxy'],
  },
  lockFile: {
    kind: 'path',
    arg: '<file>',
    description: 'lock file that keeps a second agent off this module (default: one per device in the temporary folder)',
    commands: [...DEVICE, 'serve-modem', 'serve-card'],
    global: true,
  },
  apduSize: {
    kind: 'int',
    min: 1,
    max: 255,
    arg: '<1..255>',
    description: "STORE DATA block size in bytes (default 255 or the vendor profile's; e.g. 120 for modules or eUICCs that fail on long blocks)",
    commands: DEVICE,
    global: true,
  },
  imei: {
    kind: 'imei',
    arg: '<15 digits>',
    description: "IMEI whose TAC goes to the SM-DP+ in deviceInfo (default: the module's, AT+CGSN)",
    commands: DEVICE,
    global: true,
  },
  isdrAid: {
    kind: 'aid',
    arg: '<hex>',
    description: "AID of the eUICC's ISD-R, for removable eUICCs that do not use the standard A0000005591010FFFFFFFF8900000100",
    commands: DEVICE,
    global: true,
  },
  acceptPpr: {
    kind: 'bool',
    description: "download profiles with policy rules (PPR) that need end-user consent or that the eUICC's rules table does not list",
    commands: ['download', 'provision'],
    global: true,
  },
  journal: {
    kind: 'path',
    arg: '<file>',
    description: 'journal file; {eid} is replaced by the EID (default: see docs/configuration.md)',
    commands: ['download', 'provision'],
  },
  timeout: { kind: 'duration', arg: '<duration>', description: 'give up after this long, e.g. 90s, 10m, 1h30m (default 15m)', commands: PROVISION },
  cloud: {
    kind: 'cloud',
    arg: 'twilio|kore|backend|smds',
    description: 'where the SM-DP+ address comes from (default: backend when --backend-url is set, else from the credentials present); smds: poll the SM-DS for an event, no cloud account',
    commands: PROVISION,
  },
  smds: {
    kind: 'address',
    arg: '<address>',
    description: "SM-DS to ask (host[:port]): by discover, download --from-smds and provision --cloud smds (default: the eUICC's root SM-DS)",
    commands: ['discover', 'download', 'provision'],
  },
  cloudUrl: { kind: 'url', arg: '<url>', description: 'base URL of the Super SIM API (regions, the local double; http:// only to loopback)', commands: PROVISION },
  fleet: { kind: 'text', arg: '<sid|name>', description: 'Super SIM fleet the Sim joins', commands: PROVISION },
  enable: { kind: 'bool', description: 'enable the profile once installed (default; --no-enable leaves it disabled)', commands: PROVISION },
  backendUrl: {
    kind: 'urlTemplate',
    arg: '<url>',
    description: 'maker backend URL with {eid}, e.g. https://api.example.com/devices/{eid}/esim',
    commands: PROVISION,
  },
  backendTokenFile: { kind: 'path', arg: '<file>', description: 'file with the bearer token for the maker backend (mode 600)', commands: PROVISION },
  credentialsFile: {
    kind: 'path',
    arg: '<file>',
    description: 'Super SIM credentials as JSON or KEY=VALUE (mode 600); the environment wins',
    commands: PROVISION,
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof KEY_SPECS;
export const CONFIG_KEYS = Object.keys(KEY_SPECS) as ConfigKey[];

export const specOf = (key: ConfigKey): KeySpec => KEY_SPECS[key];
export const flagName = (key: ConfigKey): string => specOf(key).flag ?? kebabName(key);
export const envName = (key: ConfigKey): string => specOf(key).env ?? snakeEnvName(key);
export const isList = (key: ConfigKey): boolean => LIST_KINDS.has(specOf(key).kind);
export const usedBy = (key: ConfigKey, command: string): boolean => specOf(key).commands.includes(command);

/** Option spec of a key for the command-line parser (same shape as src/cli/args.ts OptionSpec). */
export interface KeyOption {
  type: 'boolean' | 'string';
  multiple?: boolean;
  arg?: string;
  description: string;
}

export function keyOption(key: ConfigKey): KeyOption {
  const s = specOf(key);
  const env = [envName(key), ...(s.fallbackEnv ?? [])].join(', ');
  return {
    type: s.kind === 'bool' ? 'boolean' : 'string',
    ...(isList(key) ? { multiple: true } : {}),
    ...(s.arg ? { arg: s.arg } : {}),
    description: `${s.description} [env ${env}]`,
  };
}

/** The key a flag name belongs to. */
export function keyOfFlag(flag: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((k) => flagName(k) === flag);
}
