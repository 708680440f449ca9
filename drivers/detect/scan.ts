/**
 * Finds the cellular modules of this machine from sysfs, the way ModemManager does: every port
 * (tty, cdc-wdm, WWAN port) is walked up to its USB interface (bInterfaceNumber, driver) and USB
 * device (idVendor/idProduct), or to its PCI device for PCIe modules; ports are grouped by device.
 * Roles come from the table of known modules, then udev's ID_MM_PORT_TYPE_* tags, then the kernel
 * driver (qmi_wwan, cdc_mbim) or WWAN port type. USB devices of a known module without any port
 * are listed too (their drivers are not bound).
 */
import { join } from 'node:path';
import { knownModule, MODEM_VENDOR_IDS, SERIAL_ADAPTER_DRIVERS } from './known.js';
import { scanProcesses, type ProcessScan } from './processes.js';
import { attr, linkName, list, naturalCompare, real, rootsOf, serialById, udevProperties, upTo, type Roots } from './sysfs.js';
import type { DetectedInterface, DetectedModule, DetectOptions, Inventory, ModemManagerUse, PortKind, PortRole, RoleSource } from './types.js';

interface RawPort {
  kind: PortKind;
  name: string;
  devNum?: string;
  /** USB interface directory, when on USB. */
  ifDir?: string;
  /** Type attribute of a WWAN port (AT, MBIM, QMI, QCDM, ...). */
  wwanType?: string;
}

interface RawDevice {
  bus: 'usb' | 'pci';
  dir: string;
  ports: RawPort[];
}

const HEX4 = /^[0-9a-f]{4}$/;

function usbDeviceOf(dir: string, roots: Roots): { ifDir?: string; devDir: string } | undefined {
  const ifDir = upTo(dir, 'bInterfaceClass', roots.sys);
  const devDir = upTo(ifDir ?? dir, 'idVendor', roots.sys);
  return devDir ? { ...(ifDir ? { ifDir } : {}), devDir } : undefined;
}

function pciDeviceOf(dir: string, roots: Roots): string | undefined {
  const d = upTo(dir, 'vendor', roots.sys);
  return d && /^0x[0-9a-f]{4}$/i.test(attr(d, 'vendor') ?? '') ? d : undefined;
}

/** Ports from /sys/class/{tty,usbmisc,wwan}, grouped by the USB or PCI device they belong to. */
function collectPorts(roots: Roots): Map<string, RawDevice> {
  const devices = new Map<string, RawDevice>();
  const add = (bus: 'usb' | 'pci', dir: string, port: RawPort) => {
    const d = devices.get(dir) ?? { bus, dir, ports: [] };
    d.ports.push(port);
    devices.set(dir, d);
  };
  const classDir = (c: string) => join(roots.sys, 'class', c);
  for (const name of list(classDir('tty'))) {
    const dir = real(join(classDir('tty'), name));
    const usb = dir && usbDeviceOf(dir, roots);
    if (!usb) continue; // platform UARTs, virtual consoles, ptys
    add('usb', usb.devDir, { kind: 'tty', name, devNum: attr(dir, 'dev'), ...(usb.ifDir ? { ifDir: usb.ifDir } : {}) });
  }
  for (const name of list(classDir('usbmisc'))) {
    if (!name.startsWith('cdc-wdm')) continue; // usblp, hiddev, ...
    const dir = real(join(classDir('usbmisc'), name));
    const usb = dir && usbDeviceOf(real(join(dir, 'device')) ?? dir, roots);
    if (!usb) continue;
    add('usb', usb.devDir, { kind: 'cdc-wdm', name, devNum: attr(dir, 'dev'), ...(usb.ifDir ? { ifDir: usb.ifDir } : {}) });
  }
  for (const name of list(classDir('wwan'))) {
    const dir = real(join(classDir('wwan'), name));
    if (!dir) continue;
    const type = attr(dir, 'type');
    if (type === undefined && /^wwan\d+$/.test(name)) continue; // the WWAN device itself, not a port
    const port: RawPort = { kind: 'wwan', name, devNum: attr(dir, 'dev'), ...(type ? { wwanType: type } : {}) };
    const usb = usbDeviceOf(dir, roots);
    if (usb) {
      add('usb', usb.devDir, { ...port, ...(usb.ifDir ? { ifDir: usb.ifDir } : {}) });
      continue;
    }
    const pci = pciDeviceOf(dir, roots);
    if (pci) add('pci', pci, port);
  }
  return devices;
}

/** USB devices of known modules (or known modem vendors) that have no port: drivers not bound. */
function portlessModules(roots: Roots, seen: Map<string, RawDevice>): RawDevice[] {
  const out: RawDevice[] = [];
  const busDir = join(roots.sys, 'bus', 'usb', 'devices');
  for (const name of list(busDir)) {
    if (name.includes(':')) continue; // interfaces
    const dir = real(join(busDir, name));
    if (!dir || seen.has(dir)) continue;
    const vid = attr(dir, 'idVendor');
    const pid = attr(dir, 'idProduct');
    if (vid && pid && knownModule(vid, pid)) out.push({ bus: 'usb', dir, ports: [] });
  }
  return out;
}

