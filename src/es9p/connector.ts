/**
 * The undici connector of the ES9+ client: opens the TLS connection to where `--connect-to` says,
 * with SNI and the certificate host check on the SM-DP+'s own name, the ES9+ trust store, a bounded
 * connect time, and a count of TLS handshakes. Every failure reaches undici as an LpaError with
 * `details.phase = 'connect'`: the request cannot have been sent, which the client's retry
 * policy relies on.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import { formatTarget, resolveConnectTo, type ConnectToRule } from './connectTo.js';
import { networkError } from './netErrors.js';
import { certificateError, type TrustStore } from './tls.js';

export interface HandshakeInfo {
  host: string;
  target: string;
  ms: number;
  protocol: string | null;
  cipher: string;
  sessionReused: boolean;
}

export interface ConnectorOptions {
  /** SM-DP+ host name (lower-case, no brackets) used for SNI and the certificate check. */
  host: string;
  port: number;
  trust: TrustStore;
  connectTo: readonly ConnectToRule[];
  connectTimeoutMs: number;
  onHandshake(info: HandshakeInfo): void;
  onConnectAttempt(): void;
}

export function createConnector(opts: ConnectorOptions): buildConnector.connector {
  const target = resolveConnectTo(opts.connectTo, opts.host, opts.port);
  const targetText = formatTarget(target);
  const servername = isIP(opts.host) === 0 ? opts.host : undefined;

  return (_options, callback) => {
    opts.onConnectAttempt();
    const started = performance.now();
    let done = false;
    let socket: TLSSocket | undefined;
    const finish = (err: Error | null, sock?: TLSSocket) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        socket?.destroy();
        callback(err, null);
      } else {
        callback(null, sock!);
      }
    };
    const timer = setTimeout(() => {
      const e = Object.assign(new Error(`connect timeout after ${opts.connectTimeoutMs} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
      finish(networkError(e, { host: opts.host, target: targetText, phase: 'connect' }));
    }, opts.connectTimeoutMs);

    try {
      socket = tlsConnect({
        host: target.host,
        port: target.port,
        ...(servername ? { servername } : {}),
        secureContext: opts.trust.secureContext(),
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        ALPNProtocols: ['http/1.1'],
        // The certificate must name the SM-DP+, not the --connect-to target.
        checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(opts.host, cert),
      });
    } catch (e) {
      finish(networkError(e, { host: opts.host, target: targetText, phase: 'connect' }));
      return;
    }
    const sock = socket;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 60_000);
    sock.once('secureConnect', () => {
      const cipher = sock.getCipher();
      opts.onHandshake({
        host: opts.host,
        target: targetText,
        ms: Math.round(performance.now() - started),
        protocol: sock.getProtocol(),
        cipher: cipher.name,
        sessionReused: sock.isSessionReused(),
      });
      finish(null, sock);
    });
    sock.on('error', (err) => {
      if (done) return;
      let peer: PeerCertificate | undefined;
      try {
        const p = sock.getPeerCertificate();
        peer = p && Object.keys(p).length > 0 ? p : undefined;
      } catch {
        peer = undefined;
      }
      const mapped =
        certificateError(err, opts.host, peer) ?? networkError(err, { host: opts.host, target: targetText, phase: 'connect' });
      mapped.details.phase = 'connect';
      mapped.details.target ??= targetText;
      finish(mapped);
    });
  };
}
