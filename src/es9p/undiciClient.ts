/**
 * undici's HTTP/1.1 `Client`, loaded from its own modules. undici's main entry also loads fetch,
 * WebSocket, the caches, the mock agents and every interceptor: about 11 MB of RSS and 40 ms of
 * start-up (measured, Node 20) that a download never uses. What the entry does for the Client, we do
 * here: it puts the request API (`request`, `stream`, ...) on the Dispatcher prototype. Loading the
 * main entry later (the cloud clients do) finds these same modules and does the same assignment.
 * The paths are undici 7's; package-lock.json pins the version and the ES9+ tests load them.
 */
import Client from 'undici/lib/dispatcher/client.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';

if (typeof (Dispatcher.prototype as { request?: unknown }).request !== 'function') Object.assign(Dispatcher.prototype, api);

export { Client };
