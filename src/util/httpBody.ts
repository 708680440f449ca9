/** Bounded reading of an HTTP request body, shared by the local servers and listeners. */

import type { IncomingMessage } from 'node:http';

/**
 * What happens to a body larger than the limit: `drain` reads the rest and discards it, so an
 * answer (413) reaches the client; `destroy` closes the connection at once (untrusted senders).
 */
export type BodyOverflow = 'drain' | 'destroy';

/**
 * The body, or undefined when it is larger than `max` bytes or the request fails. With `drain`
 * the promise settles when the request ends; with `destroy` as soon as the limit is passed.
 */
export function readBody(req: IncomingMessage, max: number, overflow: BodyOverflow = 'drain'): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) {
        chunks.push(c);
      } else if (overflow === 'destroy') {
        resolve(undefined);
        req.destroy();
      }
    });
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}
