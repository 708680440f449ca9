import type { Quirks } from './quirks.js';

/** AT dialects the virtual module can speak. */
export type VendorName = 'generic' | 'quectel' | 'simcom' | 'sierra' | 'telit' | 'fibocom' | 'ublox' | 'nordic';

export const VENDOR_NAMES: readonly VendorName[] = ['generic', 'quectel', 'simcom', 'sierra', 'telit', 'fibocom', 'ublox', 'nordic'];

/** ICCID commands a module may implement; the answer prefix is chosen per command. */
export type IccidCommand = '+QCCID' | '+CICCID' | '%XICCID' | '+CCID' | '#CCID';

/**
 * What differs between vendors beyond the quirk switches: identification texts, the answer shapes
 * their firmware uses by default, vendor ICCID commands, and the URCs of a boot and a SIM reset.
 * Identification strings are representative of each family, not copied from one unit.
 */
export interface VendorProfile {
  name: VendorName;
  manufacturer: string;
  model: string;
  revision: string;
  imei: string;
  /** Lines of the ATI answer. */
  ati: string[];
  /** Prefix of the AT+CGMR answer ('' for a bare line). */
  cgmrPrefix: string;
  iccidCommands: IccidCommand[];
  /** URCs right after a module reboot (before the SIM sequence). */
  bootUrcs: string[];
  /** URCs when the SIM goes away at the start of a SIM reset. */
  simNotReadyUrcs: string[];
  /** URCs when the SIM is ready again. */
  simReadyUrcs: string[];
  /** Quirk values this dialect has by default (applied under the caller's own quirks). */
  quirks: Partial<Quirks>;
  /** AT+WS46=? modes (TS 27.007 7.4): the radio access technologies the module reports. */
  ws46: number[];
}

/** GSM, UMTS and LTE combinations (an LTE Cat 4 module). */
const WS46_LTE = [12, 22, 25, 28, 29, 30, 31];

const IMEI = '350000000000014';

