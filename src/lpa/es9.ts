import { Es9Client } from '../es9p/client.js';
import { createTrustStore, type TrustStore } from '../es9p/tls.js';
import type { ProxySettings } from '../es9p/proxy.js';
import type { Es9Event } from '../es9p/types.js';

/** How the LPA reaches SM-DP+s: trust, routing and tracing, shared by every Es9Client it opens. */
export interface Es9Settings {
  /** `--ca` files added to the GSMA CI and system roots. */
  caFiles?: readonly string[];
  /** `--connect-to` rules (curl semantics). */
  connectTo?: readonly string[];
  /** HTTP proxy (CONNECT, TLS end to end) and NO_PROXY exemptions. */
  proxy?: ProxySettings;
  /** Per-request deadline in ms. */
  timeoutMs?: number;
  onEvent?: (event: Es9Event) => void;
}

/**
 * Opens ES9+ clients, one per SM-DP+ address, reusing it (and its keep-alive TLS connection) for
 * every request to that address within one run; the trust store is built once.
 */
export class Es9Pool {
  private trust: TrustStore | undefined;
  private readonly clients = new Map<string, Es9Client>();

  constructor(private readonly settings: Es9Settings = {}) {}

  get(address: string): Es9Client {
    const key = address.toLowerCase();
    let client = this.clients.get(key);
    if (!client) {
      this.trust ??= createTrustStore(this.settings.caFiles ? { caFiles: this.settings.caFiles } : {});
      client = new Es9Client({
        smdpAddress: address,
        trust: this.trust,
        ...(this.settings.connectTo ? { connectTo: this.settings.connectTo } : {}),
        ...(this.settings.proxy ? { proxy: this.settings.proxy } : {}),
        ...(this.settings.timeoutMs !== undefined ? { timeoutMs: this.settings.timeoutMs } : {}),
        ...(this.settings.onEvent ? { onEvent: this.settings.onEvent } : {}),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Sums the counters of every client opened so far. */
  stats(): { tlsHandshakes: number; requests: number } {
    let tlsHandshakes = 0;
    let requests = 0;
    for (const c of this.clients.values()) {
      const s = c.stats();
      tlsHandshakes += s.tlsHandshakes;
      requests += s.requests;
    }
    return { tlsHandshakes, requests };
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close().catch(() => undefined)));
    this.clients.clear();
  }
}
