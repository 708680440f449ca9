/**
 * Typed values of the provisioning configuration: one coercion per kind of key (text, URL, path,
 * list, duration, ...), secret-name detection and "did you mean" suggestions. Errors are
 * CONFIG_INVALID with a message starting with where the value came from.
 */
import { resolve } from 'node:path';
import { DEVICE_SYNTAX, parseDeviceSpec } from '../../drivers/spec.js';
import { LpaError } from '../errors.js';
import { parseConnectTo } from '../es9p/connectTo.js';
import { isLoopback, parseProxyUrl } from '../es9p/proxy.js';
import { parseSmdpAddress } from '../es9p/address.js';
import { parseAid } from '../ids/aid.js';
import { parseImei } from '../ids/imei.js';
import { parseDuration } from './duration.js';

export const VENDORS = ['generic', 'quectel', 'simcom', 'sierra', 'telit', 'fibocom', 'ublox', 'nordic'];

/** How a key's raw value (flag text, environment text, JSON value) becomes its typed value. */
export type Kind =
  | 'device' | 'vendor' | 'baud' | 'int' | 'cloud' | 'url' | 'urlTemplate' | 'text' | 'bool' | 'path' | 'duration' | 'paths'
  | 'connectTo' | 'proxy' | 'hosts' | 'imei' | 'aid' | 'address';

/** Bounds of an 'int' key (inclusive). */
export interface IntBounds {
  min?: number;
  max?: number;
}

/** Kinds whose value is a list (repeatable flags, JSON arrays, comma-separated variables). */
export const LIST_KINDS: ReadonlySet<Kind> = new Set(['paths', 'connectTo', 'hosts']);

/** Default flag and variable names of a key: `cloudUrl` -> `cloud-url`, `LPA_AGENT_CLOUD_URL`. */
export const kebabName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const snakeEnvName = (key: string): string => `LPA_AGENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Normalised names of keys that hold secrets: refused in the config file, flags and LPA_AGENT_*. */
export const SECRET_NAMES = new Set([
  'authtoken', 'apisecret', 'apikey', 'clientsecret', 'clientid', 'accountsid', 'token', 'backendtoken', 'bearertoken',
  'password', 'secret', 'credentials', 'twilioauthtoken', 'twilioapisecret', 'twilioapikey', 'twilioaccountsid',
  'koreclientid', 'koreclientsecret',
]);
export const norm = (s: string): string => s.toLowerCase().replace(/^lpa_agent_/, '').replace(/[-_]/g, '');
export const isSecretName = (s: string): boolean => SECRET_NAMES.has(norm(s));

export const SECRET_HELP =
  'secrets are read only from the environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN or TWILIO_API_KEY/TWILIO_API_SECRET, ' +
  'KORE_CLIENT_ID/KORE_CLIENT_SECRET) or from the owner-only file named by credentialsFile (a backend token: backendTokenFile)';

export interface Origin {
  from: 'flag' | 'env' | 'file';
  name: string;
  /** For messages: `--timeout`, `LPA_AGENT_TIMEOUT`, `config file X: key "timeout"`. */
  where: string;
  base: string;
}

export function invalid(where: string, text: string, details: Record<string, unknown> = {}, cause?: unknown): LpaError {
  return new LpaError('CONFIG_INVALID', `${where}: ${text}`, details, cause === undefined ? undefined : { cause });
}

/** A bad value: a usage error (exit 2) on the command line, a configuration error (exit 3) elsewhere. */
export function invalidAt(o: Pick<Origin, 'from' | 'where'>, text: string, details: Record<string, unknown> = {}, cause?: unknown): LpaError {
  return new LpaError(o.from === 'flag' ? 'USAGE' : 'CONFIG_INVALID', `${o.where}: ${text}`, details, cause === undefined ? undefined : { cause });
}

/** A key (not its value) is wrong: `config file X: key "k" is unknown`, `LPA_AGENT_X is not ...`. */
export function invalidKey(where: string, text: string, details: Record<string, unknown> = {}): LpaError {
  return new LpaError('CONFIG_INVALID', `${where} ${text}`, details);
}

function levenshtein(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest known name, if one is close enough to be a typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  const n = norm(name);
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = norm(k) === n ? 0 : levenshtein(n, norm(k));
    if (d <= (n.length >= 5 ? 2 : 1) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

const shown = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
};

function text(raw: unknown, o: Origin, max = 1024): string {
  if (typeof raw !== 'string') throw invalidAt(o, `must be a string, got ${shown(raw)}`, { key: o.name });
  const v = raw.trim();
  if (v === '') throw invalidAt(o, 'must not be empty', { key: o.name });
  if (v.length > max || /[\u0000-\u001f\u007f]/.test(v)) throw invalidAt(o, `${shown(v)} is not a valid value`, { key: o.name });
  return v;
}

function httpUrl(v: string, o: Origin, template: boolean): string {
  if (template && !v.includes('{eid}')) throw invalidAt(o, `${shown(v)} must contain {eid} where the EID goes`);
  let u: URL;
  try {
    u = new URL(v.replaceAll('{eid}', '89049032000000000000000000000000'));
  } catch (e) {
    throw invalidAt(o, `${shown(v)} is not a URL`, {}, e);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalidAt(o, `${shown(v)} must be an http:// or https:// URL`);
  if (u.username || u.password) throw invalidAt(o, `the URL must not carry a user name or password: ${SECRET_HELP}`);
  return v;
}

