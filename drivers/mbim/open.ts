/**
 * `mbim:<path>`: opens the modem's MBIM control port (directly, or through mbim-proxy when it runs,
 * so ModemManager keeps the modem), MBIM OPEN, and returns the eUICC transport. Start-up costs one
 * round trip direct (OPEN), two through the proxy (its configuration first).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { EuiccTransport, ModuleInfo, TransportOptions } from '../../src/apdu/channel.js';
import { LpaError, isLpaError } from '../../src/errors.js';
import { proxyOpenDeadline, type ProxyMode } from '../wwan/proxy.js';
import { openTracedRoute, throughProxy, wwanTransport } from '../wwan/transport.js';
import { CommandType, DEFAULT_MAX_CONTROL_TRANSFER, MIN_MAX_CONTROL_TRANSFER } from './codec.js';
import { MbimEuiccChannel, type MbimChannelOptions } from './channel.js';
import { MbimConnection } from './connection.js';
import { BasicConnect, ProxyControl, Service, parseDeviceCaps, parseProxyVersion, proxyConfigInfo } from './messages.js';

export interface MbimOpenOptions extends TransportOptions {
  /** Through mbim-proxy: auto (when it runs; default, or LPA_AGENT_WWAN_PROXY), never, always. */
  proxy?: ProxyMode;
  procRoot?: string;
  /** Where sysfs is (tests): the MBIM functional descriptor gives MaxControlTransfer. */
  sysRoot?: string;
  /** MaxControlTransfer to use instead of the descriptor's (tests of fragmentation). */
  maxControlTransfer?: number;
  socatPath?: string;
  /** Reach the proxy through the socat bridge only (tests: a scripted proxy as `socatPath`). */
  bridgeOnly?: boolean;
  channel?: MbimChannelOptions;
  signal?: AbortSignal;
}

export interface MbimTransport extends EuiccTransport {
  channel: MbimEuiccChannel;
  connection: MbimConnection;
  viaProxy: boolean;
}

/** How long mbim-proxy may take to open the device (told to the proxy; our deadline is a little longer). */
const PROXY_OPEN_TIMEOUT_S = 5;

/**
 * wMaxControlMessage of the MBIM functional descriptor (bLength 12, CS_INTERFACE 0x24, subtype
 * 0x1B) in the USB descriptors of the device's interface, or undefined.
 */
export function maxControlTransferOf(path: string, sysRoot = '/sys'): number | undefined {
  let name: string;
  try {
    name = basename(realpathSync(path));
  } catch {
    return undefined;
  }
  let raw: Buffer;
  try {
    raw = readFileSync(`${sysRoot}/class/usbmisc/${name}/device/../descriptors`);
  } catch {
    return undefined;
  }
  const d = raw.subarray(0, 64 * 1024);
  for (let p = 0; p + 2 <= d.length; ) {
    const len = d[p]!;
    if (len < 2) return undefined;
    if (len >= 12 && p + 7 <= d.length && d[p + 1] === 0x24 && d[p + 2] === 0x1b) {
      const v = d[p + 5]! | (d[p + 6]! << 8);
      return v >= MIN_MAX_CONTROL_TRANSFER ? v : undefined;
    }
    p += len;
  }
  return undefined;
}

/** IMEI, firmware, hardware strings and radio access from Basic Connect Device Caps (one request). */
export async function readMbimModuleInfo(conn: MbimConnection, fields?: readonly (keyof ModuleInfo)[]): Promise<ModuleInfo> {
  if (fields && !fields.some((f) => f === 'model' || f === 'firmware' || f === 'imei' || f === 'radioAccess')) return {};
  try {
    const caps = parseDeviceCaps(await conn.command(Service.basicConnect, BasicConnect.deviceCaps, CommandType.query, new Uint8Array(0), 'Device Caps', { timeoutMs: 5000 }));
    const info: ModuleInfo = {};
    if (caps.hardware) info.model = caps.hardware;
    if (caps.firmware) info.firmware = caps.firmware;
    if (caps.deviceId) info.imei = caps.deviceId;
    if (caps.radioAccess.length > 0) info.radioAccess = caps.radioAccess;
    return info;
  } catch (e) {
    if (isLpaError(e, 'PORT_CLOSED')) throw e;
    return {};
  }
}

