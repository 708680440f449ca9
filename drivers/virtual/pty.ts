import { openPtyLink, type PtyLinkOptions } from './ptyLink.js';
import type { VirtualModem } from './modem.js';

/**
 * Serves a VirtualModem on a raw pseudo-terminal (`ptyLink.ts`): `<ptyPath>` is the end a client
 * (the agent, minicom, another LPA) opens; the module's side of the conversation is the master.
 */

export interface PtyServerOptions extends PtyLinkOptions {
  ptyPath: string;
  modem: VirtualModem;
}

export interface PtyServer {
  /** The path clients open. */
  readonly path: string;
  /** Stops serving: detaches the modem and removes the link. Idempotent. */
  close(): Promise<void>;
}

export async function serveModemOnPty(opts: PtyServerOptions): Promise<PtyServer> {
  const { ptyPath, modem, ...linkOptions } = opts;
  const link = await openPtyLink(ptyPath, linkOptions);
  const detach = modem.attach((bytes) => link.write(bytes));
  link.onData((bytes) => modem.input(bytes));
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
