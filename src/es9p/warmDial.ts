/**
 * A connection opened ahead of the first ES9+ request. `preconnect()` dials now (DNS, TCP or the
 * proxy tunnel, TLS), so the handshake overlaps whatever the caller does meanwhile (opening the
 * module, the eUICC's first answers). undici asks the wrapped connector for a connection when its
 * first request goes out: it gets the pre-dialled one when that is still open, else a new dial. An
 * early failure is never reported: the request dials again and reports its own.
 *
 * While parked the socket is unref'd, so a run that fails before its first request still exits.
 */
import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';

type Callback = buildConnector.Callback;

interface Warm {
  socket?: Socket;
  failed?: boolean;
  /** undici's requests for a connection that came while the dial was still under way. */
  waiters: { options: buildConnector.Options; cb: Callback }[];
}

const usable = (s: Socket): boolean => !s.destroyed && s.writable && s.readable;

export interface WarmDial {
  /** The connector to give undici. */
  connector: buildConnector.connector;
  /** Starts dialling now, once; later calls do nothing until the connection is taken. */
  preconnect(): void;
  /** Closes a connection still parked (the client is closing). */
  discard(): void;
}

/** `early`: the options the early dial passes to `dial` (what undici would pass for this origin). */
export function warmDial(dial: buildConnector.connector, early: buildConnector.Options): WarmDial {
  let warm: Warm | undefined;

  const handOver = (w: Warm, options: buildConnector.Options, cb: Callback): void => {
    if (warm === w) warm = undefined;
    const s = w.socket;
    if (s && usable(s)) {
      s.ref();
      // never synchronously: undici's dispatch loop does not resume from inside its own connect call
      process.nextTick(cb, null, s);
    } else dial(options, cb);
  };

  const connector: buildConnector.connector = (options, cb) => {
    const w = warm;
    if (!w || w.failed || (w.socket && !usable(w.socket))) {
      warm = undefined;
      w?.socket?.destroy();
      dial(options, cb);
    } else if (!w.socket) w.waiters.push({ options, cb });
    else handOver(w, options, cb);
  };

  return {
    connector,
    preconnect() {
      if (warm) return;
      const w: Warm = { waiters: [] };
      warm = w;
      dial(early, (err, socket) => {
        if (err || !socket) w.failed = true;
        else {
          const s = socket as Socket;
          w.socket = s;
          // a parked connection the server closes only becomes unusable: the request dials again
          s.on('error', () => undefined);
          s.unref();
        }
        const waiters = w.waiters.splice(0);
        if (waiters.length === 0) return;
        // the first waiter takes the connection; any other dials its own (undici asks one at a time)
        const [first, ...rest] = waiters;
        if (w.failed) {
          if (warm === w) warm = undefined;
          for (const x of waiters) dial(x.options, x.cb);
          return;
        }
        handOver(w, first!.options, first!.cb);
        for (const x of rest) dial(x.options, x.cb);
      });
    },
    discard() {
      warm?.socket?.destroy();
      warm = undefined;
    },
  };
}
