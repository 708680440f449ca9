/**
 * SM-DP+ address (SGP.22 smdpAddress): a host name, optionally followed by `:port`.
 *
 * The ES9+ body carries the address exactly as the user (or the activation code, or the eUICC's
 * default address) gave it, because the SM-DP+ signs it into serverSigned1 and the eUICC compares
 * it. Comparisons use the lower-cased form. A leading `https://` (any case) and one trailing `/`
 * are tolerated and stripped (`schemeStripped` tells the caller, who may warn), and so is the
 * trailing dot of a fully qualified host name (`smdp.example.com.`); any other scheme,
 * a path, a query, user info or an empty label is INVALID_ADDRESS.
 */
import { isIP } from 'node:net';
import { LpaError } from '../errors.js';

export interface SmdpAddress {
  /** The address as given, minus a stripped `https://`, a trailing `/` and a trailing dot of the host name: what the ES9+ body carries. */
  readonly value: string;
  /** Lower-cased host name, without brackets for IPv6 literals. */
  readonly host: string;
  /** TCP port: the one given, else 443. */
  readonly port: number;
  /** True when the user wrote a port explicitly. */
  readonly explicitPort: boolean;
  /** `host[:port]` for URLs (IPv6 in brackets), lower-cased. */
  readonly authority: string;
  /** Canonical form for comparisons: lower-cased, `:443` dropped. */
  readonly normalized: string;
  /** True when a leading `https://` (or a trailing `/`) was removed from the input. */
  readonly schemeStripped: boolean;
}

const MAX_HOST_LENGTH = 253;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

function bad(input: string, reason: string): LpaError {
  const shown = input.length > 80 ? `${input.slice(0, 80)}...` : input;
  return new LpaError('INVALID_ADDRESS', `invalid SM-DP+ address "${shown}": ${reason}`, { address: shown, reason });
}

/** True for a syntactically valid DNS host name (letters, digits, hyphens; labels 1-63; total <= 253). */
export function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > MAX_HOST_LENGTH) return false;
  const labels = host.split('.');
  if (!labels.every((l) => LABEL_RE.test(l))) return false;
  // An all-numeric last label would be a (malformed) IPv4 address, not a name.
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(input, `port "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw bad(input, `port ${port} is out of range 1-65535`);
  return port;
}

/** Validates and normalises an SM-DP+ address; throws INVALID_ADDRESS with the reason. */
export function parseSmdpAddress(input: string): SmdpAddress {
  if (typeof input !== 'string') throw bad(String(input), 'not a string');
  let text = input.trim();
  if (text !== input) throw bad(input, 'leading or trailing white space');
  if (text.length === 0) throw bad(input, 'empty');
  let schemeStripped = false;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== 'https') throw bad(input, `scheme "${scheme[1]}://" is not allowed (ES9+ is HTTPS only; give the host name)`);
    text = text.slice(scheme[0].length);
    schemeStripped = true;
  }
  if (text.endsWith('/')) {
    text = text.slice(0, -1);
    schemeStripped = true;
  }
  if (text.length === 0) throw bad(input, 'no host name');
  if (/[/?#]/.test(text)) throw bad(input, 'a path, query or fragment is not allowed; give the host name only');
  if (text.includes('@')) throw bad(input, 'user information is not allowed');
  if (/\s/.test(text)) throw bad(input, 'contains white space');

  let hostPart: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) throw bad(input, 'unclosed "[" in IPv6 address');
    hostPart = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) throw bad(input, `unexpected "${rest}" after IPv6 address`);
      portText = rest.slice(1);
    }
    if (isIP(hostPart) !== 6) throw bad(input, `"${hostPart}" is not an IPv6 address`);
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      if (text.indexOf(':', colon + 1) >= 0) throw bad(input, 'IPv6 addresses must be written in brackets, e.g. [::1]:8443');
      hostPart = text.slice(0, colon);
      portText = text.slice(colon + 1);
    } else {
      hostPart = text;
    }
    if (hostPart.length === 0) throw bad(input, 'no host name');
    // a fully qualified name may end with the root's dot (DNS treats both alike); it is dropped
    if (hostPart.endsWith('.') && hostPart.length > 1 && isHostName(hostPart.slice(0, -1))) {
      hostPart = hostPart.slice(0, -1);
      text = portText === undefined ? hostPart : `${hostPart}:${portText}`;
    }
    if (isIP(hostPart) !== 4 && !isHostName(hostPart)) {
      throw bad(input, `"${hostPart}" is not a valid host name (letters, digits, hyphens and dots; no empty labels)`);
    }
  }
  const port = portText === undefined ? 443 : parsePort(portText, input);
  const host = hostPart.toLowerCase();
  const hostForUrl = isIP(host) === 6 ? `[${host}]` : host;
  const authority = portText === undefined ? hostForUrl : `${hostForUrl}:${port}`;
  return {
    value: text,
    host,
    port,
    explicitPort: portText !== undefined,
    authority,
    normalized: port === 443 ? hostForUrl : `${hostForUrl}:${port}`,
    schemeStripped,
  };
}

/** True when two addresses name the same SM-DP+ (case-insensitive, `:443` optional). */
export function sameSmdpAddress(a: string | SmdpAddress, b: string | SmdpAddress): boolean {
  const na = typeof a === 'string' ? parseSmdpAddress(a).normalized : a.normalized;
  const nb = typeof b === 'string' ? parseSmdpAddress(b).normalized : b.normalized;
  return na === nb;
}
