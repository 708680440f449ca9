/** A real HTTPS (or plain HTTP) server on 127.0.0.1 standing in for an SM-DP+ in ES9+ client tests. */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadSmdpPki } from '../../../src/sim/smdp/pki.js';
import { dataPath } from '../../../src/util/data.js';

export const SMDP_HOST = 'testsmdpplus1.example.com';
export const TEST_CI_PEM = dataPath('pki', 'sgp26', 'ci', 'CERT_CI_ECDSA_NIST.pem');
export const TEST_CI_DER = dataPath('pki', 'sgp26', 'ci', 'CERT_CI_ECDSA_NIST.der');
/** The DPtls certificate as the local SM-DP+ issues it at start (valid from yesterday): tests work on any clock. */
export const DPTLS_CERT = loadSmdpPki().tls.certPem;
export const DPTLS_KEY = readFileSync(dataPath('pki', 'sgp26', 'dptls', 'SK_S_SM_DP_TLS_NIST.pem'), 'utf8');

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void;

export interface TestServer {
  port: number;
  requests: RecordedRequest[];
  /** TLS sessions the server accepted (plain HTTP: TCP connections). */
  connections: number;
  /** Closes every open connection (idle keep-alive ones included); the server keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface ServerOptions {
  cert?: string;
  key?: string;
  /** Plain HTTP instead of HTTPS. */
  plain?: boolean;
}

export async function startServer(handler: Handler, options: ServerOptions = {}): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const state = { connections: 0 };
  const onRequest = (req: import('node:http').IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      handler(rec, res);
    });
  };
  let server: Server;
  if (options.plain) {
    server = createHttpServer(onRequest);
    server.on('connection', () => (state.connections += 1));
  } else {
    server = createHttpsServer({ cert: options.cert ?? DPTLS_CERT, key: options.key ?? DPTLS_KEY }, onRequest);
    server.on('secureConnection', () => (state.connections += 1));
    server.on('tlsClientError', () => undefined);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    get connections() {
      return state.connections;
    },
    dropConnections: () => server.closeAllConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Admin-Protocol': 'gsma/rsp/v2.5.0' });
  res.end(text);
}

export function connectToFor(port: number, host = SMDP_HOST): string {
  return `${host}:443:127.0.0.1:${port}`;
}
