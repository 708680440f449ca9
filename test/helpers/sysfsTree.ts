/**
 * Builds a gateway's filesystem view for drivers/detect from a compact layout description
 * (test/fixtures/sysfs/*.json): sysfs as the kernel lays it out — USB device directories under
 * their hubs with idVendor/idProduct/manufacturer/product/serial/dev, interface directories
 * `1-1.2:1.N` with bInterfaceNumber/bInterfaceClass/... and a `driver` link into /sys/bus, the
 * usb-serial port (ttyUSBn/tty/ttyUSBn) or CDC ACM (tty/ttyACMn) or cdc-wdm (usbmisc/cdc-wdmN
 * with its `device` link) or WWAN port nodes below them, /sys/class/{tty,usbmisc,wwan,net} and
 * /sys/bus/usb/devices as relative symlinks; PCIe modules with WWAN ports; udev's database
 * (/run/udev/data/c<major>:<minor>); /dev/serial/by-id links; /proc/<pid>/{comm,fd/N}.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../cli/run.js';

export interface WwanPortDesc {
  name: string;
  type: string;
}

export interface UsbInterfaceDesc {
  n: number;
  /** class/subclass/protocol, two hex digits each; default ff/ff/ff. */
  class?: string;
  driver?: string;
  /** ttyUSBn (usb-serial) or ttyACMn (CDC ACM). */
  tty?: string;
  usbmisc?: string;
  net?: string;
  wwan?: WwanPortDesc[];
  byId?: string;
}

export interface UsbDeviceDesc {
  /** Kernel name, e.g. 1-1.2 (bus 1, hub port 1, port 2). */
  name: string;
  idVendor: string;
  idProduct: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  interfaces: UsbInterfaceDesc[];
}

export interface PciDeviceDesc {
  address: string;
  vendor: string;
  device: string;
  driver: string;
  wwan: WwanPortDesc[];
}

export interface ProcessDesc {
  pid: number;
  comm: string;
  /** Absolute targets of its fd links, e.g. /dev/ttyUSB2. */
  fds?: string[];
}

export interface LayoutDesc {
  description: string;
  usb?: UsbDeviceDesc[];
  pci?: PciDeviceDesc[];
  /** udev properties per port name (ttyUSB2, cdc-wdm0), per USB device ("usb:1-1.2"), or raw db id ("+usb:1-1.2:1.3"). */
  udev?: Record<string, Record<string, string>>;
  processes?: ProcessDesc[];
  /** Device nodes to create under dev/ as symlinks (name -> target), e.g. a pty standing in for ttyUSB2. */
  devNodes?: Record<string, string>;
}

const MAJOR: Record<string, number> = { ttyUSB: 188, ttyACM: 166, 'cdc-wdm': 180, wwan: 234 };

/** Reads test/fixtures/sysfs/<name>.json. */
export function loadLayout(name: string): LayoutDesc {
  return JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'sysfs', `${name}.json`), 'utf8')) as LayoutDesc;
}

