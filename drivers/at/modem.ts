/**
 * Opens a cellular module's AT port and returns the engine and the eUICC channel on it.
 * Start-up costs two round trips on most modules: `ATE0+CMEE=1`, then `ATI` (plus `AT+CGMI`
 * only when ATI does not name the maker, and nothing when the vendor is given).
 */
import { LpaError, isLpaError } from '../../src/errors.js';
import { AtEuiccChannel, type AtEuiccChannelOptions } from './channel.js';
import type { ModuleInfo } from '../../src/apdu/channel.js';
import { AtEngine } from './engine.js';
import { ModuleIdentity } from './identity.js';
import { SerialAtPort, isModemManagerRunning, type SerialBinding } from './port.js';
import { AtTrace } from './trace.js';
import { GENERIC_URC_PREFIXES, VENDOR_NAMES, detectVendor, getVendor, urcPrefixesFor, type VendorProfile } from './vendors.js';

export interface OpenAtModemOptions {
  path: string;
  baudRate?: number;
  /** serialport binding (default: native). */
  binding?: SerialBinding;
  /** Vendor profile name; detected from ATI / AT+CGMI when absent. */
  vendor?: string;
  /** Append an AT trace to this file. */
  tracePath?: string;
  /** Advisory lock on the port (default true). */
  lock?: boolean;
  /** Default deadline of an AT command in ms (default 10 s). */
  commandTimeoutMs?: number;
  /** Options of the eUICC channel (stale channel id, SIM-ready deadline, ...). */
  channel?: AtEuiccChannelOptions;
  /** Where to look for ModemManager (default /proc). */
  procRoot?: string;
}

export interface AtModem {
  engine: AtEngine;
  channel: AtEuiccChannel;
  vendor: VendorProfile;
  /** What the module says about itself (AT+CGMI/+CGMM/+CGMR/+CGSN/+WS46=?), each read once when asked for. */
  moduleInfo(fields?: readonly (keyof ModuleInfo)[]): Promise<ModuleInfo>;
  /** Closes the channel (best effort), the port and the trace. */
  close(): Promise<void>;
}

/** URCs of every vendor: used until the vendor is known. */
function allUrcPrefixes(): string[] {
  const set = new Set<string>(GENERIC_URC_PREFIXES);
  for (const n of VENDOR_NAMES) for (const p of getVendor(n).urcPrefixes) set.add(p);
  return [...set];
}

async function initialise(engine: AtEngine, path: string, procRoot: string | undefined): Promise<void> {
  try {
    await engine.send('ATE0+CMEE=1');
    return;
  } catch (e) {
    if (isLpaError(e, 'AT_TIMEOUT')) {
      if (isModemManagerRunning(procRoot)) {
        throw new LpaError(
          'PORT_MODEMMANAGER',
          `no answer on ${path} while ModemManager is running: it probably holds the port; stop it (\`systemctl stop ModemManager\`) or tag the port with udev ENV{ID_MM_PORT_IGNORE}="1"`,
          { path },
          { cause: e },
        );
      }
      throw new LpaError('AT_TIMEOUT', `no answer to AT commands on ${path}: is this the module's AT port?`, { path }, { cause: e });
    }
    if (!isLpaError(e) || e.code === 'PORT_CLOSED') throw e;
  }
  // firmware without command concatenation: one at a time
  await engine.send('ATE0');
  await engine.send('AT+CMEE=1').catch((e: unknown) => {
    if (isLpaError(e, 'PORT_CLOSED') || isLpaError(e, 'AT_TIMEOUT')) throw e;
  });
}

async function identify(engine: AtEngine): Promise<VendorProfile> {
  const text = async (cmd: string): Promise<string> => {
    try {
      return (await engine.send(cmd, { bare: true })).lines.join('\n');
    } catch (e) {
      if (isLpaError(e, 'PORT_CLOSED') || isLpaError(e, 'AT_TIMEOUT')) throw e;
      return '';
    }
  };
  const ati = await text('ATI');
  const byAti = detectVendor(ati);
  if (byAti.name !== 'generic') return byAti;
  return detectVendor(ati, await text('AT+CGMI'));
}

export async function openAtModem(options: OpenAtModemOptions): Promise<AtModem> {
  const given = options.vendor !== undefined ? getVendor(options.vendor) : undefined;
  const trace = options.tracePath !== undefined ? await AtTrace.open(options.tracePath) : undefined;
  let port: SerialAtPort;
  try {
    port = await SerialAtPort.open({
      path: options.path,
      baudRate: options.baudRate,
      binding: options.binding,
      lock: options.lock,
      procRoot: options.procRoot,
    });
  } catch (e) {
    await trace?.close();
    throw e;
  }
  const engine = new AtEngine(port, {
    trace,
    defaultTimeoutMs: options.commandTimeoutMs,
    urcPrefixes: given ? urcPrefixesFor(given) : allUrcPrefixes(),
  });
  try {
    await initialise(engine, options.path, options.procRoot);
    const vendor = given ?? (await identify(engine));
    engine.setUrcPrefixes(urcPrefixesFor(vendor));
    const channel = new AtEuiccChannel(engine, vendor, options.channel);
    const identity = new ModuleIdentity(engine, vendor);
    return {
      engine,
      channel,
      vendor,
      moduleInfo: (fields) => identity.read(fields),
      async close() {
        await channel.close().catch(() => undefined);
        channel.dispose();
        await engine.close();
      },
    };
  } catch (e) {
    await engine.close();
    throw e;
  }
}