async function configureProxy(conn: MbimConnection, path: string, deadlineMs: number, signal: AbortSignal | undefined): Promise<number> {
  let extended = 0x0100;
  const stop = conn.onIndication((i) => {
    if (i.service !== Service.proxyControl || i.cid !== ProxyControl.version) return;
    try {
      extended = parseProxyVersion(i.info).extendedVersion;
    } catch {
      // keep MBIM 1.0 layouts
    }
  });
  try {
    await conn.command(Service.proxyControl, ProxyControl.configuration, CommandType.set, proxyConfigInfo(path, PROXY_OPEN_TIMEOUT_S), `mbim-proxy open ${path}`, {
      timeoutMs: deadlineMs,
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    // the proxy answers a device it cannot open by closing the connection, without a reply
    if (isLpaError(e, 'PORT_CLOSED')) {
      throw new LpaError(
        'PORT_IO',
        `mbim-proxy closed the connection when asked to open ${path}: it could not open the device (missing, not an MBIM port, or no answer to MBIM OPEN within ${PROXY_OPEN_TIMEOUT_S} s), or it serves root only (run lpa-agent as root)`,
        { path },
        { cause: e },
      );
    }
    if (isLpaError(e, 'TRANSPORT_TIMEOUT')) {
      throw new LpaError('TRANSPORT_TIMEOUT', `mbim-proxy did not confirm opening ${path} within ${deadlineMs} ms (is ${path} an MBIM port?)`, { path, timeoutMs: deadlineMs }, { cause: e });
    }
    throw e;
  } finally {
    stop();
  }
  return extended;
}

export async function openMbimTransport(path: string, opts: MbimOpenOptions = {}): Promise<MbimTransport> {
  const viaProxy = throughProxy('mbim-proxy', path, opts);
  const max = opts.maxControlTransfer ?? (viaProxy ? undefined : maxControlTransferOf(path, opts.sysRoot)) ?? DEFAULT_MAX_CONTROL_TRANSFER;
  const { link, trace } = await openTracedRoute('mbim-proxy', path, viaProxy, opts);
  const conn = new MbimConnection(link, {
    label: viaProxy ? 'mbim-proxy' : path,
    maxControlTransfer: max,
    ...(opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {}),
    ...(trace ? { trace } : {}),
  });
  const signal = opts.signal ? { signal: opts.signal } : {};
  let channel: MbimEuiccChannel | undefined;
  try {
    const extended = viaProxy ? await configureProxy(conn, resolve(path), proxyOpenDeadline(opts.requestTimeoutMs), opts.signal) : 0x0100;
    await conn.open(signal).catch(async (e: unknown) => {
      if (viaProxy) throw e;
      if (isLpaError(e, 'MBIM_ERROR')) {
        // a session left in an unknown state: close it, then open again (as libmbim does)
        await conn.closeSession();
        return conn.open(signal);
      }
      if (!isLpaError(e, 'TRANSPORT_TIMEOUT')) throw e;
      throw new LpaError(e.code, `${e.message} (is ${path} an MBIM port? QMI modems: --device qmi:${path}; AT ports: --device at:<tty>)`, e.details, { cause: e });
    });
    channel = new MbimEuiccChannel(conn, { ...opts.channel, ...(opts.isdrAid ? { aid: opts.isdrAid } : {}), mbimexV3: () => extended >= 0x0300 });
  } catch (e) {
    await conn.close();
    await trace?.close();
    throw e;
  }
  return wwanTransport({ kind: 'mbim', path, proxy: 'mbim-proxy', viaProxy, channel, connection: conn, trace, moduleInfo: (fields) => readMbimModuleInfo(conn, fields) });
}
