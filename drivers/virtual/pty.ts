import { openPtyLink, type PtyLinkOptions } from './ptyLink.js';
import type { VirtualModem } from './modem.js';

/**
 * Serves a byte-stream endpoint of the virtual module (its AT port, or its QMI / MBIM port) on a
 * raw pseudo-terminal (`ptyLink.ts`): `<ptyPath>` is the end a client (the agent, minicom,
 * qmicli, another LPA) opens; the module's side of the conversation is the master.
 */

/** What a pty can serve: bytes in, bytes out to attached sinks. */
export interface ByteEndpoint {
  attach(sink: (bytes: Uint8Array) => void): () => void;
  input(bytes: Uint8Array): void;
}

export interface EndpointPtyOptions extends PtyLinkOptions {
  ptyPath: string;
  endpoint: ByteEndpoint;
}

export interface PtyServerOptions extends PtyLinkOptions {
  ptyPath: string;
  modem: VirtualModem;
}

export interface PtyServer {
  /** The path clients open. */
  readonly path: string;
  /** Stops serving: detaches the endpoint and removes the link. Idempotent. */
  close(): Promise<void>;
}

export async function serveOnPty(opts: EndpointPtyOptions): Promise<PtyServer> {
  const { ptyPath, endpoint, ...linkOptions } = opts;
  const link = await openPtyLink(ptyPath, linkOptions);
  const detach = endpoint.attach((bytes) => link.write(bytes));
  link.onData((bytes) => endpoint.input(bytes));
  let closing: Promise<void> | undefined;
  return {
    path: link.path,
    close(): Promise<void> {
      closing ??= (async () => {
        detach();
        await link.close();
      })();
      return closing;
    },
  };
}

/** The module's AT port on a pty. */
export function serveModemOnPty(opts: PtyServerOptions): Promise<PtyServer> {
  const { modem, ...rest } = opts;
  return serveOnPty({ ...rest, endpoint: modem });
}