function tableOrTagRole(kind: PortKind, tableRole: PortRole | undefined, props: Record<string, string>): { role: PortRole; from: RoleSource } | undefined {
  if (kind !== 'tty') return undefined;
  if (tableRole && tableRole !== 'qmi' && tableRole !== 'mbim') return { role: tableRole, from: 'table' };
  const tags: [string, PortRole][] = [
    ['ID_MM_PORT_TYPE_AT_PRIMARY', 'at-primary'],
    ['ID_MM_PORT_TYPE_AT_SECONDARY', 'at-secondary'],
    ['ID_MM_PORT_TYPE_AT_PPP', 'at-secondary'],
    ['ID_MM_PORT_TYPE_QCDM', 'diag'],
    ['ID_MM_PORT_TYPE_GPS', 'gps'],
    ['ID_MM_PORT_TYPE_AUDIO', 'audio'],
  ];
  for (const [tag, role] of tags) if (props[tag] === '1') return { role, from: 'udev' };
  return undefined;
}

function roleOf(p: RawPort, tableRole: PortRole | undefined, props: Record<string, string>, driver: string | undefined, usbClass: string | undefined): { role: PortRole; from: RoleSource } {
  if (p.kind === 'wwan') {
    const t = (p.wwanType ?? p.name.replace(/^wwan\d+/, '').replace(/\d+$/, '')).toUpperCase();
    const byType: Record<string, PortRole> = { AT: 'at', MBIM: 'mbim', QMI: 'qmi', QCDM: 'diag', NMEA: 'gps' };
    return { role: byType[t] ?? 'ignore', from: 'wwan-type' };
  }
  if (p.kind === 'cdc-wdm') {
    if (driver === 'qmi_wwan') return { role: 'qmi', from: 'driver' };
    if (driver === 'cdc_mbim') return { role: 'mbim', from: 'driver' };
    return { role: 'unknown', from: 'none' };
  }
  const known = tableOrTagRole(p.kind, tableRole, props);
  if (known) return known;
  // CDC ACM with protocol 01 = "AT commands (V.250)" by the USB class definition
  if (driver === 'cdc_acm' && usbClass === '02/02/01') return { role: 'at', from: 'usb-class' };
  return { role: 'unknown', from: 'none' };
}

function deviceValue(role: PortRole, path: string, byId: string | undefined): string | undefined {
  if (role === 'at-primary' || role === 'at-secondary' || role === 'at') return byId ?? path;
  if (role === 'qmi' || role === 'mbim') return `${role}:${path}`;
  return undefined;
}

function modemManagerUse(p: RawPort, bus: 'usb' | 'pci', props: Record<string, string>, deviceIgnored: string | undefined, procs: ProcessScan): ModemManagerUse {
  if (procs.modemManager.length === 0) return { state: 'not-running', why: 'ModemManager is not running' };
  if (deviceIgnored) return { state: 'ignores', why: deviceIgnored };
  if (props.ID_MM_PORT_IGNORE === '1') return { state: 'ignores', why: 'udev ID_MM_PORT_IGNORE=1 on the port' };
  if (p.kind === 'wwan' && bus === 'usb') return { state: 'ignores', why: 'ModemManager leaves the WWAN ports of USB modules alone' };
  const held = procs.holders.get(p.name) ?? [];
  const mm = held.find((h) => procs.modemManager.includes(h.pid));
  if (mm) return { state: 'uses', why: `open by ModemManager (pid ${mm.pid})` };
  const proxy = held.find((h) => h.name === 'qmi-proxy' || h.name === 'mbim-proxy');
  if (proxy) return { state: 'uses', why: `open by ${proxy.name} (pid ${proxy.pid}), shared` };
  return { state: 'uses', why: 'ModemManager is running and takes such ports' };
}

