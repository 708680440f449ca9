/**
 * Known modules and their USB interface layouts: which interface number is the primary AT port,
 * which is DIAG/GPS/audio (never opened), and which carries QMI or MBIM. Facts from ModemManager's
 * udev rules (src/plugins/*\/77-mm-*-port-types.rules) and the kernel's qmi_wwan product list.
 * cdc-wdm ports are told apart by their
 * kernel driver (qmi_wwan = QMI, cdc_mbim = MBIM) whatever the table says, because one PID can be
 * switched between compositions.
 */
import type { PortRole } from './types.js';

export interface KnownModule {
  vendor: string;
  model: string;
  note?: string;
  /** Interface number -> role, for ports the table knows. */
  interfaces: Record<number, PortRole>;
}

/** Key: "vvvv:pppp" (USB idVendor:idProduct or PCI vendor:device, lower-case hex). */
type Table = Record<string, KnownModule>;

/** Quectel, SIMCom and many Qualcomm designs: 0 DIAG, 1 GPS (NMEA), 2 AT primary, 3 AT secondary. */
const QC4: Record<number, PortRole> = { 0: 'diag', 1: 'gps', 2: 'at-primary', 3: 'at-secondary' };

function quectel(model: string, qmi?: number, note?: string): KnownModule {
  return { vendor: 'Quectel', model, ...(note ? { note } : {}), interfaces: { ...QC4, ...(qmi !== undefined ? { [qmi]: 'qmi' as const } : {}) } };
}

export const KNOWN_MODULES: Table = {
  // Quectel (2c7c); QMI on interface 4 in the default composition (MBIM when switched with AT+QCFG="usbnet",2)
  '2c7c:0125': quectel('EC25/EG25', 4),
  '2c7c:0121': quectel('EC21', 4),
  '2c7c:0191': quectel('EG91', 4),
  '2c7c:0195': quectel('EG95', 4),
  '2c7c:0296': quectel('BG96', 4),
  '2c7c:0306': quectel('EG06/EP06/EM06', 4),
  '2c7c:0512': quectel('EG12/EM12', 4),
  '2c7c:0800': quectel('RM500Q', undefined, 'QMI or MBIM on the interface after the AT ports'),
  '2c7c:0801': quectel('RM520N', undefined, 'QMI or MBIM on the interface after the AT ports'),
  '2c7c:0128': { vendor: 'Quectel', model: 'EM060K-GL', note: 'MBIM composition', interfaces: { 3: 'diag', 4: 'gps', 5: 'at-primary' } },
  // Quectel RM520N on PCIe (MHI): WWAN ports wwan0at0 / wwan0mbim0 / wwan0qmi0
  '1eac:1004': { vendor: 'Quectel', model: 'RM520N (PCIe)', note: 'WWAN ports', interfaces: {} },
  '1eac:1007': { vendor: 'Quectel', model: 'RM520N (PCIe)', note: 'WWAN ports', interfaces: {} },
  // SIMCom (1e0e)
  '1e0e:9001': { vendor: 'SIMCom', model: 'SIM7600/SIM7100/SIM7000', interfaces: { ...QC4, 4: 'audio', 5: 'qmi' } },
  '1e0e:9011': { vendor: 'SIMCom', model: 'A7600E-H/A7602E-H', interfaces: { 2: 'ignore', 4: 'at-primary', 5: 'at-secondary' } },
  // Sierra Wireless (1199): 0 DIAG, 2 NMEA, 3 AT; QMI on 8 (EM7455 also 10)
  '1199:9079': { vendor: 'Sierra Wireless', model: 'EM7455', interfaces: { 0: 'diag', 2: 'gps', 3: 'at-primary', 8: 'qmi', 10: 'qmi' } },
  '1199:9091': { vendor: 'Sierra Wireless', model: 'EM7565', interfaces: { 0: 'diag', 2: 'gps', 3: 'at-primary', 8: 'qmi' } },
  '1199:90d3': { vendor: 'Sierra Wireless', model: 'EM919x', note: 'MBIM; AT port layout not in the table', interfaces: {} },
  // Telit (1bc7)
  '1bc7:1201': { vendor: 'Telit', model: 'LE910C1', note: 'QMI composition', interfaces: { 0: 'diag', 2: 'qmi', 3: 'gps', 4: 'at-primary', 5: 'at-secondary', 6: 'ignore' } },
  '1bc7:1204': { vendor: 'Telit', model: 'LE910C1', note: 'MBIM composition', interfaces: { 0: 'diag', 4: 'gps', 5: 'at-primary', 6: 'at-secondary', 7: 'ignore' } },
  '1bc7:1031': { vendor: 'Telit', model: 'LE910C1-EUX', interfaces: { 0: 'diag', 1: 'at-primary', 2: 'at-secondary', 3: 'qmi' } },
  '1bc7:103a': { vendor: 'Telit', model: 'LE910C4-WWX', note: 'QMI on interface 0; AT layout not in the table', interfaces: { 0: 'qmi' } },
  '1bc7:1050': { vendor: 'Telit', model: 'FN980', note: 'QMI composition', interfaces: { 0: 'diag', 2: 'qmi', 3: 'ignore', 4: 'at-primary', 5: 'at-secondary', 6: 'ignore' } },
  '1bc7:1057': { vendor: 'Telit', model: 'FN980', note: 'QMI composition', interfaces: { 0: 'diag', 2: 'qmi', 3: 'ignore', 4: 'at-primary', 5: 'at-secondary', 6: 'ignore' } },
  '1bc7:1051': { vendor: 'Telit', model: 'FN980', note: 'MBIM composition', interfaces: { 0: 'diag', 4: 'ignore', 5: 'at-primary', 6: 'at-secondary', 7: 'ignore' } },
  // Fibocom (2cb7); L850-GL: AT on CDC ACM, MBIM
  '2cb7:0007': { vendor: 'Fibocom', model: 'L850-GL', note: 'MBIM, AT on ttyACM', interfaces: { 2: 'at-primary', 4: 'ignore', 6: 'at-secondary' } },
  '2cb7:0104': { vendor: 'Fibocom', model: 'FM150', interfaces: { 0: 'diag', 1: 'at-primary', 2: 'at-secondary', 3: 'ignore', 4: 'qmi' } },
  // Fibocom FM350-GL on PCIe (MediaTek T700, mtk_t7xx): WWAN ports
  '14c3:4d75': { vendor: 'Fibocom', model: 'FM350-GL (PCIe)', note: 'WWAN ports (mtk_t7xx)', interfaces: {} },
  // u-blox
  '05c6:908b': { vendor: 'u-blox', model: 'LARA-R6001', interfaces: { 0: 'ignore', 1: 'at-primary', 2: 'at-secondary', 3: 'ignore' } },
  // Qualcomm emergency download (QDL) mode: a module that failed to boot; ModemManager ignores it too
  '05c6:9008': { vendor: 'Qualcomm', model: 'QDL (emergency download mode)', note: 'firmware recovery mode, no AT/QMI/MBIM', interfaces: { 0: 'ignore' } },
  '1546:1342': { vendor: 'u-blox', model: 'LARA-L6', note: 'QMI on interface 4; AT layout not in the table', interfaces: { 4: 'qmi' } },
};