function list(raw: unknown, o: Origin, splitColon: boolean): string[] {
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string') items = o.from === 'env' ? raw.split(splitColon ? /[,:]/ : /,/) : [raw];
  else throw invalidAt(o, `must be a list of strings, got ${shown(raw)}`);
  if (items.length > 64) throw invalidAt(o, `has ${items.length} entries, at most 64`);
  const out: string[] = [];
  for (const item of items) {
    if (o.from === 'env' && typeof item === 'string' && item.trim() === '') continue;
    out.push(text(item, o));
  }
  return out;
}

function boolValue(raw: unknown, o: Origin): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && o.from !== 'file') {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
  }
  throw invalidAt(o, `${shown(raw)} is not a boolean (true or false)`);
}

function urlValue(v: string, o: Origin, template: boolean): string {
  const checked = httpUrl(v, o, template);
  const u = new URL(checked.replaceAll('{eid}', '89049032000000000000000000000000'));
  if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
    throw invalidAt(o, `${shown(v)} uses plain http://, which is allowed only for loopback addresses (127.0.0.1, ::1, localhost): use https://`);
  }
  return checked;
}

function deviceValue(raw: unknown, o: Origin): string {
  const v = text(raw, o, 4096);
  try {
    parseDeviceSpec(v);
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(`--device ${v}: `, '') : String(e);
    throw invalidAt(o, o.from === 'flag' ? `${shown(v)}: ${reason}` : `${shown(v)} is not a device: ${reason}`, {}, e);
  }
  return v;
}

/** Standard variables other programs share, where curl's scheme-less `host:port` is common. */
const LENIENT_PROXY_VARS = ['HTTPS_PROXY', 'https_proxy'];

function proxyValue(raw: unknown, o: Origin): string {
  const v = text(raw, o, 2048);
  // our own settings say what they mean: http://host[:port]; "foo" is not taken for http://foo:80
  if (!(o.from === 'env' && LENIENT_PROXY_VARS.includes(o.name)) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim())) {
    throw invalidAt(o, `${shown(v)} is not a proxy URL: write http://host[:port] (the port is 80 when left out)`);
  }
  let parsed;
  try {
    parsed = parseProxyUrl(v);
  } catch (e) {
    throw invalidAt(o, `the proxy ${e instanceof Error ? e.message : String(e)}`, {}, e);
  }
  if (parsed.authorization && o.from !== 'env') {
    throw invalidAt(o, 'a proxy URL with a user name or password may only come from the environment (HTTPS_PROXY or LPA_AGENT_PROXY): it is a secret');
  }
  return v;
}

function intValue(raw: unknown, o: Origin, bounds: IntBounds): number {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^\d{1,15}$/.test(s) || Number(s) < min || Number(s) > max) throw invalidAt(o, `${shown(raw)} is not a whole number from ${min} to ${max}`);
  return Number(s);
}

