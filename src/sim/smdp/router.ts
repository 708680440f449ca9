/**
 * ES9+ routing of the local SM-DP+: `POST /gsma/rsp2/es9plus/<function>` with a JSON body.
 * Content-Type and X-Admin-Protocol are checked leniently (absent is fine; present, they must be
 * JSON and `gsma/rsp/v2...`). Every answer is JSON (or 204 for handleNotification), never HTML:
 * unknown paths 404, other methods 405, oversized bodies 413, malformed requests 400, refusals
 * 200 with `Failed`, unexpected errors 500 — all with `header.functionExecutionStatus`.
 */

import { authenticateClient } from './es9/authenticateClient.js';
import { cancelSession } from './es9/cancelSession.js';
import type { Es9Handler, SmdpContext } from './es9/context.js';
import { getBoundProfilePackage } from './es9/getBoundProfilePackage.js';
import { handleNotification } from './es9/handleNotification.js';
import { initiateAuthentication } from './es9/initiateAuthentication.js';
import { badRequest, failedBody, statusOf, type Es9Body } from './status.js';

export const ES9_PREFIX = '/gsma/rsp2/es9plus/';
/** Largest request body accepted. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

const HANDLERS: Record<string, Es9Handler> = {
  initiateAuthentication,
  authenticateClient,
  getBoundProfilePackage,
  handleNotification,
  cancelSession,
};

export interface Es9Request {
  method: string;
  path: string;
  contentType?: string;
  adminProtocol?: string;
  /** undefined: the body exceeded MAX_REQUEST_BYTES. */
  body: Buffer | undefined;
}

export interface Es9Answer {
  status: number;
  /** Absent for 204. */
  json?: Es9Body;
  /** ES9+ function, when the path named one. */
  function?: string;
}

function fail(status: number, subjectCode: string, reasonCode: string, message: string): Es9Answer {
  return { status, json: failedBody({ subjectCode, reasonCode, message }) };
}

function parseBody(req: Es9Request & { body: Buffer }): Es9Body {
  if (req.contentType !== undefined && req.contentType !== '' && !/json/i.test(req.contentType)) {
    throw badRequest(`Content-Type must be application/json, got "${req.contentType.slice(0, 60)}"`);
  }
  if (req.adminProtocol !== undefined && req.adminProtocol !== '' && !/^gsma\/rsp\/v2(\.\d+){0,2}$/i.test(req.adminProtocol.trim())) {
    throw badRequest(`X-Admin-Protocol "${req.adminProtocol.slice(0, 40)}" is not gsma/rsp/v2.x.y`);
  }
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw badRequest('the request body is not valid JSON', false, e);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the request body is not a JSON object');
  return value as Es9Body;
}

/** Handles one ES9+ request. */
export function routeEs9(ctx: SmdpContext, req: Es9Request): Es9Answer {
  return routeRsp(ctx, req, { prefixes: [ES9_PREFIX], handlers: HANDLERS, name: 'ES9+' });
}

/** Functions a server answers, under which path prefixes (the SM-DS takes ES11 on the ES9+ paths too). */
export interface RspRoutes<C> {
  prefixes: readonly string[];
  handlers: Readonly<Record<string, (ctx: C, body: Es9Body) => Es9Body | undefined>>;
  /** "ES9+" or "ES11", for messages. */
  name: string;
}

/** Handles one request of an RSP server (SM-DP+ or SM-DS): path, method, size, JSON, the handler. */
export function routeRsp<C>(ctx: C, req: Es9Request, routes: RspRoutes<C>): Es9Answer {
  const path = req.path.split('?')[0] ?? '';
  const prefix = routes.prefixes.find((p) => path.startsWith(p));
  if (prefix === undefined) return fail(404, '1.2', '3.9', `no such path: ${path.slice(0, 80)}`);
  const fn = path.slice(prefix.length);
  const handler = Object.hasOwn(routes.handlers, fn) ? routes.handlers[fn] : undefined;
  if (!handler) return fail(404, '1.2', '3.9', `unknown ${routes.name} function "${fn.slice(0, 60)}"`);
  if (req.method !== 'POST') return { ...fail(405, '1.2', '2.1', `${fn} takes POST, not ${req.method}`), function: fn };
  if (req.body === undefined || req.body.length > MAX_REQUEST_BYTES) return { ...fail(413, '1.2', '2.1', `request body larger than ${MAX_REQUEST_BYTES} bytes`), function: fn };
  try {
    const json = handler(ctx, parseBody({ ...req, body: req.body }));
    return json === undefined ? { status: 204, function: fn } : { status: 200, json, function: fn };
  } catch (e) {
    const { httpStatus, scd } = statusOf(e);
    return { status: httpStatus, json: failedBody(scd), function: fn };
  }
}
