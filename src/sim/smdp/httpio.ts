/** Bounded request body reading and JSON answers for the SM-DP+'s HTTP(S) servers. */

import type { ServerResponse } from 'node:http';

/** The body, or undefined when it exceeds `max` bytes (the rest is drained). */
export { readBody } from '../../util/httpBody.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, headers);
  res.end();
}
