import type { VirtualCard } from '../../src/sim/card.js';
import { LpaError } from '../../src/errors.js';
import { openVirtualEuicc, type EuiccQuirks } from '../../src/sim/euicc/index.js';
import { untilStopped } from '../../src/util/untilStopped.js';
import { LinkTimer, type LinkEvent, type LinkModel, type LinkTally, type MessageTimingHook } from './link.js';
import { VirtualModem, type TimingHook } from './modem.js';
import { serveModemOnPty, serveOnPty, type PtyServer } from './pty.js';
import type { Quirks } from './quirks.js';
import { VirtualMbimEndpoint } from './mbim/endpoint.js';
import { VirtualQmiEndpoint } from './qmi/endpoint.js';
import { isVendorName, VENDOR_NAMES } from './vendors.js';

export interface ServeModemOptions {
  /** Path of the AT port's pseudo-terminal, e.g. /tmp/lpa-modem. */
  ptyPath?: string;
  /** Path of the QMI port's pseudo-terminal (what /dev/cdc-wdmN is on a qmi_wwan module). */
  qmiPath?: string;
  /** Path of the MBIM port's pseudo-terminal (what /dev/cdc-wdmN is on a cdc_mbim module). */
  mbimPath?: string;
  /** The MBIM port's wMaxControlMessage (default 4096; smaller values fragment its messages). */
  mbimMaxControlTransfer?: number;
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
  /** Per-message delay hook of the QMI / MBIM ports; ignored when `link` is given. */
  messageTiming?: MessageTimingHook;
  /** Link model (UART baud, module latency, eUICC times; see link.ts); ignored when `timing` is given. */
  link?: Partial<LinkModel>;
  /** Stops serving when aborted; without it, SIGINT/SIGTERM stop it. */
  signal?: AbortSignal;
  /** Called once the module is being served (e.g. to print the paths). */
  onReady?: (info: { path: string; paths: ServedPaths; vendor: string; modem: VirtualModem; qmi?: VirtualQmiEndpoint; mbim?: VirtualMbimEndpoint }) => void;
}

/** Where each interface of the module is served. */
export interface ServedPaths {
  at?: string;
  qmi?: string;
  mbim?: string;
}

/**
 * `lpa-agent serve-modem [--pty <path>] [--qmi <path>] [--mbim <path>] [--state <file>]`: serves
 * one virtual module (one card, state file, quirks and link model) on each interface asked for,
 * until stopped. Resolves after a clean stop, with what the link model charged when one was given.
 */
export async function runServeModem(opts: ServeModemOptions): Promise<{ link?: LinkTally & { timeline: LinkEvent[] } }> {
  const vendor = opts.vendor ?? 'generic';
  if (!isVendorName(vendor)) {
    throw new LpaError('USAGE', `unknown modem dialect "${vendor}" (one of: ${VENDOR_NAMES.join(', ')})`);
  }
  if (!opts.ptyPath && !opts.qmiPath && !opts.mbimPath) throw new LpaError('USAGE', 'serve-modem needs at least one of --pty <path> (AT), --qmi <path> or --mbim <path>');
  const card =
    opts.card ??
    openVirtualEuicc({ ...(opts.statePath === undefined ? {} : { statePath: opts.statePath }), ...(opts.cardQuirks ? { quirks: opts.cardQuirks } : {}) });
  const link = opts.timing === undefined && opts.link !== undefined ? new LinkTimer(opts.link) : undefined;
  const modem = new VirtualModem({ card, vendor, quirks: opts.quirks, timing: opts.timing ?? link?.hook });
  const messageTiming = link?.messageHook ?? opts.messageTiming;
  const servers: PtyServer[] = [];
  const paths: ServedPaths = {};
  let qmi: VirtualQmiEndpoint | undefined;
  let mbim: VirtualMbimEndpoint | undefined;
  const stopAll = async (): Promise<void> => {
    for (const s of servers.splice(0)) await s.close();
    qmi?.dispose();
    mbim?.dispose();
    modem.dispose();
  };
  try {
    if (opts.ptyPath) {
      const s = await serveModemOnPty({ ptyPath: opts.ptyPath, modem });
      servers.push(s);
      paths.at = s.path;
    }
    if (opts.qmiPath) {
      qmi = new VirtualQmiEndpoint({ modem, ...(messageTiming ? { timing: messageTiming } : {}) });
      const s = await serveOnPty({ ptyPath: opts.qmiPath, endpoint: qmi });
      servers.push(s);
      paths.qmi = s.path;
    }
    if (opts.mbimPath) {
      mbim = new VirtualMbimEndpoint({ modem, ...(messageTiming ? { timing: messageTiming } : {}), ...(opts.mbimMaxControlTransfer ? { maxControlTransfer: opts.mbimMaxControlTransfer } : {}) });
      const s = await serveOnPty({ ptyPath: opts.mbimPath, endpoint: mbim });
      servers.push(s);
      paths.mbim = s.path;
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  opts.onReady?.({ path: (paths.at ?? paths.qmi ?? paths.mbim)!, paths, vendor, modem, ...(qmi ? { qmi } : {}), ...(mbim ? { mbim } : {}) });
  await untilStopped(opts.signal);
  await stopAll();
  return link ? { link: { ...link.tally, timeline: link.timeline } } : {};
}