function describeDevice(raw: RawDevice, roots: Roots, procs: ProcessScan, byId: Map<string, string>): DetectedModule {
  const usb = raw.bus === 'usb';
  const hex = (v: string | undefined) => (v ?? '').replace(/^0x/i, '').toLowerCase();
  const vid = hex(attr(raw.dir, usb ? 'idVendor' : 'vendor'));
  const pid = hex(attr(raw.dir, usb ? 'idProduct' : 'device'));
  const table = HEX4.test(vid) && HEX4.test(pid) ? knownModule(vid, pid) : undefined;
  const manufacturer = usb ? attr(raw.dir, 'manufacturer') : undefined;
  const product = usb ? attr(raw.dir, 'product') : undefined;
  const serial = usb ? attr(raw.dir, 'serial') : undefined;
  const id = raw.dir.slice(raw.dir.lastIndexOf('/') + 1);
  const devProps = usb && attr(raw.dir, 'dev') ? udevProperties(roots, `c${attr(raw.dir, 'dev')}`) : {};
  const ports = raw.ports.map((p) => ({
    p,
    props: p.devNum ? udevProperties(roots, `c${p.devNum}`) : {},
    ifProps: p.ifDir ? udevProperties(roots, `+usb:${p.ifDir.slice(p.ifDir.lastIndexOf('/') + 1)}`) : {},
  }));
  const deviceIgnored = [devProps, ...ports.flatMap((x) => [x.props, x.ifProps])].some((props) => props.ID_MM_DEVICE_IGNORE === '1')
    ? 'udev ID_MM_DEVICE_IGNORE=1'
    : undefined;

  const interfaces: DetectedInterface[] = [];
  for (const { p, props } of ports) {
    const numText = p.ifDir ? attr(p.ifDir, 'bInterfaceNumber') : undefined;
    const number = numText !== undefined && /^[0-9a-f]{1,2}$/i.test(numText) ? Number.parseInt(numText, 16) : undefined;
    const usbClass = p.ifDir ? ['bInterfaceClass', 'bInterfaceSubClass', 'bInterfaceProtocol'].map((a) => attr(p.ifDir!, a) ?? '??').join('/') : undefined;
    const driver = p.ifDir ? linkName(join(p.ifDir, 'driver')) : linkName(join(raw.dir, 'driver'));
    const { role, from } = roleOf(p, number !== undefined ? table?.interfaces[number] : undefined, props, driver, usbClass);
    const path = join(roots.dev, p.name);
    const stable = p.kind === 'tty' ? byId.get(p.name) : undefined;
    const device = deviceValue(role, path, stable);
    interfaces.push({
      ...(number !== undefined ? { number } : {}),
      ...(usbClass ? { usbClass } : {}),
      ...(driver ? { driver } : {}),
      port: { kind: p.kind, name: p.name, path, ...(stable ? { byId: stable } : {}), ...(p.devNum ? { devNum: p.devNum } : {}) },
      role,
      roleFrom: from,
      ...(device ? { device } : {}),
      modemManager: modemManagerUse(p, raw.bus, props, deviceIgnored, procs),
      holders: procs.holders.get(p.name) ?? [],
    });
  }
  interfaces.sort((a, b) => (a.number ?? 99) - (b.number ?? 99) || naturalCompare(a.port.name, b.port.name));

  const module: DetectedModule = {
    bus: raw.bus,
    id,
    sysfsPath: raw.dir,
    vid,
    pid,
    vendor: table?.vendor ?? MODEM_VENDOR_IDS[vid] ?? manufacturer ?? 'unknown vendor',
    model: table?.model ?? product ?? 'unknown model',
    ...(manufacturer ? { manufacturer } : {}),
    ...(product ? { product } : {}),
    ...(serial ? { serial } : {}),
    known: table !== undefined,
    ...(table?.note ? { note: table.note } : {}),
    ...(deviceIgnored && procs.modemManager.length > 0 ? { mmIgnored: deviceIgnored } : {}),
    interfaces,
  };
  if (interfaces.length === 0) module.noPorts = 'no serial, cdc-wdm or WWAN port: the kernel drivers (option, qmi_wwan, cdc_mbim, cdc_acm) are not bound to it';
  const notModule = notAModule(module);
  if (notModule) module.notModule = notModule;
  return module;
}

/** A device with serial ports only, of an unknown vendor, is not counted as a cellular module. */
function notAModule(m: DetectedModule): string | undefined {
  if (m.known || Object.hasOwn(MODEM_VENDOR_IDS, m.vid) || m.bus === 'pci') return undefined;
  if (m.interfaces.some((i) => i.port.kind !== 'tty' || i.roleFrom === 'udev' || i.role === 'qmi' || i.role === 'mbim')) return undefined;
  const drivers = [...new Set(m.interfaces.map((i) => i.driver).filter((d): d is string => d !== undefined))];
  if (drivers.length > 0 && drivers.every((d) => SERIAL_ADAPTER_DRIVERS.has(d))) return `USB-serial adapter (${drivers.join(', ')}); a module behind it needs --device <port>`;
  return 'serial device of an unknown vendor; if it is a module, give --device <port>';
}

/** Everything `lpa-agent devices` shows and `--device auto` chooses from. */
export async function detectDevices(opts: DetectOptions = {}): Promise<Inventory> {
  const roots = rootsOf(opts);
  const procs = scanProcesses(roots.proc);
  const byId = serialById(roots);
  const raw = collectPorts(roots);
  const all = [...raw.values(), ...portlessModules(roots, raw)].map((d) => describeDevice(d, roots, procs, byId));
  all.sort((a, b) => naturalCompare(a.id, b.id));
  const inventory: Inventory = {
    modules: all.filter((m) => !m.notModule),
    others: all.filter((m) => m.notModule),
    readers: [],
    modemManager: { running: procs.modemManager.length > 0, pids: procs.modemManager },
    searched: [
      join(roots.sys, 'bus', 'usb', 'devices'),
      join(roots.sys, 'class', 'tty'),
      join(roots.sys, 'class', 'usbmisc'),
      join(roots.sys, 'class', 'wwan'),
    ],
  };
  if (opts.readers) {
    try {
      inventory.readers = await opts.readers();
    } catch {
      // a reader transport that cannot list (no pcscd) contributes nothing
    }
  }
  return inventory;
}
