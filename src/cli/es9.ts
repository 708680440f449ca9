import { appendFileSync } from 'node:fs';
import type { Es9Event } from '../es9p/types.js';
import { Es9Pool } from '../lpa/es9.js';
import type { Globals } from './globals.js';

/**
 * ES9+ events as trace lines, appended to the same `--trace` file as the AT lines:
 * `<ISO time> ## es9 tls-handshake host=... ms=...` / `## es9 request initiateAuthentication status=200 ms=...`.
 * Only metadata: never request or response bodies.
 */
export function es9TraceLine(e: Es9Event): string {
  const fields = Object.entries(e)
    .filter(([k, v]) => k !== 'type' && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${new Date().toISOString()} ## es9 ${e.type} ${fields}\n`;
}

/** The ES9+ client pool for this run, from the global --ca / --connect-to / --trace options. */
export function es9Pool(globals: Pick<Globals, 'ca' | 'connectTo' | 'trace'>): Es9Pool {
  const trace = globals.trace;
  return new Es9Pool({
    caFiles: globals.ca,
    connectTo: globals.connectTo,
    ...(trace
      ? {
          onEvent: (e: Es9Event) => {
            try {
              appendFileSync(trace, es9TraceLine(e));
            } catch {
              // tracing never breaks a download
            }
          },
        }
      : {}),
  });
}
