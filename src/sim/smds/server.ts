/**
 * The local SM-DS: ES11 over HTTPS (its own DS TLS certificate for testsmds1.example.com, issued at
 * start from the SGP.26 test CI key) and the in-process ES12 registrar the local SM-DP+ registers
 * and deletes events with. Clients reach it with `--connect-to testsmds1.example.com:443:127.0.0.1:<port>
 * --ca <CI certificate>`, like the SM-DP+.
 */

import { parseSmdpAddress } from '../../es9p/address.js';
import { startEs9Https } from '../smdp/https.js';
import { routeRsp } from '../smdp/router.js';
import { SessionStore } from '../smdp/sessions.js';
import type { SmdsRegistrar } from '../smdp/smdsLink.js';
import { SMDS_ROUTES, type SmdsContext } from './es11.js';
import { EventStore, type EventRecord } from './events.js';
import { DEFAULT_SMDS_ADDRESS, loadSmdsPki, smdsCaFile } from './pki.js';

export interface SmdsOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The SM-DS address signed into serverSigned1 and in the TLS certificate; default testsmds1.example.com. */
  address?: string;
  latencyMs?: number;
  rttMs?: number;
  onRetrieval?: (eid: string, events: number) => void;
}

export interface SmdsServer {
  url: string;
  port: number;
  address: string;
  /** `--connect-to` rule for clients. */
  connectTo: string;
  /** `--ca` file for clients. */
  caFile: string;
  /** ES12 for the local SM-DP+ (`startSmdp({ smds })`). */
  registrar: SmdsRegistrar;
  registerEvent(event: { eventId: string; eid: string; rspServerAddress: string }): EventRecord;
  deleteEvent(eventId: string): boolean;
  /** Pending events. */
  events(): EventRecord[];
  /** Events deleted (profile installed). */
  deletedEvents(): EventRecord[];
  stats(): { requests: Record<string, number>; tlsConnections: number; retrievals: number };
  close(): Promise<void>;
}

export async function startSmds(options: SmdsOptions = {}): Promise<SmdsServer> {
  const host = options.host ?? '127.0.0.1';
  const address = parseSmdpAddress(options.address ?? DEFAULT_SMDS_ADDRESS);
  const pki = loadSmdsPki(address.host);
  const events = new EventStore();
  let retrievals = 0;
  const ctx: SmdsContext = {
    address: address.value,
    role: 'SM-DS',
    pki: { dpAuth: pki.dsAuth, ciPkId: pki.ciPkId, trustedCis: pki.trustedCis },
    sessions: new SessionStore(),
    events,
    onRetrieval: (eid, n) => {
      retrievals += 1;
      options.onRetrieval?.(eid, n);
    },
  };
  const https = await startEs9Https({
    host,
    port: options.port ?? 0,
    tls: pki.tls,
    role: 'SM-DS',
    route: (req) => routeRsp(ctx, req, SMDS_ROUTES),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.rttMs !== undefined ? { rttMs: options.rttMs } : {}),
  });
  const registrar: SmdsRegistrar = {
    address: address.value,
    registerEvent: (e) => void events.register(e),
    deleteEvent: (id) => void events.delete(id),
    events: () => events.list(),
  };
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${https.port}`,
    port: https.port,
    address: address.value,
    connectTo: `${address.host}:${address.port}:${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${https.port}`,
    caFile: smdsCaFile(),
    registrar,
    registerEvent: (e) => events.register(e),
    deleteEvent: (id) => events.delete(id),
    events: () => events.list(),
    deletedEvents: () => [...events.deleted],
    stats: () => ({ requests: { ...https.requests }, tlsConnections: https.tlsConnections(), retrievals }),
    close: () => https.close(),
  };
}