const PROFILES: Record<VendorName, VendorProfile> = {
  generic: {
    name: 'generic',
    manufacturer: 'lpa-agent',
    model: 'Virtual eUICC Module',
    revision: 'VM01.00.00',
    imei: IMEI,
    ati: ['lpa-agent', 'Virtual eUICC Module', 'Revision: VM01.00.00'],
    cgmrPrefix: '',
    iccidCommands: ['+QCCID', '+CICCID', '%XICCID', '+CCID', '#CCID'],
    bootUrcs: ['RDY'],
    simNotReadyUrcs: ['+CPIN: NOT READY'],
    simReadyUrcs: ['+CPIN: READY'],
    ws46: [...WS46_LTE, 35, 36, 37, 38, 39],
    quirks: {},
  },
  quectel: {
    name: 'quectel',
    manufacturer: 'Quectel',
    model: 'EC25',
    revision: 'EC25EFAR06A08M4G',
    imei: IMEI,
    ati: ['Quectel', 'EC25', 'Revision: EC25EFAR06A08M4G'],
    cgmrPrefix: '',
    iccidCommands: ['+QCCID'],
    bootUrcs: ['RDY', '+CFUN: 1'],
    simNotReadyUrcs: ['+CPIN: NOT READY'],
    simReadyUrcs: ['+CPIN: READY', '+QUSIM: 1', '+QIND: SMS DONE', '+QIND: PB DONE'],
    ws46: WS46_LTE,
    quirks: { cchoShape: 'colon-space' },
  },
  simcom: {
    name: 'simcom',
    manufacturer: 'SIMCOM INCORPORATED',
    model: 'SIMCOM_SIM7600E-H',
    revision: 'LE20B04SIM7600M22',
    imei: IMEI,
    ati: ['Manufacturer: SIMCOM INCORPORATED', 'Model: SIMCOM_SIM7600E-H', 'Revision: LE20B04SIM7600M22', `IMEI: ${IMEI}`, '+GCAP: +CGSM'],
    cgmrPrefix: '+CGMR: ',
    iccidCommands: ['+CICCID'],
    bootUrcs: ['RDY'],
    simNotReadyUrcs: ['+CPIN: NOT READY'],
    simReadyUrcs: ['+CPIN: READY', '*ATREADY: 1', 'SMS DONE', 'PB DONE'],
    ws46: WS46_LTE,
    quirks: { cchoShape: 'colon-nospace', cglaShape: { space: false, quoted: true, lowerCase: false } },
  },
  sierra: {
    name: 'sierra',
    manufacturer: 'Sierra Wireless, Incorporated',
    model: 'MC7455',
    revision: 'SWI9X30C_02.33.03.00',
    imei: IMEI,
    ati: ['Manufacturer: Sierra Wireless, Incorporated', 'Model: MC7455', 'Revision: SWI9X30C_02.33.03.00', `IMEI: ${IMEI}`, '+GCAP: +CGSM'],
    cgmrPrefix: '',
    iccidCommands: ['+CCID'],
    bootUrcs: [],
    simNotReadyUrcs: ['+CPIN: NOT READY'],
    simReadyUrcs: ['+CPIN: READY'],
    ws46: WS46_LTE,
    quirks: { cchoShape: 'handle16', cglaShape: { space: true, quoted: true, lowerCase: true } },
  },
  telit: {
    name: 'telit',
    manufacturer: 'Telit',
    model: 'LE910C1-EU',
    revision: '25.21.660',
    imei: IMEI,
    ati: ['LE910C1-EU'],
    cgmrPrefix: '',
    iccidCommands: ['#CCID', '+CCID'],
    bootUrcs: [],
    simNotReadyUrcs: ['+CPIN: NOT READY', '#QSS: 0'],
    simReadyUrcs: ['+CPIN: READY', '#QSS: 3'],
    ws46: WS46_LTE,
    quirks: { cchoShape: 'spec-bare' },
  },
  fibocom: {
    name: 'fibocom',
    manufacturer: 'Fibocom Wireless Inc.',
    model: 'FM350-GL',
    revision: '81600.0000.00.29.21.01',
    imei: IMEI,
    ati: ['Manufacturer: Fibocom Wireless Inc.', 'Model: FM350-GL', 'Revision: 81600.0000.00.29.21.01'],
    cgmrPrefix: '',
    iccidCommands: ['+CCID'],
    bootUrcs: [],
    simNotReadyUrcs: ['+CPIN: NOT READY', '+SIM DROP'],
    simReadyUrcs: ['+CPIN: READY', '+SIM READY'],
    ws46: WS46_LTE,
    quirks: { cchcFailsUnknown: true, cglaShape: { space: true, quoted: false, lowerCase: false } },
  },
  ublox: {
    name: 'ublox',
    manufacturer: 'u-blox',
    model: 'SARA-R410M-02B',
    revision: 'L0.0.00.00.05.08',
    imei: IMEI,
    ati: ['Manufacturer: u-blox', 'Model: SARA-R410M-02B', 'Revision: L0.0.00.00.05.08'],
    cgmrPrefix: '',
    iccidCommands: ['+CCID'],
    bootUrcs: [],
    simNotReadyUrcs: ['+CPIN: NOT READY', '+UUSIMSTAT: 0'],
    simReadyUrcs: ['+CPIN: READY', '+UUSIMSTAT: 6'],
    ws46: WS46_LTE,
    quirks: {},
  },
  nordic: {
    name: 'nordic',
    manufacturer: 'Nordic Semiconductor ASA',
    model: 'nRF9160-SICA',
    revision: 'mfw_nrf9160_1.3.5',
    imei: IMEI,
    ati: ['nRF9160-SICA'],
    cgmrPrefix: '',
    iccidCommands: ['%XICCID'],
    bootUrcs: ['Ready'],
    simNotReadyUrcs: ['+CPIN: NOT READY', '%XSIM: 0'],
    simReadyUrcs: ['+CPIN: READY', '%XSIM: 1'],
    ws46: [28],
    quirks: {},
  },
};

export function vendorProfile(name: VendorName): VendorProfile {
  const p = PROFILES[name];
  return { ...p, ati: [...p.ati], iccidCommands: [...p.iccidCommands], quirks: { ...p.quirks }, ws46: [...p.ws46] };
}

export function isVendorName(s: string): s is VendorName {
  return (VENDOR_NAMES as readonly string[]).includes(s);
}
