/**
 * curl's `--connect-to HOST:PORT:HOST2:PORT2`: requests for HOST:PORT are sent to HOST2:PORT2,
 * while the name used for SNI, the certificate host check, the Host header and the ES9+
 * smdpAddress stays HOST. An empty HOST or PORT matches any; an empty HOST2 or PORT2 keeps the
 * original. IPv6 literals are written in brackets (`[::1]`). The first matching rule wins.
 */
import { isIP } from 'node:net';
import { LpaError, type ErrorCode } from '../errors.js';
import { isHostName } from './address.js';

export interface ConnectToRule {
  /** Host to match (lower-cased, no brackets), or undefined for any host. */
  readonly fromHost?: string;
  /** Port to match, or undefined for any port. */
  readonly fromPort?: number;
  /** Host to connect to instead (no brackets), or undefined to keep the original. */
  readonly toHost?: string;
  /** Port to connect to instead, or undefined to keep the original. */
  readonly toPort?: number;
  /** The option value as given, for messages. */
  readonly source: string;
}

export interface ConnectTarget {
  host: string;
  port: number;
}

export interface ParseConnectToOptions {
  /** Error code for a bad value: USAGE for a command-line option (default), CONFIG_INVALID for a config file. */
  code?: Extract<ErrorCode, 'USAGE' | 'CONFIG_INVALID'>;
}

/** Splits off one field (host or port) at `pos`, honouring `[...]` brackets. */
function readField(text: string, pos: number, bracketsAllowed: boolean): { field: string; bracketed: boolean; next: number } {
  if (bracketsAllowed && text[pos] === '[') {
    const end = text.indexOf(']', pos);
    if (end < 0) throw new Error('unclosed "["');
    const after = end + 1;
    if (after < text.length && text[after] !== ':') throw new Error(`unexpected "${text[after]}" after "]"`);
    return { field: text.slice(pos + 1, end), bracketed: true, next: after };
  }
  const colon = text.indexOf(':', pos);
  const end = colon < 0 ? text.length : colon;
  return { field: text.slice(pos, end), bracketed: false, next: end };
}

function checkHost(field: string, bracketed: boolean): string {
  if (bracketed) {
    if (isIP(field) !== 6) throw new Error(`"[${field}]" is not an IPv6 address`);
    return field.toLowerCase();
  }
  if (isIP(field) === 4 || isHostName(field)) return field.toLowerCase();
  throw new Error(`"${field}" is not a host name or IPv4 address (IPv6 needs brackets)`);
}

function checkPort(field: string): number {
  if (!/^\d{1,5}$/.test(field)) throw new Error(`port "${field}" is not a number`);
  const port = Number(field);
  if (port < 1 || port > 65535) throw new Error(`port ${port} is out of range 1-65535`);
  return port;
}

/** Parses one `--connect-to` value; throws USAGE (or CONFIG_INVALID) naming the bad value. */
export function parseConnectTo(value: string, options: ParseConnectToOptions = {}): ConnectToRule {
  const code = options.code ?? 'USAGE';
  try {
    if (typeof value !== 'string' || value.length === 0) throw new Error('empty value');
    if (/\s/.test(value)) throw new Error('contains white space');
    const fields: { field: string; bracketed: boolean }[] = [];
    let pos = 0;
    for (let i = 0; i < 4; i++) {
      const isHostField = i % 2 === 0;
      const f = readField(value, pos, isHostField);
      fields.push({ field: f.field, bracketed: f.bracketed });
      pos = f.next;
      if (i < 3) {
        if (value[pos] !== ':') throw new Error('expected 4 fields HOST:PORT:HOST2:PORT2');
        pos += 1;
      }
    }
    if (pos !== value.length) throw new Error('expected 4 fields HOST:PORT:HOST2:PORT2 (IPv6 addresses need brackets)');
    const [h1, p1, h2, p2] = fields as [typeof fields[0], typeof fields[0], typeof fields[0], typeof fields[0]];
    const rule: ConnectToRule = {
      source: value,
      ...(h1.field !== '' || h1.bracketed ? { fromHost: checkHost(h1.field, h1.bracketed) } : {}),
      ...(p1.field !== '' ? { fromPort: checkPort(p1.field) } : {}),
      ...(h2.field !== '' || h2.bracketed ? { toHost: checkHost(h2.field, h2.bracketed) } : {}),
      ...(p2.field !== '' ? { toPort: checkPort(p2.field) } : {}),
    };
    return rule;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new LpaError(code, `invalid --connect-to "${value}": ${reason}`, { option: '--connect-to', value, reason }, { cause: e });
  }
}

/** Parses several `--connect-to` values (in order; the first match wins at resolution). */
export function parseConnectToList(values: readonly string[], options: ParseConnectToOptions = {}): ConnectToRule[] {
  return values.map((v) => parseConnectTo(v, options));
}

/** Where traffic for host:port really goes; returns the input when no rule matches. */
export function resolveConnectTo(rules: readonly ConnectToRule[], host: string, port: number): ConnectTarget & { rule?: ConnectToRule } {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  for (const rule of rules) {
    if (rule.fromHost !== undefined && rule.fromHost !== h) continue;
    if (rule.fromPort !== undefined && rule.fromPort !== port) continue;
    return { host: rule.toHost ?? h, port: rule.toPort ?? port, rule };
  }
  return { host: h, port };
}

/** `host:port` of a target, IPv6 in brackets. */
export function formatTarget(t: ConnectTarget): string {
  return `${isIP(t.host) === 6 ? `[${t.host}]` : t.host}:${t.port}`;
}
