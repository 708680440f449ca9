/**
 * HTTPS through an HTTP proxy, as gateways behind corporate proxies need it: `HTTPS_PROXY` /
 * `NO_PROXY` (or `--proxy` / `--noproxy`) pick the proxy; the connection to the server is an
 * HTTP CONNECT tunnel, and TLS runs inside it end to end, so the server certificate is verified
 * exactly as without a proxy (a proxy that answers TLS itself is refused like any other untrusted
 * certificate).
 *
 * Loopback targets (127.0.0.0/8, ::1, localhost) never go through a proxy. Credentials in the proxy
 * URL (`http://user:pass@proxy:3128`) become a Proxy-Authorization header and never appear in
 * messages.
 */
import { BlockList, connect as netConnect, isIP, type Socket } from 'node:net';
import { LpaError } from '../errors.js';

export interface ProxySettings {
  /** `http://[user:pass@]host[:port]` or `host:port`; absent: no proxy. */
  url?: string;
  /** NO_PROXY entries: `*`, `example.com` (and its subdomains), `.example.com`, `host:port`, IPs, CIDR ranges. */
  noProxy?: readonly string[];
}

export interface ProxyServer {
  host: string;
  port: number;
  /** `host:port` for messages (never the credentials). */
  label: string;
  /** `Basic ...` when the URL carried a user name. */
  authorization?: string;
}

/** Parses a proxy URL; CONFIG-style errors are thrown by the caller's validation, this one says what is wrong. */
export function parseProxyUrl(text: string): ProxyServer {
  const raw = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new Error('is not a proxy URL (http://host:port)');
  }
  if (u.protocol !== 'http:') throw new Error(`uses ${u.protocol.replace(':', '')}://; only http:// proxies (HTTP CONNECT) are supported`);
  if ((u.pathname !== '' && u.pathname !== '/') || u.search || u.hash) throw new Error('must be http://host:port without a path');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new Error('has no host');
  const port = u.port === '' ? 80 : Number(u.port);
  if (port < 1 || port > 65535) throw new Error(`has port ${port}; a port is 1 to 65535`);
  const label = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const server: ProxyServer = { host, port, label };
  if (u.username !== '') {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    server.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return server;
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost` (and its subdomains). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || h === '0:0:0:0:0:0:0:1';
  return false;
}

/** Splits a NO_PROXY value (commas or white space). */
export function splitNoProxy(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

/** Does one NO_PROXY entry cover host:port? */
function entryMatches(entry: string, host: string, port: number): boolean {
  let e = entry.trim().toLowerCase();
  if (e === '*') return true;
  const cidr = /^(.+)\/(\d{1,3})$/.exec(e);
  if (cidr && isIP(cidr[1]!.replace(/^\[(.*)\]$/, '$1')) !== 0) {
    const net = cidr[1]!.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(host) === 0 || (isIP(host) === 6 ? 'ipv6' : 'ipv4') !== family) return false;
    try {
      const list = new BlockList();
      list.addSubnet(net, Number(cidr[2]), family);
      return list.check(host, family);
    } catch {
      return false;
    }
  }
  // host:port (IPv6 in brackets)
  const hp = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(e);
  if (hp) {
    if (Number(hp[2]) !== port) return false;
    e = hp[1]!;
  }
  e = e.replace(/^\[(.*)\]$/, '$1');
  if (e.startsWith('*.')) e = e.slice(1);
  if (e.startsWith('.')) return host.endsWith(e) || host === e.slice(1);
  return host === e || host.endsWith(`.${e}`);
}

/** The proxy for a connection to host:port, or undefined for a direct one. */
export function proxyFor(settings: ProxySettings | undefined, host: string, port: number): ProxyServer | undefined {
  if (!settings?.url) return undefined;
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (isLoopback(h)) return undefined;
  if ((settings.noProxy ?? []).some((e) => entryMatches(e, h, port))) return undefined;
  return parseProxyUrl(settings.url);
}

const MAX_PROXY_HEADER = 16 * 1024;

/**
 * Opens a CONNECT tunnel to host:port through the proxy; resolves with the raw socket, ready for
 * TLS. Rejects with a NETWORK LpaError naming the proxy (never its credentials) and what it said.
 * The caller bounds the time (it destroys the socket on timeout through `onSocket`).
 */
export function openTunnel(proxy: ProxyServer, host: string, port: number, onSocket?: (s: Socket) => void): Promise<Socket> {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: proxy.host, port: proxy.port });
    onSocket?.(socket);
    let buffered = Buffer.alloc(0);
    let settled = false;
    const fail = (message: string, details: Record<string, unknown> = {}, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(
        new LpaError('NETWORK', `proxy ${proxy.label}: ${message}`, { proxy: proxy.label, target: authority, phase: 'connect', ...details }, cause === undefined ? undefined : { cause }),
      );
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > MAX_PROXY_HEADER) fail(`answer to CONNECT ${authority} is larger than ${MAX_PROXY_HEADER} bytes`);
        return;
      }
      socket.off('data', onData);
      const statusLine = buffered.subarray(0, buffered.indexOf('\r\n')).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
      if (!m) return fail(`answered CONNECT ${authority} with "${statusLine.slice(0, 80)}", not HTTP`);
      const status = Number(m[1]);
      if (status < 200 || status > 299) {
        const hint = status === 407 ? ' (the proxy wants credentials: http://user:password@host:port)' : '';
        return fail(`refused CONNECT ${authority}: HTTP ${status}${m[2] ? ` ${m[2]}` : ''}${hint}`, { httpStatus: status });
      }
      settled = true;
      socket.off('error', onError);
      socket.off('close', onClose);
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const onError = (e: Error): void => fail(`cannot reach the proxy: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { netCode: (e as NodeJS.ErrnoException).code }, e);
    const onClose = (): void => fail(`closed the connection before answering CONNECT ${authority}`);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.once('connect', () => {
      const headers = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`, ...(proxy.authorization ? [`Proxy-Authorization: ${proxy.authorization}`] : []), '', ''];
      socket.write(headers.join('\r\n'));
    });
  });
}
