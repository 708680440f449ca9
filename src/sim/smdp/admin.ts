/**
 * The SM-DP+'s admin interface, for tests and the Super SIM double.
 *
 * In process: `SmdpAdmin` (create/read orders, notifications, install listeners).
 * Over plain HTTP on 127.0.0.1 (a second port, for other processes), JSON in and out:
 *   GET  /admin/orders              -> 200 [order...]
 *   GET  /admin/orders/<id|matchingId> -> 200 order | 404
 *   POST /admin/orders {eid?, matchingId?, profile?, confirmationCode?, smds?} -> 201 order | 400 {error}
 *        (smds: true registers an event for the EID at the SM-DS; the matching id is the event id)
 *   GET  /admin/notifications       -> 200 [notification...]
 *   GET  /admin/profiles            -> 200 [{id, iccid, profileClass}]
 *   GET  /admin/events              -> 200 [{eventId, eid, rspServerAddress}] pending at the attached SM-DS
 * Orders never show their confirmation code, only `confirmationCodeRequired`.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { LpaError } from '../../errors.js';
import type { SmdpContext, SmdpInstallEvent } from './es9/context.js';
import { readBody, sendJson } from './httpio.js';
import type { NotificationRecord } from './notifications.js';
import type { CreateOrderInput, OrderView } from './orders.js';
import { deleteOnInstall, registerOrderEvent } from './smdsLink.js';

export interface SmdpProfileInfo {
  id: string;
  iccid: string;
  profileClass: string;
  serviceProviderName: string;
}

export interface SmdpAdmin {
  createOrder(input: CreateOrderInput): OrderView;
  /** By order id or matching id. */
  getOrder(idOrMatchingId: string): OrderView | undefined;
  listOrders(): OrderView[];
  setConfirmationCode(idOrMatchingId: string, code: string): OrderView;
  profiles(): SmdpProfileInfo[];
  notifications(): NotificationRecord[];
  /** Events pending at the attached SM-DS (empty without one). */
  smdsEvents(): { eventId: string; eid: string; rspServerAddress: string }[];
  /** Called when a BPP is handed out (`downloaded`) and on install results; returns an unsubscribe function. */
  onInstalled(listener: (event: SmdpInstallEvent) => void): () => void;
}

export function createAdmin(ctx: SmdpContext, listeners: Set<(e: SmdpInstallEvent) => void>): SmdpAdmin {
  if (ctx.smds) listeners.add(deleteOnInstall(ctx.smds, ctx.orders));
  return {
    createOrder: (input) => {
      if (input.smds && !ctx.smds) throw new LpaError('USAGE', 'this SM-DP+ has no SM-DS to register the event at (start it with --smds)');
      const order = ctx.orders.create(input);
      registerOrderEvent(ctx.smds, order, ctx.address);
      return order;
    },
    getOrder: (id) => ctx.orders.get(id),
    listOrders: () => ctx.orders.list(),
    setConfirmationCode: (id, code) => ctx.orders.setConfirmationCode(id, code),
    profiles: () => ctx.orders.profiles().map((p) => ({ id: p.id, iccid: p.iccid, profileClass: p.profileClass, serviceProviderName: p.serviceProviderName })),
    notifications: () => ctx.notifications.list(),
    smdsEvents: () => ctx.smds?.events?.() ?? [],
    onInstalled(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const MAX_ADMIN_BODY = 16 * 1024;

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new LpaError('USAGE', `${name} must be a string`);
  return v;
}

/** Request handler of the admin HTTP server. */
export function adminHandler(admin: SmdpAdmin): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const raw = await readBody(req, MAX_ADMIN_BODY);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const method = req.method ?? 'GET';
      try {
        if (path === '/admin/orders' && method === 'GET') return sendJson(res, 200, admin.listOrders());
        if (path === '/admin/notifications' && method === 'GET') return sendJson(res, 200, admin.notifications());
        if (path === '/admin/profiles' && method === 'GET') return sendJson(res, 200, admin.profiles());
        if (path === '/admin/events' && method === 'GET') return sendJson(res, 200, admin.smdsEvents());
        if (path.startsWith('/admin/orders/') && method === 'GET') {
          const o = admin.getOrder(decodeURIComponent(path.slice('/admin/orders/'.length)));
          return o ? sendJson(res, 200, o) : sendJson(res, 404, { error: 'no such order' });
        }
        if (path === '/admin/orders' && method === 'POST') {
          if (raw === undefined) return sendJson(res, 413, { error: `body larger than ${MAX_ADMIN_BODY} bytes` });
          let body: unknown;
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch {
            return sendJson(res, 400, { error: 'body is not valid JSON' });
          }
          if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendJson(res, 400, { error: 'body must be a JSON object' });
          const b = body as Record<string, unknown>;
          const input: CreateOrderInput = {};
          const eid = optString(b.eid, 'eid');
          const matchingId = optString(b.matchingId, 'matchingId');
          const profile = optString(b.profile, 'profile');
          const confirmationCode = optString(b.confirmationCode, 'confirmationCode');
          if (eid !== undefined) input.eid = eid;
          if (matchingId !== undefined) input.matchingId = matchingId;
          if (profile !== undefined) input.profile = profile;
          if (confirmationCode !== undefined) input.confirmationCode = confirmationCode;
          if (b.smds !== undefined && typeof b.smds !== 'boolean') throw new LpaError('USAGE', 'smds must be true or false');
          if (b.smds === true) input.smds = true;
          return sendJson(res, 201, admin.createOrder(input));
        }
        const known = ['/admin/orders', '/admin/notifications', '/admin/profiles', '/admin/events'].includes(path) || path.startsWith('/admin/orders/');
        return sendJson(res, known ? 405 : 404, { error: known ? `${method} not allowed here` : 'not found' });
      } catch (e) {
        if (e instanceof LpaError) return sendJson(res, e.code === 'PROFILE_NOT_FOUND' ? 409 : 400, { error: e.message, code: e.code });
        return sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
      }
    })();
  };
}