/** Turns one raw value into the typed value of a key of this kind. */
export function coerce(kind: Kind, raw: unknown, o: Origin, bounds: IntBounds = {}): unknown {
  switch (kind) {
    case 'int':
      return intValue(raw, o, bounds);
    case 'aid': {
      const v = text(raw, o, 64);
      if (o.from === 'flag') return Buffer.from(parseAid(v, o.where)).toString('hex').toUpperCase(); // `--isdr-aid "A0" is not an AID: ...`
      try {
        return Buffer.from(parseAid(v, 'the ISD-R AID', 'CONFIG_INVALID')).toString('hex').toUpperCase();
      } catch (e) {
        throw invalidAt(o, e instanceof Error ? e.message : String(e), {}, e);
      }
    }
    case 'address': {
      const v = text(raw, o, 300);
      try {
        return parseSmdpAddress(v).value;
      } catch (e) {
        throw invalidAt(o, (e instanceof Error ? e.message : String(e)).replace('SM-DP+ address', 'SM-DS address'), {}, e);
      }
    }
    case 'imei':
      try {
        return parseImei(text(raw, o, 64));
      } catch (e) {
        if (e instanceof LpaError && e.code !== 'USAGE') throw e;
        throw invalidAt(o, e instanceof Error ? e.message : String(e), {}, e);
      }
    case 'device':
      return deviceValue(raw, o);
    case 'text':
      return text(raw, o, 256);
    case 'vendor': {
      const v = text(raw, o).toLowerCase();
      if (!VENDORS.includes(v)) throw invalidAt(o, `${shown(raw)} is not a known modem vendor (one of: ${VENDORS.join(', ')})`);
      return v;
    }
    case 'cloud': {
      const v = text(raw, o).toLowerCase();
      if (v !== 'twilio' && v !== 'kore' && v !== 'backend' && v !== 'smds') throw invalidAt(o, `${shown(raw)} is not a cloud (twilio, kore, backend or smds)`);
      return v;
    }
    case 'baud': {
      const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
      if (!/^\d{1,7}$/.test(s) || Number(s) < 300 || Number(s) > 4_000_000) {
        throw invalidAt(o, `${shown(raw)} is not a baud rate (a whole number from 300 to 4000000)`);
      }
      return Number(s);
    }
    case 'bool':
      return boolValue(raw, o);
    case 'url':
      return urlValue(text(raw, o, 2048), o, false);
    case 'urlTemplate':
      return urlValue(text(raw, o, 2048), o, true);
    case 'proxy':
      return proxyValue(raw, o);
    case 'path':
      return resolve(o.base, text(raw, o, 4096));
    case 'paths':
      return list(raw, o, true).map((p) => resolve(o.base, p));
    case 'hosts':
      // NO_PROXY style: commas or spaces, in any source
      return list(typeof raw === 'string' || Array.isArray(raw) ? [raw].flat().flatMap((x) => (typeof x === 'string' ? x.split(/[\s,]+/).filter(Boolean) : [x])) : raw, o, false).map((h) => {
        if (/\s/.test(h)) throw invalidAt(o, `${shown(h)} is not a host name, domain, IP address or CIDR range`);
        return h;
      });
    case 'connectTo':
      return list(raw, o, false).map((v) => {
        try {
          parseConnectTo(v, { code: 'CONFIG_INVALID' });
        } catch (e) {
          const reason = e instanceof LpaError ? String(e.details.reason ?? e.message) : String(e);
          throw invalidAt(o, `${shown(v)} is not HOST:PORT:HOST2:PORT2 (${reason})`, {}, e);
        }
        return v;
      });
    case 'duration': {
      let ms: number;
      try {
        if (typeof raw === 'number' && o.from === 'file') ms = parseDuration(String(raw));
        else if (typeof raw === 'string') ms = parseDuration(raw);
        else throw new LpaError('CONFIG_INVALID', `${shown(raw)} is not a duration (a string like "90s" or a number of seconds)`);
      } catch (e) {
        throw invalidAt(o, e instanceof Error ? e.message : String(e), {}, e);
      }
      if (ms < 1000 || ms > 7 * 86_400_000) throw invalidAt(o, `${shown(raw)} is out of range (1s to 7d)`);
      return ms;
    }
  }
}

export { DEVICE_SYNTAX };
