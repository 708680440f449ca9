/**
 * What opening `qmi:` and `mbim:` have in common: the route (through the proxy when it runs, else
 * the device file), the link for it, and the transport object whose close() closes the channel,
 * the protocol session and the trace, once.
 */
import type { EuiccTransport, ModuleInfo } from '../../src/apdu/channel.js';
import { LpaError } from '../../src/errors.js';
import { AtTrace, type AtTraceSink } from '../at/trace.js';
import { openDeviceLink } from './device.js';
import type { ByteLink } from './link.js';
import { connectProxy, proxyListening, proxyMode, type ProxyMode, type ProxyName } from './proxy.js';

export interface RouteOptions {
  proxy?: ProxyMode;
  procRoot?: string;
  socatPath?: string;
  /** Reach the proxy through the socat bridge only (tests: a scripted proxy behind `socatPath`). */
  bridgeOnly?: boolean;
}

/** True when `path` is to be reached through `proxy` (it runs, and the mode allows it). */
export function throughProxy(proxy: ProxyName, path: string, opts: RouteOptions): boolean {
  const mode = proxyMode(opts.proxy);
  const listening = mode !== 'never' && proxyListening(proxy, opts.procRoot);
  if (mode === 'always' && !listening) {
    throw new LpaError('PORT_IO', `${proxy} is not running (LPA_AGENT_WWAN_PROXY=always): start it (/usr/libexec/${proxy}, or any ${proxy === 'qmi-proxy' ? 'qmicli' : 'mbimcli'} -p) or use auto`, { path });
  }
  return listening;
}

export function openRoute(proxy: ProxyName, path: string, viaProxy: boolean, opts: RouteOptions): Promise<ByteLink> {
  if (!viaProxy) return Promise.resolve(openDeviceLink(path));
  return connectProxy(proxy, { ...(opts.socatPath ? { socatPath: opts.socatPath } : {}), ...(opts.bridgeOnly ? { bridgeOnly: true } : {}) });
}

/** The trace file (when `tracePath`) and the link of the route; the trace is closed again when the link fails. */
export async function openTracedRoute(proxy: ProxyName, path: string, viaProxy: boolean, opts: RouteOptions & { tracePath?: string }): Promise<{ link: ByteLink; trace: AtTrace | undefined }> {
  const trace = opts.tracePath !== undefined ? await AtTrace.open(opts.tracePath) : undefined;
  try {
    return { link: await openRoute(proxy, path, viaProxy, opts), trace };
  } catch (e) {
    await trace?.close();
    throw e;
  }
}

export interface WwanParts<C, K> {
  kind: 'qmi' | 'mbim';
  path: string;
  proxy: ProxyName;
  viaProxy: boolean;
  channel: C;
  connection: K;
  trace: AtTraceSink | undefined;
  moduleInfo(fields?: readonly (keyof ModuleInfo)[]): Promise<ModuleInfo>;
}

export function wwanTransport<C extends EuiccTransport['channel'] & { dispose(): void }, K extends { close(): Promise<void> }>(
  p: WwanParts<C, K>,
): EuiccTransport & { channel: C; connection: K; viaProxy: boolean } {
  let closing: Promise<void> | undefined;
  return {
    kind: p.kind,
    label: `${p.kind}:${p.path}${p.viaProxy ? ` (via ${p.proxy})` : ''}`,
    vendor: p.kind,
    channel: p.channel,
    connection: p.connection,
    viaProxy: p.viaProxy,
    moduleInfo: p.moduleInfo,
    close() {
      closing ??= (async () => {
        await p.channel.close().catch(() => undefined);
        p.channel.dispose();
        await p.connection.close();
        await p.trace?.close();
      })();
      return closing;
    },
  };
}