/**
 * USB vendor ids of cellular module makers: an unknown product of theirs with serial ports only
 * is still listed as a module (its AT port is then taken from udev tags or left to the user).
 */
export const MODEM_VENDOR_IDS: Record<string, string> = {
  '2c7c': 'Quectel',
  '1eac': 'Quectel',
  '1e0e': 'SIMCom',
  '1199': 'Sierra Wireless',
  '1bc7': 'Telit',
  '2cb7': 'Fibocom',
  '14c3': 'MediaTek',
  '1546': 'u-blox',
  '05c6': 'Qualcomm',
  '12d1': 'Huawei',
  '19d2': 'ZTE',
  '413c': 'Dell',
  '0489': 'Foxconn',
  '105b': 'Foxconn',
  '2dee': 'MeiG',
  '305a': 'GosunCn',
  '8087': 'Intel',
  '0e8d': 'MediaTek',
  '33f8': 'Rolling Wireless',
};

/** Kernel drivers of plain USB-serial adapters: a device with only such ports is not a module. */
export const SERIAL_ADAPTER_DRIVERS = new Set(['ftdi_sio', 'cp210x', 'ch341', 'pl2303', 'ti_usb_3410_5052', 'mos7840', 'io_ti', 'oti6858', 'ark3116', 'spcp8x5', 'f81232', 'xr_serial']);

export function knownModule(vid: string, pid: string): KnownModule | undefined {
  const key = `${vid}:${pid}`;
  return Object.hasOwn(KNOWN_MODULES, key) ? KNOWN_MODULES[key] : undefined;
}
