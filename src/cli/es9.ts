import type { Es9Event } from '../es9p/types.js';
import { Es9Pool } from '../lpa/es9.js';
import type { Globals } from './globals.js';
import type { Output } from './output.js';
import type { TraceLog } from './trace.js';

/**
 * ES9+ events as trace lines in the same `--trace` file as the AT lines:
 * `<ISO time> ## es9 tls-handshake host=... ms=...` / `## es9 request function=initiateAuthentication status=200 ms=...`.
 * Only metadata: never request or response bodies.
 */
/** `tls-handshake host=... ms=...`: the event's scalar fields. */
export function es9EventText(e: Es9Event): string {
  const fields = Object.entries(e)
    .filter(([k, v]) => k !== 'type' && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${e.type} ${fields}`;
}

/** Where request lines go: the --trace file and, with -v, stderr. */
export function requestLog(globals: Pick<Globals, 'traceLog'>, out?: Output): ((tag: string, text: string) => void) | undefined {
  const trace: TraceLog | undefined = globals.traceLog;
  if (!trace && !out) return undefined;
  return (tag, text) => {
    trace?.line(`## ${tag} ${text}`);
    out?.debug(`${tag} ${text}`);
  };
}

/** The ES9+ client pool for this run, from the global --ca / --connect-to / --proxy / --trace options. */
export function es9Pool(globals: Pick<Globals, 'ca' | 'connectTo' | 'proxy' | 'traceLog'>, out?: Output): Es9Pool {
  const log = requestLog(globals, out);
  return new Es9Pool({
    caFiles: globals.ca,
    connectTo: globals.connectTo,
    ...(globals.proxy.url ? { proxy: globals.proxy } : {}),
    ...(log ? { onEvent: (e: Es9Event) => log('es9', es9EventText(e)) } : {}),
  });
}
