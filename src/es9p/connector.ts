/**
 * The undici connectors of lpa-agent's HTTPS clients. Both verify TLS explicitly (their own trust
 * store, `rejectUnauthorized: true`, the certificate checked against the name the user gave), so
 * `NODE_TLS_REJECT_UNAUTHORIZED=0` in the environment changes nothing; both go through an HTTP
 * proxy (CONNECT tunnel, TLS end to end inside it) when one is configured.
 *
 * - `createConnector`: ES9+, one SM-DP+: `--connect-to` routing with SNI and the certificate host
 *   check on the SM-DP+'s own name, a bounded connect time, and a count of TLS handshakes. Every
 *   failure reaches undici as an LpaError with `details.phase = 'connect'`: the request cannot have
 *   been sent, which the client's retry policy relies on.
 * - `createCloudConnector`: the Super SIM API and the maker backend (any origin). Certificate
 *   refusals become CLOUD_HTTP errors; other socket errors pass through for the cloud client's
 *   retry policy. Plain http:// is only ever dialled to a loopback address.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import { isLpaError, LpaError } from '../errors.js';
import { formatTarget, resolveConnectTo, type ConnectTarget, type ConnectToRule } from './connectTo.js';
import { networkError } from './netErrors.js';
import { isLoopback, openTunnel, proxyFor, type ProxyServer, type ProxySettings } from './proxy.js';
import { certificateError, type TrustStore } from './tls.js';

export interface HandshakeInfo {
  host: string;
  target: string;
  ms: number;
  protocol: string | null;
  cipher: string;
  sessionReused: boolean;
  /** The proxy the tunnel went through (`host:port`), if any. */
  proxy?: string;
}

interface DialOptions {
  /** Name for SNI and the certificate check. */
  host: string;
  /** Where the TCP connection goes. */
  target: ConnectTarget;
  trust: TrustStore;
  proxy: ProxyServer | undefined;
  timeoutMs: number;
  /** Maps a failure (with the peer certificate when one was seen) to what undici receives. */
  mapError(err: unknown, peer?: PeerCertificate): Error;
  onHandshake?(info: HandshakeInfo): void;
}

function peerOf(sock: TLSSocket): PeerCertificate | undefined {
  try {
    const p = sock.getPeerCertificate();
    return p && Object.keys(p).length > 0 ? p : undefined;
  } catch {
    return undefined;
  }
}

