/**
 * The HTTPS side every simulated RSP server shares (the local SM-DP+ and the local SM-DS): a
 * node:https server with keep-alive, each request routed to a JSON answer, the emulated network
 * round trip and processing time, per-function counters, and listening / closing helpers.
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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

export interface Es9Https {
  port: number;
  /** Requests answered, by function. */
  requests: Record<string, number>;
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
  const requests: Record<string, number> = {};
  let tlsConnections = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      const answer = options.route({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
        ...(typeof req.headers['x-admin-protocol'] === 'string' ? { adminProtocol: req.headers['x-admin-protocol'] } : {}),
        body,
      });
      if (answer.function) requests[answer.function] = (requests[answer.function] ?? 0) + 1;
      let delay = latencyMs + rttMs;
      if (!handshaken.has(req.socket)) {
        handshaken.add(req.socket);
        delay += 2 * rttMs;
      }
      if (delay > 0) await sleep(delay);
      const headers = { 'X-Admin-Protocol': 'gsma/rsp/v2.2.0' };
      if (answer.json === undefined) sendEmpty(res, answer.status, headers);
      else sendJson(res, answer.status, answer.json, headers);
    })().catch((e: unknown) => sendJson(res, 500, failedBody({ subjectCode: '8.8', reasonCode: '4.2', message: `internal error: ${String(e)}` })));
  };
  const server = createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem, keepAlive: true, keepAliveTimeout: 60_000 }, onRequest);
  server.on('secureConnection', () => (tlsConnections += 1));
  server.on('tlsClientError', () => undefined);
  const port = await listen(server, options.port, options.host, options.role);
  let closed: Promise<void> | undefined;
  return {
    port,
    requests,
    tlsConnections: () => tlsConnections,
    close() {
      closed ??= closeServer(server);
      return closed;
    },
  };
}
