/**
 * HTTP/1.1 over one keep-alive connection to one server, on Node's own HTTP client (native llhttp
 * parser, nothing to load but node:http). The connection comes from a dialer (`Dial`: TCP or a
 * proxy tunnel, then TLS verified by the caller's rules); requests queue on it one at a time.
 *
 * `preconnect()` dials ahead of the first request (DNS, TCP and the TLS handshake then overlap
 * whatever the caller does meanwhile, e.g. opening the module); the first request takes that
 * connection, or dials again if it failed or was closed meanwhile. An idle connection is kept for
 * `keepAliveMs` and never holds the process open.
 */
import { Agent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

/** Dials the server: calls back once with an open, verified connection or the error. */
export type Dial = (callback: (err: Error | null, socket: Duplex | null) => void) => void;

export interface OneConnectionOptions {
  dial: Dial;
  /** Host header (the server's name and port as the user gave them). */
  authority: string;
  /** How long an idle connection is kept (ms). */
  keepAliveMs: number;
}

export interface OneRequest {
  method: 'POST' | 'GET';
  path: string;
  headers: OutgoingHttpHeaders;
  body?: string;
  signal?: AbortSignal;
}

type Warm = { socket?: Duplex; error?: Error; waiters: ((err: Error | null, socket: Duplex | null) => void)[] };

const usable = (s: Duplex): boolean => !s.destroyed && s.writable && s.readable;

export class OneConnection {
  private readonly agent: Agent;
  private warm: Warm | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: OneConnectionOptions) {
    this.agent = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 1, maxFreeSockets: 1, timeout: opts.keepAliveMs, scheduling: 'lifo' });
    // the agent asks for a connection when it has none: the pre-dialled one, else a new one
    (this.agent as unknown as { createConnection: unknown }).createConnection = (_o: unknown, cb: (err: Error | null, s: Duplex | null) => void): undefined => {
      this.take(cb);
      return undefined;
    };
  }

  /** Starts dialling now, for the first request to use. Failures are silent here: that request dials again. */
  preconnect(): void {
    if (this.warm) return;
    const warm: Warm = { waiters: [] };
    this.warm = warm;
    this.opts.dial((err, socket) => {
      if (err || !socket) warm.error = err ?? new Error('no connection');
      else {
        warm.socket = socket;
        // an error while parked (server closed it) just makes it unusable; the first request dials again
        socket.on('error', () => undefined);
        // parked, it never keeps the process alive (a run that fails before its first request exits)
        (socket as Duplex & { unref?: () => void }).unref?.();
      }
      for (const w of warm.waiters.splice(0)) this.handOver(warm, w);
    });
  }

  private take(cb: (err: Error | null, s: Duplex | null) => void): void {
    const warm = this.warm;
    if (!warm || warm.error !== undefined || (warm.socket && !usable(warm.socket))) {
      this.warm = undefined;
      warm?.socket?.destroy();
      this.opts.dial(cb);
      return;
    }
    if (!warm.socket) {
      warm.waiters.push(cb);
      return;
    }
    this.handOver(warm, cb);
  }

  private handOver(warm: Warm, cb: (err: Error | null, s: Duplex | null) => void): void {
    if (this.warm !== warm) {
      this.opts.dial(cb);
      return;
    }
    this.warm = undefined;
    if (warm.socket && usable(warm.socket)) {
      (warm.socket as Duplex & { ref?: () => void }).ref?.();
      cb(null, warm.socket);
    } else this.opts.dial(cb);
  }

  /** Sends one request; resolves with the response (its body still to read) or rejects with the error. */
  request(r: OneRequest): Promise<IncomingMessage> {
    const p = new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({
        agent: this.agent,
        method: r.method,
        path: r.path,
        headers: { host: this.opts.authority, ...r.headers, ...(r.body !== undefined ? { 'content-length': Buffer.byteLength(r.body) } : {}) },
        ...(r.signal ? { signal: r.signal } : {}),
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(r.body);
    });
    const settled = p.then(
      (res) => new Promise<void>((done) => (res.complete ? done() : res.once('close', () => done()))),
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return p;
  }

  /** Waits for requests in flight, then closes the connection. */
  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    this.warm?.socket?.destroy();
    this.warm = undefined;
    this.agent.destroy();
  }
}