/** Builds the layout under `dir` (dir/sys, dir/dev, dir/run/udev/data, dir/proc); returns dir/sys. */
export function buildTree(dir: string, layout: LayoutDesc): string {
  const sys = join(dir, 'sys');
  const devNums = new Map<string, string>();
  const minors = new Map<string, number>();
  const nextDev = (name: string) => {
    const kind = /^wwan/.test(name) ? 'wwan' : name.replace(/\d+$/, '');
    const major = MAJOR[kind] ?? 240;
    const minor = kind === 'wwan' ? (minors.get(kind) ?? 0) : Number(name.match(/\d+$/)?.[0] ?? 0);
    minors.set(kind, minor + 1);
    const num = `${major}:${minor}`;
    devNums.set(name, num);
    return num;
  };
  const file = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${text}\n`);
  };
  const attrs = (d: string, values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) if (v !== undefined) file(join(d, k), v);
  };
  const link = (path: string, target: string, makeTarget = true) => {
    mkdirSync(dirname(path), { recursive: true });
    if (makeTarget) mkdirSync(target, { recursive: true });
    symlinkSync(relative(dirname(path), target), path);
  };
  const classLink = (cls: string, name: string, target: string) => link(join(sys, 'class', cls, name), target);
  const driverLink = (d: string, bus: string, driver: string) => link(join(d, 'driver'), join(sys, 'bus', bus, 'drivers', driver));
  let wwanDevices = 0;
  const wwanPorts = (parent: string, ports: WwanPortDesc[]) => {
    const wname = `wwan${wwanDevices++}`;
    const wdev = join(parent, 'wwan', wname);
    mkdirSync(wdev, { recursive: true });
    classLink('wwan', wname, wdev);
    for (const p of ports) {
      const pd = join(wdev, p.name);
      attrs(pd, { type: p.type, dev: nextDev(p.name), uevent: `MAJOR=234\nDEVNAME=${p.name}` });
      classLink('wwan', p.name, pd);
    }
  };

  // the USB host controller and its root hub, a hub on port 1, the modules below it
  const hcd = join(sys, 'devices', 'pci0000:00', '0000:00:14.0');
  attrs(hcd, { vendor: '0x8086', device: '0xa36d', class: '0x0c0330' });
  const rootHub = join(hcd, 'usb1');
  attrs(rootHub, { idVendor: '1d6b', idProduct: '0002', bDeviceClass: '09', product: 'xHCI Host Controller', busnum: '1', devnum: '1', dev: '189:0' });
  link(join(sys, 'bus', 'usb', 'devices', 'usb1'), rootHub);
  const hub = join(rootHub, '1-1');
  attrs(hub, { idVendor: '05e3', idProduct: '0610', bDeviceClass: '09', product: 'USB2.1 Hub', busnum: '1', devnum: '2', dev: '189:1' });
  link(join(sys, 'bus', 'usb', 'devices', '1-1'), hub);
  // a platform UART and the console: ttys that belong to no module
  const uart = join(sys, 'devices', 'platform', 'serial8250', 'tty', 'ttyS0');
  attrs(uart, { dev: '4:64' });
  classLink('tty', 'ttyS0', uart);
  const console = join(sys, 'devices', 'virtual', 'tty', 'tty0');
  attrs(console, { dev: '4:0' });
  classLink('tty', 'tty0', console);
  mkdirSync(join(sys, 'class', 'usbmisc'), { recursive: true });
  mkdirSync(join(sys, 'class', 'wwan'), { recursive: true });

  const usbDevNum = new Map<string, string>();
  (layout.usb ?? []).forEach((u, idx) => {
    const d = join(hub, u.name);
    const devnum = 3 + idx;
    usbDevNum.set(u.name, `189:${devnum - 1}`);
    attrs(d, {
      idVendor: u.idVendor,
      idProduct: u.idProduct,
      manufacturer: u.manufacturer,
      product: u.product,
      serial: u.serial,
      bDeviceClass: 'ef',
      bNumInterfaces: ` ${u.interfaces.length}`,
      busnum: '1',
      devnum: String(devnum),
      dev: `189:${devnum - 1}`,
      speed: '480',
    });
    link(join(sys, 'bus', 'usb', 'devices', u.name), d);
    for (const i of u.interfaces) {
      const ifName = `${u.name}:1.${i.n}`;
      const id = join(d, ifName);
      const [cls, sub, proto] = (i.class ?? 'ff/ff/ff').split('/');
      attrs(id, { bInterfaceNumber: i.n.toString(16).padStart(2, '0'), bInterfaceClass: cls, bInterfaceSubClass: sub, bInterfaceProtocol: proto, bAlternateSetting: ' 0', bNumEndpoints: '03' });
      link(join(sys, 'bus', 'usb', 'devices', ifName), id);
      if (i.driver) driverLink(id, 'usb', i.driver);
      if (i.tty?.startsWith('ttyUSB')) {
        const port = join(id, i.tty);
        attrs(port, { port_number: '0' });
        if (i.driver) driverLink(port, 'usb-serial', `${i.driver}1`);
        const node = join(port, 'tty', i.tty);
        attrs(node, { dev: nextDev(i.tty) });
        classLink('tty', i.tty, node);
      } else if (i.tty) {
        const node = join(id, 'tty', i.tty);
        attrs(node, { dev: nextDev(i.tty) });
        classLink('tty', i.tty, node);
      }
      if (i.usbmisc) {
        const node = join(id, 'usbmisc', i.usbmisc);
        attrs(node, { dev: nextDev(i.usbmisc) });
        link(join(node, 'device'), id);
        classLink('usbmisc', i.usbmisc, node);
      }
      if (i.net) {
        const node = join(id, 'net', i.net);
        attrs(node, { type: '1', operstate: 'down' });
        classLink('net', i.net, node);
      }
      if (i.wwan) wwanPorts(id, i.wwan);
      if (i.byId && i.tty) link(join(dir, 'dev', 'serial', 'by-id', i.byId), join(dir, 'dev', i.tty), false);
    }
  });

  for (const p of layout.pci ?? []) {
    const bridge = join(sys, 'devices', 'pci0000:00', '0000:00:1c.0');
    attrs(bridge, { vendor: '0x8086', device: '0xa33c', class: '0x060400' });
    const d = join(bridge, p.address);
    attrs(d, { vendor: p.vendor, device: p.device, class: '0x0d4000' });
    driverLink(d, 'pci', p.driver);
    wwanPorts(d, p.wwan);
  }

  const udev = join(dir, 'run', 'udev', 'data');
  mkdirSync(udev, { recursive: true });
  for (const [key, props] of Object.entries(layout.udev ?? {})) {
    const id = key.startsWith('+') ? key : key.startsWith('usb:') ? `c${usbDevNum.get(key.slice(4))}` : `c${devNums.get(key)}`;
    file(join(udev, id), ['I:1234567', ...Object.entries(props).map(([k, v]) => `E:${k}=${v}`), 'G:systemd'].join('\n'));
  }
  for (const [name, target] of Object.entries(layout.devNodes ?? {})) {
    mkdirSync(join(dir, 'dev'), { recursive: true });
    symlinkSync(target, join(dir, 'dev', name));
  }
  mkdirSync(join(dir, 'proc'), { recursive: true });
  file(join(dir, 'proc', 'self'), ''); // not a pid: skipped
  for (const p of layout.processes ?? []) {
    file(join(dir, 'proc', String(p.pid), 'comm'), p.comm);
    mkdirSync(join(dir, 'proc', String(p.pid), 'fd'), { recursive: true });
    (p.fds ?? []).forEach((t, n) => symlinkSync(t, join(dir, 'proc', String(p.pid), 'fd', String(n + 3))));
  }
  return sys;
}
