/**
 * `qmi:<path>`: opens the modem's QMI port (directly, or through qmi-proxy when it runs, so
 * ModemManager keeps the modem), allocates a UIM client id, asks for card status indications and
 * returns the eUICC transport. Start-up costs two round trips direct (Allocate CID, Register
 * Events), three through the proxy (its open message first).
 */
import { resolve } from 'node:path';
import type { EuiccTransport, ModuleInfo, TransportOptions } from '../../src/apdu/channel.js';
import { LpaError, isLpaError } from '../../src/errors.js';
import { proxyOpenDeadline, type ProxyMode } from '../wwan/proxy.js';
import { openTracedRoute, throughProxy, wwanTransport } from '../wwan/transport.js';
import { QmiService, findTlv } from './codec.js';
import { QmiEuiccChannel, type QmiChannelOptions } from './channel.js';
import { QmiConnection } from './connection.js';
import { DMS, parseQmiString, parseRadioInterfaces } from './messages.js';

export interface QmiOpenOptions extends TransportOptions {
  /** Through qmi-proxy: auto (when it runs; default, or LPA_AGENT_WWAN_PROXY), never, always. */
  proxy?: ProxyMode;
  /** Where /proc is (tests). */
  procRoot?: string;
  /** socat for the proxy bridge (default: `socat` on PATH). */
  socatPath?: string;
  /** Reach the proxy through the socat bridge only (tests: a scripted proxy as `socatPath`). */
  bridgeOnly?: boolean;
  /** Channel options (slot, timeouts). */
  channel?: QmiChannelOptions;
  /** Aborts the open (requests in flight fail; the client ids are released). */
  signal?: AbortSignal;
}

export interface QmiTransport extends EuiccTransport {
  channel: QmiEuiccChannel;
  connection: QmiConnection;
  viaProxy: boolean;
}


/** Runs `fn` with a short-lived client of `service`, released afterwards. */
async function withClient<T>(conn: QmiConnection, service: number, fn: (cid: number) => Promise<T>): Promise<T> {
  const cid = await conn.allocateClient(service, { timeoutMs: 5000 });
  try {
    return await fn(cid);
  } finally {
    await conn.releaseClient(service, cid, { timeoutMs: 2000 }).catch(() => undefined);
  }
}

async function dmsString(conn: QmiConnection, cid: number, messageId: number, what: string, tlvType = 0x01): Promise<string | undefined> {
  try {
    const m = await conn.request(QmiService.DMS, cid, messageId, [], what, { timeoutMs: 5000 });
    return parseQmiString(findTlv(m, tlvType));
  } catch (e) {
    if (isLpaError(e, 'PORT_CLOSED')) throw e;
    return undefined;
  }
}

/**
 * Manufacturer, model, firmware revision, IMEI and radio access from the DMS service, only the
 * fields asked for (one request each); fields the modem refuses are left out.
 */
export async function readQmiModuleInfo(conn: QmiConnection, fields?: readonly (keyof ModuleInfo)[]): Promise<ModuleInfo> {
  const want = (f: keyof ModuleInfo): boolean => !fields || fields.includes(f);
  if (!(['manufacturer', 'model', 'firmware', 'imei', 'radioAccess'] as const).some(want)) return {};
  return withClient(conn, QmiService.DMS, async (cid) => {
    const info: ModuleInfo = {};
    const manufacturer = want('manufacturer') ? await dmsString(conn, cid, DMS.getManufacturer, 'DMS Get Manufacturer') : undefined;
    const model = want('model') ? await dmsString(conn, cid, DMS.getModel, 'DMS Get Model') : undefined;
    const firmware = want('firmware') ? await dmsString(conn, cid, DMS.getRevision, 'DMS Get Revision') : undefined;
    const imei = want('imei') ? await dmsString(conn, cid, DMS.getIds, 'DMS Get IDs', 0x11) : undefined;
    if (manufacturer) info.manufacturer = manufacturer;
    if (model) info.model = model;
    if (firmware) info.firmware = firmware;
    if (imei) info.imei = imei;
    if (want('radioAccess')) {
      const m = await conn.request(QmiService.DMS, cid, DMS.getCapabilities, [], 'DMS Get Capabilities', { timeoutMs: 5000 }).catch((e: unknown) => {
        if (isLpaError(e, 'PORT_CLOSED')) throw e;
        return undefined;
      });
      const radio = parseRadioInterfaces(m && findTlv(m, 0x01));
      if (radio.length > 0) info.radioAccess = radio;
    }
    return info;
  });
}

async function readQmiIccid(conn: QmiConnection): Promise<string | undefined> {
  const text = await withClient(conn, QmiService.DMS, (cid) => dmsString(conn, cid, DMS.uimGetIccid, 'DMS UIM Get ICCID'));
  const digits = text?.replace(/[fF]+$/, '');
  return digits && /^\d{18,20}$/.test(digits) ? digits : undefined;
}

/** The proxy's open step failed: closed without a reply (it could not open the device), or no answer in time. */
function proxyOpenError(path: string, deadlineMs: number, e: unknown): unknown {
  if (isLpaError(e, 'PORT_CLOSED')) {
    return new LpaError(
      'PORT_IO',
      `qmi-proxy closed the connection when asked to open ${path}: it could not open the device, or it serves root only (run lpa-agent as root)`,
      { path },
      { cause: e },
    );
  }
  if (isLpaError(e, 'TRANSPORT_TIMEOUT')) {
    return new LpaError('TRANSPORT_TIMEOUT', `qmi-proxy did not confirm opening ${path} within ${deadlineMs} ms (is ${path} a QMI port?)`, { path, timeoutMs: deadlineMs }, { cause: e });
  }
  return e;
}

export async function openQmiTransport(path: string, opts: QmiOpenOptions = {}): Promise<QmiTransport> {
  const viaProxy = throughProxy('qmi-proxy', path, opts);
  const { link, trace } = await openTracedRoute('qmi-proxy', path, viaProxy, opts);
  const conn = new QmiConnection(link, { label: viaProxy ? 'qmi-proxy' : path, ...(opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {}), ...(trace ? { trace } : {}) });
  const signal = opts.signal ? { signal: opts.signal } : {};
  let channel: QmiEuiccChannel | undefined;
  try {
    if (viaProxy) {
      const deadline = proxyOpenDeadline(opts.requestTimeoutMs);
      await conn.proxyOpen(resolve(path), deadline, opts.signal).catch((e: unknown) => {
        throw proxyOpenError(path, deadline, e);
      });
    }
    const uimCid = await conn.allocateClient(QmiService.UIM, signal).catch((e: unknown) => {
      if (!isLpaError(e, 'TRANSPORT_TIMEOUT') || viaProxy) throw e;
      throw new LpaError('TRANSPORT_TIMEOUT', `${e.message} (is ${path} a QMI port? MBIM modems: --device mbim:${path}; AT ports: --device at:<tty>)`, e.details, { cause: e });
    });
    channel = new QmiEuiccChannel(conn, uimCid, { ...opts.channel, ...(opts.isdrAid ? { aid: opts.isdrAid } : {}), readIccid: () => readQmiIccid(conn) });
    await channel.sim.register({ ...signal, ...(opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {}) });
  } catch (e) {
    channel?.dispose();
    await conn.close();
    await trace?.close();
    throw e;
  }
  return wwanTransport({ kind: 'qmi', path, proxy: 'qmi-proxy', viaProxy, channel, connection: conn, trace, moduleInfo: (fields) => readQmiModuleInfo(conn, fields) });
}
