/**
 * The HTTPS side every simulated RSP server shares (the local SM-DP+ and the local SM-DS): a
 * node:https server with keep-alive, each request routed to a JSON answer, the emulated network
 * round trip and processing time, per-function counters, and listening / closing helpers.
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { LpaError } from '../../errors.js';
import { readBody, sendEmpty, sendJson } from './httpio.js';
import { MAX_REQUEST_BYTES, type Es9Answer, type Es9Request } from './router.js';
import { failedBody } from './status.js';

export interface Es9HttpsOptions {
  host: string;
  port: number;
  /** Certificate and key (PEM) the server presents. */
  tls: { certPem: string; keyPem: string };
  route(req: Es9Request): Es9Answer;
  /** For messages: "SM-DP+" or "SM-DS". */
  role: string;
  latencyMs?: number;
  rttMs?: number;
}

/**
 * One answered request for the bench: arrival (ms since the epoch), the modelled delay it was
 * charged (ms: latency + RTT, plus what was left of the handshake's 2 RTT), the function, and the
 * server's own compute time (ms, part of the modelled delay).
 */
export type Es9RequestEvent = [atMs: number, chargedMs: number, fn: string, computeMs: number];

/** Most request events kept. */
const MAX_EVENTS = 10_000;

export interface Es9Https {
  port: number;
  /** Requests answered, by function. */
  requests: Record<string, number>;
  /** Each answered request, in order (at most 10,000). */
  timeline: Es9RequestEvent[];
  tlsConnections(): number;
  close(): Promise<void>;
}

export function listen(server: Server, port: number, host: string, role: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(new LpaError('CONFIG_INVALID', `${role} cannot listen on ${host}:${port}: ${e.message}`, { host, port }, { cause: e }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts the HTTPS server; every answer is JSON (or 204), never HTML. */
export async function startEs9Https(options: Es9HttpsOptions): Promise<Es9Https> {
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const rttMs = Math.max(0, options.rttMs ?? 0);
  const handshaken = new WeakSet<object>();
  // when each TCP connection was accepted, by the client's port: the handshake's round trips run from there
  const acceptedAt = new Map<number, number>();
  const requests: Record<string, number> = {};
  const timeline: Es9RequestEvent[] = [];
  let tlsConnections = 0;
  const now = (): number => performance.timeOrigin + performance.now();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      const arrived = now();
      const answer = options.route({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
        ...(typeof req.headers['x-admin-protocol'] === 'string' ? { adminProtocol: req.headers['x-admin-protocol'] } : {}),
        body,
      });
      if (answer.function) requests[answer.function] = (requests[answer.function] ?? 0) + 1;
      let modelled = latencyMs + rttMs;
      if (!handshaken.has(req.socket)) {
        handshaken.add(req.socket);
        // TCP + TLS take 2 RTT from the connection: a client that connected early (while its module
        // worked) has already paid them, one that sends at once waits for what is left
        const accepted = acceptedAt.get(req.socket.remotePort ?? -1) ?? arrived;
        modelled += Math.max(0, accepted + 2 * rttMs - arrived);
      }
      // the simulator's own compute (signing, the BPP) is part of the modelled time, as in the module
      const computeMs = now() - arrived;
      if (timeline.length < MAX_EVENTS) timeline.push([arrived, modelled, answer.function ?? req.url ?? '', computeMs]);
      const delay = modelled - computeMs;
      if (delay > 0) await sleep(delay);
      const headers = { 'X-Admin-Protocol': 'gsma/rsp/v2.2.0' };
      if (answer.json === undefined) sendEmpty(res, answer.status, headers);
      else sendJson(res, answer.status, answer.json, headers);
    })().catch((e: unknown) => sendJson(res, 500, failedBody({ subjectCode: '8.8', reasonCode: '4.2', message: `internal error: ${String(e)}` })));
  };
  const server = createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem, keepAlive: true, keepAliveTimeout: 60_000 }, onRequest);
  server.on('connection', (sock: Socket) => {
    const port = sock.remotePort;
    if (port === undefined) return;
    acceptedAt.set(port, now());
    sock.once('close', () => acceptedAt.delete(port));
  });
  server.on('secureConnection', () => (tlsConnections += 1));
  server.on('tlsClientError', () => undefined);
  const port = await listen(server, options.port, options.host, options.role);
  let closed: Promise<void> | undefined;
  return {
    port,
    requests,
    timeline,
    tlsConnections: () => tlsConnections,
    close() {
      closed ??= closeServer(server);
      return closed;
    },
  };
}
