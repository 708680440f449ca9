import type { VirtualCard } from '../../src/sim/card.js';
import { openVirtualEuicc } from '../../src/sim/euicc/index.js';
import { untilStopped } from '../../src/util/untilStopped.js';
import { VpcdCard, vpcdReaderName, type VpcdCardEvent, type VpcdCardStats } from './vpcd.js';

export interface ServeCardOptions {
  /** vpcd's address (default 127.0.0.1:35963). */
  host?: string;
  port?: number;
  /** The card; default: the virtual eUICC with its state in `statePath`. */
  card?: VirtualCard;
  /** JSON state file of the virtual eUICC (created factory-fresh if missing); omitted: in memory. */
  statePath?: string;
  atr?: Uint8Array;
  /** How long a REFRESH keeps the card out of the reader (default 1000 ms). */
  refreshOutMs?: number;
  /** Stops serving when aborted; without it, SIGINT/SIGTERM stop it. */
  signal?: AbortSignal;
  /** Called once pcscd has the card (powered it up), with the reader name when it is one of vpcd's default slots. */
  onReady?: (info: { host: string; port: number; reader?: string }) => void;
  onEvent?: (event: VpcdCardEvent) => void;
}

/**
 * `lpa-agent serve-card --vpcd <host:port>`: keeps the virtual eUICC inserted in a vpcd reader until
 * stopped (waiting for vpcd while it is not there). Resolves after a clean stop (the card is taken
 * out first) with what vpcd asked of the card.
 */
export async function runServeCard(opts: ServeCardOptions): Promise<VpcdCardStats> {
  const card = opts.card ?? openVirtualEuicc(opts.statePath === undefined ? {} : { statePath: opts.statePath });
  let ready = false;
  const vpcd: VpcdCard = new VpcdCard({
    card,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.atr !== undefined ? { atr: opts.atr } : {}),
    ...(opts.refreshOutMs !== undefined ? { refreshOutMs: opts.refreshOutMs } : {}),
    onEvent: (e) => {
      opts.onEvent?.(e);
      if (e.type === 'power-on' && !ready) {
        ready = true;
        const reader = vpcdReaderName(vpcd.port);
        opts.onReady?.({ host: vpcd.host, port: vpcd.port, ...(reader !== undefined ? { reader } : {}) });
      }
    },
  });
  vpcd.insert();
  await untilStopped(opts.signal);
  await vpcd.close();
  return vpcd.stats();
}
