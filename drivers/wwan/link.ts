/**
 * A byte link to a QMI or MBIM endpoint: the device file (/dev/cdc-wdmN, a pty), a proxy's
 * abstract unix socket, or a bridge process's stdio. The protocol layers above frame the bytes.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import { writeSync } from 'node:fs';
import { LpaError } from '../../src/errors.js';

export interface ByteLink {
  /** For messages: the device path or "qmi-proxy". */
  readonly description: string;
  readonly closed: boolean;
  /** Sends bytes; PORT_CLOSED once the link is closed. */
  write(bytes: Uint8Array): void;
  /**
   * Best effort, synchronous: used from a process 'exit' hook to release modem resources when the
   * process is killed mid-run. False when this link cannot write synchronously.
   */
  writeNow(bytes: Uint8Array): boolean;
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Called once when the link ends (peer closed, device gone, or close()). */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

/** The file descriptor under a stream handle, when it has one (pipes, sockets, ttys). */
function fdOf(stream: Readable | Writable): number | undefined {
  const fd = (stream as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Wraps a duplex stream (socket, pipe, tty). `extraClose` runs after the stream is gone (e.g. to
 * stop a bridge process).
 */
export function streamLink(stream: Duplex | Readable, description: string, extraClose?: () => Promise<void>, writable?: Writable): ByteLink {
  const out = (writable ?? stream) as Writable;
  const closeListeners: ((reason: string) => void)[] = [];
  let closed = false;
  let reason = 'closed';
  const ended = (why: string): void => {
    if (closed) return;
    closed = true;
    reason = why;
    for (const l of closeListeners.splice(0)) l(reason);
  };
  stream.on('error', (e: NodeJS.ErrnoException) => ended(`${description}: ${e.code ?? e.message}`));
  out.on('error', (e: NodeJS.ErrnoException) => ended(`${description}: ${e.code ?? e.message}`));
  stream.on('end', () => ended(`${description} closed the connection`));
  stream.on('close', () => ended(`${description} closed the connection`));
  let closing: Promise<void> | undefined;
  return {
    description,
    get closed() {
      return closed;
    },
    write(bytes) {
      if (closed) throw new LpaError('PORT_CLOSED', `${description} is closed (${reason})`);
      out.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    },
    writeNow(bytes) {
      const fd = fdOf(out);
      if (closed || fd === undefined) return false;
      try {
        return writeSync(fd, bytes) === bytes.length;
      } catch {
        return false;
      }
    },
    onData(listener) {
      stream.on('data', (d: Buffer) => listener(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    },
    onClose(listener) {
      if (closed) listener(reason);
      else closeListeners.push(listener);
    },
    close() {
      closing ??= (async () => {
        ended('closed');
        await new Promise<void>((resolve) => {
          if (stream.destroyed) return resolve();
          stream.once('close', () => resolve());
          stream.destroy();
        });
        if (out !== stream && !out.destroyed) out.destroy();
        await extraClose?.();
      })();
      return closing;
    },
  };
}
