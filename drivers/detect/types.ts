/**
 * What `lpa-agent devices` finds and `--device auto` chooses from: modules (a USB or PCIe device
 * with its interfaces), other serial devices (not counted as modules), and readers (PC/SC, added
 * by that transport through `DetectOptions.readers`). Plain data, JSON as it is.
 */

/** What an interface is for. `at` = AT port of a module whose layout is not in the table. */
export type PortRole = 'at-primary' | 'at-secondary' | 'at' | 'qmi' | 'mbim' | 'diag' | 'gps' | 'audio' | 'ignore' | 'unknown';

/** The device node kind: serial tty, cdc-wdm (usbmisc class) or a WWAN subsystem port. */
export type PortKind = 'tty' | 'cdc-wdm' | 'wwan';

/** Where a role came from, best first. */
export type RoleSource = 'table' | 'udev' | 'driver' | 'wwan-type' | 'usb-class' | 'none';

export interface ModemManagerUse {
  /**
   * not-running: no ModemManager process; uses: ModemManager takes this port (AT: exclusively;
   * QMI/MBIM: through qmi-proxy/mbim-proxy, shared); ignores: udev tags or its own rules keep it off.
   */
  state: 'not-running' | 'uses' | 'ignores';
  /** Why, for humans: "udev ID_MM_PORT_IGNORE=1", "open by ModemManager (pid 612)", ... */
  why: string;
}

export interface ProcessRef {
  pid: number;
  name: string;
}

export interface DetectedPort {
  kind: PortKind;
  /** Kernel name: ttyUSB2, cdc-wdm0, wwan0mbim0. */
  name: string;
  /** Device node, e.g. /dev/ttyUSB2. */
  path: string;
  /** Stable name under /dev/serial/by-id, where udev made one (AT ports over USB). */
  byId?: string;
  /** major:minor from sysfs `dev`. */
  devNum?: string;
}

export interface DetectedInterface {
  /** bInterfaceNumber (USB), absent on PCIe WWAN ports. */
  number?: number;
  /** bInterfaceClass/SubClass/Protocol as two hex digits each, e.g. "ff/ff/ff". */
  usbClass?: string;
  /** Kernel driver bound to the interface (option, qcserial, cdc_acm, qmi_wwan, cdc_mbim, mtk_t7xx...). */
  driver?: string;
  port: DetectedPort;
  role: PortRole;
  roleFrom: RoleSource;
  /** The `--device` value for this port when lpa-agent can use it (at/qmi/mbim), else absent. */
  device?: string;
  modemManager: ModemManagerUse;
  /** Processes seen with the node open (only those /proc lets us read). */
  holders: ProcessRef[];
}

export interface DetectedModule {
  bus: 'usb' | 'pci';
  /** USB device name (1-1.2) or PCI address (0000:01:00.0). */
  id: string;
  /** Resolved sysfs directory of the device (ModemManager's device uid for InhibitDevice). */
  sysfsPath: string;
  /** USB idVendor/idProduct or PCI vendor/device, 4 lower-case hex digits each. */
  vid: string;
  pid: string;
  vendor: string;
  model: string;
  /** From the device (USB manufacturer/product/serial strings), when present. */
  manufacturer?: string;
  product?: string;
  serial?: string;
  /** The interface layout comes from lpa-agent's table of known modules. */
  known: boolean;
  /** Table remark, e.g. "QMI composition". */
  note?: string;
  /** Why this is not counted as a module (e.g. a USB-serial adapter); absent for modules. */
  notModule?: string;
  /** ModemManager leaves the whole device alone (udev ID_MM_DEVICE_IGNORE), with the reason. */
  mmIgnored?: string;
  /** Kernel drivers for the module are not bound (known module without ports). */
  noPorts?: string;
  interfaces: DetectedInterface[];
}

/** A smart-card reader another transport (PC/SC) found; `device` is its `--device` value. */
export interface DetectedReader {
  name: string;
  device: string;
  /** A card is in the reader. */
  cardPresent: boolean;
  /** The card's ATR (upper-case hex), when it answered a connect. */
  atr?: string;
  /** An eUICC answered in this reader; only such readers are choices for `auto`. */
  euicc: boolean;
  /** The EID read, when `euicc`. */
  eid?: string;
  /** Why the card could not be probed (in exclusive use elsewhere, mute, ...): error code and message. */
  problem?: { code: string; message: string };
  /** The same facts in words, for people. */
  note?: string;
}

export interface Inventory {
  modules: DetectedModule[];
  /** Serial devices that are not modules (USB-serial adapters, unknown vendors with ttys only). */
  others: DetectedModule[];
  readers: DetectedReader[];
  modemManager: { running: boolean; pids: number[] };
  /** What was read, for "nothing found" messages. */
  searched: string[];
}

/** Where to read from; every root has the real system's default. */
export interface DetectOptions {
  /** Default /sys. When only this is given, the other roots are its siblings (<dir>/../dev, ...). */
  sysfsRoot?: string;
  /** Default /run/udev/data. */
  udevRoot?: string;
  /** Default /dev (device node paths and /dev/serial/by-id). */
  devRoot?: string;
  /** Default /proc. */
  procRoot?: string;
  /** Contributes readers (the PC/SC transport); failures are reported as a note, not thrown. */
  readers?: () => Promise<DetectedReader[]>;
}
