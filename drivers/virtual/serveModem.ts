import type { VirtualCard } from '../../src/sim/card.js';
import { LpaError } from '../../src/errors.js';
import { openVirtualEuicc, type EuiccQuirks } from '../../src/sim/euicc/index.js';
import { untilStopped } from '../../src/util/untilStopped.js';
import { LinkTimer, type LinkModel, type LinkTally } from './link.js';
import { VirtualModem, type TimingHook } from './modem.js';
import { serveModemOnPty } from './pty.js';
import type { Quirks } from './quirks.js';
import { isVendorName, VENDOR_NAMES } from './vendors.js';

export interface ServeModemOptions {
  /** Path of the pseudo-terminal clients open, e.g. /tmp/lpa-modem. */
  ptyPath: string;
  /** The card the module hosts; default: the virtual eUICC with its state in `statePath`. */
  card?: VirtualCard;
  /** JSON state file of the virtual eUICC (created factory-fresh if missing); omitted: in memory. */
  statePath?: string;
  /** Dialect: generic (default), quectel, simcom, sierra, telit, fibocom, ublox, nordic. */
  vendor?: string;
  quirks?: Partial<Quirks>;
  /** Quirks of the virtual eUICC (ignored when `card` is given). */
  cardQuirks?: Partial<EuiccQuirks>;
  timing?: TimingHook;
  /** Link model (UART baud, module latency, eUICC times; see link.ts); ignored when `timing` is given. */
  link?: Partial<LinkModel>;
  /** Stops serving when aborted; without it, SIGINT/SIGTERM stop it. */
  signal?: AbortSignal;
  /** Called once the module is being served (e.g. to print the path). */
  onReady?: (info: { path: string; vendor: string }) => void;
}

/**
 * `lpa-agent serve-modem --pty <path> [--state <file>] [--modem <vendor>]`: serves a virtual
 * module on a pseudo-terminal until stopped. Resolves after a clean stop, with what the link
 * model charged when one was given.
 */
export async function runServeModem(opts: ServeModemOptions): Promise<{ link?: LinkTally }> {
  const vendor = opts.vendor ?? 'generic';
  if (!isVendorName(vendor)) {
    throw new LpaError('USAGE', `unknown modem dialect "${vendor}" (one of: ${VENDOR_NAMES.join(', ')})`);
  }
  const card =
    opts.card ??
    openVirtualEuicc({ ...(opts.statePath === undefined ? {} : { statePath: opts.statePath }), ...(opts.cardQuirks ? { quirks: opts.cardQuirks } : {}) });
  const link = opts.timing === undefined && opts.link !== undefined ? new LinkTimer(opts.link) : undefined;
  const modem = new VirtualModem({ card, vendor, quirks: opts.quirks, timing: opts.timing ?? link?.hook });
  const server = await serveModemOnPty({ ptyPath: opts.ptyPath, modem });
  opts.onReady?.({ path: server.path, vendor });
  await untilStopped(opts.signal);
  await server.close();
  modem.dispose();
  return link ? { link: { ...link.tally } } : {};
}
