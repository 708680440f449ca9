/**
 * The local SM-DP+: ES9+ over HTTPS (node:https, the SGP.26 DPtls certificate for
 * testsmdpplus1.example.com, keep-alive on) plus the admin interface over plain HTTP on a second
 * port of 127.0.0.1 (see admin.ts). Clients reach it with
 * `--connect-to testsmdpplus1.example.com:443:127.0.0.1:<port> --ca <CI certificate>`.
 */

import { createServer as createHttpServer } from 'node:http';
import { parseSmdpAddress } from '../../es9p/address.js';
import type { SmdpHook } from '../cloud/types.js';
import { adminHandler, createAdmin, type SmdpAdmin } from './admin.js';
import type { SmdpContext, SmdpInstallEvent } from './es9/context.js';
import { createSmdpHook } from './hook.js';
import { closeServer, listen, startEs9Https, type Es9RequestEvent } from './https.js';
import { NotificationLog } from './notifications.js';
import { OrderBook } from './orders.js';
import { loadSmdpPki, smdpCaFile } from './pki.js';
import { loadCatalogue, type ProfileClassName, type ProfileIcon, type ProfilePolicy } from './profiles.js';
import { routeEs9 } from './router.js';
import { SessionStore } from './sessions.js';
import type { SmdsRegistrar } from './smdsLink.js';

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
  /** EID-bound orders (Default SM-DP+ method) created at start; `profile` defaults to a free one; `smds`: registered at the SM-DS. */
  binds?: { eid: string; matchingId?: string; profile?: string; smds?: boolean }[];
  /** The SM-DS this SM-DP+ registers events at (ES12) for orders with the SM-DS flag. */
  smds?: SmdsRegistrar;
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
  /** Profile icons by profile id (metadata iconType/icon). */
  icons?: Readonly<Record<string, ProfileIcon>>;
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
  stats(): { requests: Record<string, number>; tlsConnections: number; timeline: Es9RequestEvent[] };
  close(): Promise<void>;
}

export async function startSmdp(options: SmdpOptions = {}): Promise<SmdpServer> {
  const host = options.host ?? '127.0.0.1';
  const address = parseSmdpAddress(options.address ?? DEFAULT_SMDP_ADDRESS).value;
  const pki = loadSmdpPki();
  const catalogue = loadCatalogue({
    address,
    ...(options.profilesDir !== undefined ? { dir: options.profilesDir } : {}),
    ...(options.serviceProviderName !== undefined ? { serviceProviderName: options.serviceProviderName } : {}),
    ...(options.profileClass !== undefined ? { profileClass: options.profileClass } : {}),
    ...(options.policyRules !== undefined ? { policyRules: options.policyRules } : {}),
    ...(options.icons !== undefined ? { icons: options.icons } : {}),
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
    ...(options.smds ? { smds: options.smds } : {}),
  };
  const admin = createAdmin(ctx, listeners);
  for (const b of options.binds ?? []) {
    admin.createOrder({
      eid: b.eid,
      ...(b.matchingId !== undefined ? { matchingId: b.matchingId } : {}),
      ...(b.profile !== undefined ? { profile: b.profile } : {}),
      ...(b.smds ? { smds: true } : {}),
    });
  }
  for (const [matchingId, code] of Object.entries(options.confirmationCodes ?? {})) orders.setConfirmationCode(matchingId, code);

  const es9 = await startEs9Https({
    host,
    port: options.port ?? 0,
    tls: pki.tls,
    role: 'SM-DP+',
    route: (req) => routeEs9(ctx, req),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.rttMs !== undefined ? { rttMs: options.rttMs } : {}),
  });
  const port = es9.port;
  const adminServer = createHttpServer(adminHandler(admin));
  let adminPort: number;
  try {
    adminPort = await listen(adminServer, options.adminPort ?? 0, '127.0.0.1', 'SM-DP+');
  } catch (e) {
    await es9.close();
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
    stats: () => ({ requests: { ...es9.requests }, tlsConnections: es9.tlsConnections(), timeline: [...es9.timeline] }),
    close() {
      closed ??= Promise.all([es9.close(), closeServer(adminServer)]).then(() => undefined);
      return closed;
    },
  };
}