/** TCP (or a CONNECT tunnel), then TLS verified against `trust` and `host`; calls back once. */
function dialTls(o: DialOptions, callback: buildConnector.Callback): void {
  const started = performance.now();
  const servername = isIP(o.host) === 0 ? o.host : undefined;
  let done = false;
  let raw: Socket | undefined;
  let tls: TLSSocket | undefined;
  const finish = (err: Error | null, sock?: TLSSocket): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (err) {
      tls?.destroy();
      raw?.destroy();
      callback(err, null);
    } else callback(null, sock!);
  };
  const timer = setTimeout(() => {
    const e = Object.assign(new Error(`connect timeout after ${o.timeoutMs} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    finish(o.mapError(e));
  }, o.timeoutMs);

  const startTls = (socket?: Socket): void => {
    if (done) {
      socket?.destroy();
      return;
    }
    try {
      tls = tlsConnect({
        ...(socket ? { socket } : { host: o.target.host, port: o.target.port }),
        ...(servername ? { servername } : {}),
        secureContext: o.trust.secureContext(),
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        ALPNProtocols: ['http/1.1'],
        // The certificate must name the server the user gave, not the --connect-to target or the proxy.
        checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(o.host, cert),
      });
    } catch (e) {
      finish(o.mapError(e));
      return;
    }
    const sock = tls;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 60_000);
    sock.once('secureConnect', () => {
      const cipher = sock.getCipher();
      o.onHandshake?.({
        host: o.host,
        target: formatTarget(o.target),
        ms: Math.round(performance.now() - started),
        protocol: sock.getProtocol(),
        cipher: cipher.name,
        sessionReused: sock.isSessionReused(),
        ...(o.proxy ? { proxy: o.proxy.label } : {}),
      });
      finish(null, sock);
    });
    sock.on('error', (err) => {
      if (!done) finish(o.mapError(err, peerOf(sock)));
    });
  };

  if (!o.proxy) {
    startTls();
    return;
  }
  openTunnel(o.proxy, o.target.host, o.target.port, (s) => {
    raw = s;
  }).then(startTls, (e: unknown) => finish(o.mapError(e)));
}

export interface ConnectorOptions {
  /** SM-DP+ host name (lower-case, no brackets) used for SNI and the certificate check. */
  host: string;
  port: number;
  trust: TrustStore;
  connectTo: readonly ConnectToRule[];
  connectTimeoutMs: number;
  /** HTTPS_PROXY / NO_PROXY settings; absent: always direct. */
  proxy?: ProxySettings;
  onHandshake(info: HandshakeInfo): void;
  onConnectAttempt(): void;
}

/** The proxy for a connection to `host:port` routed to `target`: direct when either name is exempt. */
function proxyOf(settings: ProxySettings | undefined, host: string, port: number, target: ConnectTarget): ProxyServer | undefined {
  return proxyFor(settings, host, port) ? proxyFor(settings, target.host, target.port) : undefined;
}

export function createConnector(opts: ConnectorOptions): buildConnector.connector {
  const target = resolveConnectTo(opts.connectTo, opts.host, opts.port);
  const targetText = formatTarget(target);
  const proxy = proxyOf(opts.proxy, opts.host, opts.port, target);
  const mapError = (err: unknown, peer?: PeerCertificate): Error => {
    const mapped = certificateError(err, opts.host, peer) ?? networkError(err, { host: opts.host, target: targetText, phase: 'connect' });
    mapped.details.phase = 'connect';
    mapped.details.target ??= targetText;
    return mapped;
  };
  return (_options, callback) => {
    opts.onConnectAttempt();
    dialTls({ host: opts.host, target, trust: opts.trust, proxy, timeoutMs: opts.connectTimeoutMs, mapError, onHandshake: opts.onHandshake }, callback);
  };
}

export interface CloudConnectorOptions {
  trust: TrustStore;
  proxy?: ProxySettings;
  connectTimeoutMs?: number;
  onHandshake?(info: HandshakeInfo): void;
}

/**
 * Connector for an undici Agent talking to the cloud: https:// with explicit verification (system
 * roots and `--ca` files), through the proxy when configured; http:// only to loopback addresses.
 */
export function createCloudConnector(opts: CloudConnectorOptions): buildConnector.connector {
  const timeoutMs = opts.connectTimeoutMs ?? 15_000;
  return (options, callback) => {
    const host = String(options.hostname).toLowerCase().replace(/^\[(.*)\]$/, '$1');
    const https = options.protocol === 'https:';
    const port = options.port ? Number(options.port) : https ? 443 : 80;
    if (!https) {
      if (!isLoopback(host)) {
        callback(new LpaError('CONFIG_INVALID', `refusing plain http:// to ${host}: only loopback addresses may use http://, use https://`, { host }), null);
        return;
      }
      const sock = netConnect({ host, port });
      let done = false;
      sock.once('connect', () => {
        done = true;
        callback(null, sock);
      });
      sock.once('error', (e) => {
        if (!done) callback(e, null);
      });
      return;
    }
    const mapError = (err: unknown, peer?: PeerCertificate): Error => {
      const cert = certificateError(err, host, peer, { what: 'server', code: 'CLOUD_HTTP' });
      if (cert) return cert;
      // a proxy refusal is final (no retry): a cloud error naming the proxy
      if (isLpaError(err, 'NETWORK')) return new LpaError('CLOUD_HTTP', err.message, err.details, { cause: err });
      return err instanceof Error ? err : new Error(String(err));
    };
    const target = { host, port };
    dialTls({ host, target, trust: opts.trust, proxy: proxyFor(opts.proxy, host, port), timeoutMs, mapError, ...(opts.onHandshake ? { onHandshake: opts.onHandshake } : {}) }, callback);
  };
}
