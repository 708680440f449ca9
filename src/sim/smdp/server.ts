/**
 * The local SM-DP+: ES9+ over HTTPS (node:https, the SGP.26 DPtls certificate for
 * testsmdpplus1.example.com, keep-alive on) plus the admin interface over plain HTTP on a second
 * port of 127.0.0.1 (see admin.ts). Clients reach it with
 * `--connect-to testsmdpplus1.example.com:443:127.0.0.1:<port> --ca <CI certificate>`.
 */

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { LpaError } from '../../errors.js';
import { parseSmdpAddress } from '../../es9p/address.js';
import type { SmdpHook } from '../cloud/types.js';
import { adminHandler, createAdmin, type SmdpAdmin } from './admin.js';
import type { SmdpContext, SmdpInstallEvent } from './es9/context.js';
import { createSmdpHook } from './hook.js';
import { readBody, sendEmpty, sendJson } from './httpio.js';
import { NotificationLog } from './notifications.js';
import { OrderBook } from './orders.js';
import { loadSmdpPki, smdpCaFile } from './pki.js';
import { loadCatalogue, type ProfileClassName, type ProfilePolicy } from './profiles.js';
import { MAX_REQUEST_BYTES, routeEs9 } from './router.js';
import { SessionStore } from './sessions.js';
import { failedBody } from './status.js';

export const DEFAULT_SMDP_ADDRESS = 'testsmdpplus1.example.com';
/** BSP host id, an opaque octet string of the SM-DP+'s choice. */
export const DEFAULT_HOST_ID = new TextEncoder().encode('lpa-agent-smdp');

export interface SmdpOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Admin HTTP port on 127.0.0.1; 0 (default) picks a free one. */
  adminPort?: number;
  /** The address signed into serverSigned1; default testsmdpplus1.example.com (the DPtls name). */
  address?: string;
  /** EID-bound orders (Default SM-DP+ method) created at start; `profile` defaults to a free one. */
  binds?: { eid: string; matchingId?: string; profile?: string }[];
  /** Confirmation codes by matching id, applied after the binds. */
  confirmationCodes?: Record<string, string>;
  /** Send ReplaceSessionKeys in the BPP; default true. */
  replaceSessionKeys?: boolean;
  /** Delay added to every ES9+ answer (server processing, for the bench); default 0. */
  latencyMs?: number;
  /**
   * Network round-trip time to emulate (for the bench); default 0. Every ES9+ answer waits 1 RTT,
   * and the first answer on a new TLS connection 2 more (the handshake's round trips).
   */
  rttMs?: number;
  /** One default order per profile by its id as matching id; default true. */
  defaultOrders?: boolean;
  /** Catalogue folder; default data/upp. */
  profilesDir?: string;
  serviceProviderName?: string;
  profileClass?: ProfileClassName;
  /** Profile Policy Rules by profile id (metadata PPR1/PPR2 and owner). */
  policyRules?: Readonly<Record<string, ProfilePolicy>>;
}

export interface SmdpServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The SM-DP+ address clients must use. */
  address: string;
  /** `--connect-to` rule for clients. */
  connectTo: string;
  /** `--ca` file for clients. */
  caFile: string;
  admin: SmdpAdmin;
  /** http://127.0.0.1:<adminPort> */
  adminUrl: string;
  adminPort: number;
  /** For the Super SIM double (`smdpHook` option). */
  hook: SmdpHook;
  /** ES9+ requests answered, by function. */
  stats(): { requests: Record<string, number>; tlsConnections: number };
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(new LpaError('CONFIG_INVALID', `SM-DP+ cannot listen on ${host}:${port}: ${e.message}`, { host, port }, { cause: e }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startSmdp(options: SmdpOptions = {}): Promise<SmdpServer> {
  const host = options.host ?? '127.0.0.1';
  const address = parseSmdpAddress(options.address ?? DEFAULT_SMDP_ADDRESS).value;
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const rttMs = Math.max(0, options.rttMs ?? 0);
  const handshaken = new WeakSet<object>();
  const pki = loadSmdpPki();
  const catalogue = loadCatalogue({
    address,
    ...(options.profilesDir !== undefined ? { dir: options.profilesDir } : {}),
    ...(options.serviceProviderName !== undefined ? { serviceProviderName: options.serviceProviderName } : {}),
    ...(options.profileClass !== undefined ? { profileClass: options.profileClass } : {}),
    ...(options.policyRules !== undefined ? { policyRules: options.policyRules } : {}),
  });
  const orders = new OrderBook(catalogue, { defaultOrders: options.defaultOrders ?? true });
  const listeners = new Set<(e: SmdpInstallEvent) => void>();
  const ctx: SmdpContext = {
    address,
    pki,
    orders,
    sessions: new SessionStore(),
    notifications: new NotificationLog(),
    emit(event) {
      for (const l of [...listeners]) {
        try {
          l(event);
        } catch {
          // a listener's failure must not break the ES9+ answer
        }
      }
    },
    replaceSessionKeys: options.replaceSessionKeys ?? true,
    hostId: DEFAULT_HOST_ID,
  };
  for (const b of options.binds ?? []) {
    orders.create({ eid: b.eid, ...(b.matchingId !== undefined ? { matchingId: b.matchingId } : {}), ...(b.profile !== undefined ? { profile: b.profile } : {}) });
  }
  for (const [matchingId, code] of Object.entries(options.confirmationCodes ?? {})) orders.setConfirmationCode(matchingId, code);
  const admin = createAdmin(ctx, listeners);

  const requests: Record<string, number> = {};
  let tlsConnections = 0;
  const onEs9 = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const body = await readBody(req, MAX_REQUEST_BYTES);
      const answer = routeEs9(ctx, {
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
  const es9 = createHttpsServer({ cert: pki.tls.certPem, key: pki.tls.keyPem, keepAlive: true, keepAliveTimeout: 60_000 }, onEs9);
  es9.on('secureConnection', () => (tlsConnections += 1));
  es9.on('tlsClientError', () => undefined);
  const adminServer = createHttpServer(adminHandler(admin));
  const port = await listen(es9, options.port ?? 0, host);
  let adminPort: number;
  try {
    adminPort = await listen(adminServer, options.adminPort ?? 0, '127.0.0.1');
  } catch (e) {
    await closeServer(es9);
    throw e;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `https://${urlHost}:${port}`,
    port,
    address,
    connectTo: `${parseSmdpAddress(address).host}:${parseSmdpAddress(address).port}:${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`,
    caFile: smdpCaFile(),
    admin,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    adminPort,
    hook: createSmdpHook(admin, address),
    stats: () => ({ requests: { ...requests }, tlsConnections }),
    close() {
      closed ??= Promise.all([closeServer(es9), closeServer(adminServer)]).then(() => undefined);
      return closed;
    },
  };
}
