/**
 * The parts of undici lpa-agent uses (the HTTP/1.1 Client, the Agent, `request`), loaded from
 * undici's own modules. undici's main entry also loads fetch, WebSocket, EventSource, the caches,
 * the mock agents and every interceptor: require('undici') took 19 MB of RSS against 8 MB for these
 * (node -e, Node 20), and their source would double the CLI's single file (scripts/build).
 *
 * What the main entry does for these, this module does: it puts the request API (`request`,
 * `stream`, ...) on the Dispatcher prototype, and `request(url, options)` sends through
 * `options.dispatcher` (else one Agent of this module's, as undici's global one would be). Loading the
 * main entry too (a test double may) finds the same modules and makes the same assignment.
 * The paths are undici 7's; package-lock.json pins the version and the tests load them all.
 */
import Agent from 'undici/lib/dispatcher/agent.js';
import Client from 'undici/lib/dispatcher/client.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';
import type { request as undiciRequest } from 'undici';

if (typeof (Dispatcher.prototype as { request?: unknown }).request !== 'function') Object.assign(Dispatcher.prototype, api);

let defaultAgent: InstanceType<typeof Agent> | undefined;

/** undici's `request(url, options)`: the URL split into origin and path, sent through `options.dispatcher`. */
export const request = ((url: string | URL, options: Parameters<typeof undiciRequest>[1] = {}) => {
  const u = typeof url === 'string' ? new URL(url) : url;
  const { dispatcher, ...rest } = (options ?? {}) as Parameters<typeof undiciRequest>[1] & { dispatcher?: InstanceType<typeof Agent> };
  const via = dispatcher ?? (defaultAgent ??= new Agent());
  return via.request({ ...rest, origin: u.origin, path: `${u.pathname}${u.search}`, method: rest?.method ?? 'GET' } as Parameters<InstanceType<typeof Agent>['request']>[0]);
}) as typeof undiciRequest;

export { Agent, Client };
