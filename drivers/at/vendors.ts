/**
 * Vendor profiles: only what really differs between module families. Everything else is 3GPP
 * TS 27.007 and lives in the engine and the channel.
 *
 * Field confidence: the Quectel, SIMCom and u-blox/Telit URCs and the Quectel/SIMCom/Nordic ICCID
 * commands come from module facts; the Fibocom/Sierra/u-blox/Nordic ready/lost URC sets, the ICCID
 * route (AT+CRSM) for Fibocom and Sierra, and `cycleAfterSwitch` on Sierra are best guesses to be
 * corrected from field traces (`--trace`).
 */
import type { RadioAccess } from '../../src/apdu/channel.js';
import { LpaError } from '../../src/errors.js';

export const VENDOR_NAMES = ['generic', 'quectel', 'simcom', 'sierra', 'telit', 'fibocom', 'ublox', 'nordic'] as const;
export type VendorName = (typeof VENDOR_NAMES)[number];

export interface VendorProfile {
  name: VendorName;
  /** Human name for messages. */
  label: string;
  /** URC prefixes this family sends beyond the generic list (matched as line prefixes). */
  urcPrefixes: readonly string[];
  /** Vendor ICCID command and its answer prefix; undefined: read EF_ICCID with AT+CRSM. */
  iccid?: { command: string; prefix: string };
  /** Commands that restart the SIM so a newly enabled profile attaches (run in order). */
  restartSim: readonly string[];
  /**
   * Run `restartSim` after a profile switch even when the SIM came back by itself: the family is
   * known to keep using the old profile's network context until the radio is cycled.
   */
  cycleAfterSwitch?: boolean;
  /**
   * +CCHC support: 'ok'; 'missing' (Sierra EM9191: never send it); 'known-only' (Fibocom FM350:
   * fails for ids the module never opened, so only close ids this agent remembers).
   */
  cchc: 'ok' | 'missing' | 'known-only';
  /** Send TERMINAL CAPABILITY (80AA...) after opening the ISD-R channel. */
  terminalCapability: boolean;
  /** Largest APDU (bytes) this family's +CSIM accepts without freezing; undefined = 261. */
  csimMaxApduBytes?: number;
  /**
   * STORE DATA block size (data bytes) this family needs by default, e.g. when its firmware or the
   * eUICCs sold with it fail on long blocks (6601); undefined = 255. `--apdu-size` overrides it.
   */
  storeDataBlockSize?: number;
  /** Radio access technologies when the module does not answer AT+WS46=? (deviceInfo capabilities). */
  radioAccess?: readonly RadioAccess[];
  /** Highest 3GPP release the family implements (deviceInfo capabilities); default 15. */
  radioRelease?: number;
  /** Lines (prefixes, case-insensitive) meaning the SIM went away (reset, REFRESH, removal). */
  simLostUrcs: readonly string[];
  /** Lines (prefixes, case-insensitive) meaning the SIM is ready again. */
  simReadyUrcs: readonly string[];
  /** Matches ATI / AT+CGMI text of this family. */
  detect?: RegExp;
}

/** URCs any 27.007 module may send at any time. */
export const GENERIC_URC_PREFIXES: readonly string[] = [
  'RING',
  'NO CARRIER',
  'RDY',
  '+CRING:',
  '+CREG:',
  '+CGREG:',
  '+CEREG:',
  '+C5GREG:',
  '+CFUN:',
  '+CPIN:',
  '+CGEV:',
  '+CMTI:',
  '+CMT:',
  '+CDS:',
  '+CBM:',
  '+CUSD:',
  '+CIEV:',
  '+CTZV:',
  '+CTZE:',
  '+CTZEU:',
  '+CSCON:',
  '+CLIP:',
  '+STIN:',
  '+STKPCI:',
];

const GENERIC_LOST = ['+CPIN: NOT READY', '+CPIN: NOT INSERTED', 'RDY'];
const GENERIC_READY = ['+CPIN: READY'];

const PROFILES: Record<VendorName, VendorProfile> = {
  generic: {
    name: 'generic',
    label: 'generic 3GPP TS 27.007 module',
    urcPrefixes: [],
    restartSim: ['AT+CFUN=0', 'AT+CFUN=1'],
    cchc: 'ok',
    terminalCapability: false,
    simLostUrcs: GENERIC_LOST,
    simReadyUrcs: GENERIC_READY,
  },
  quectel: {
    name: 'quectel',
    label: 'Quectel',
    urcPrefixes: ['+QUSIM:', '+QIND:', '+QSIMSTAT:', 'POWERED DOWN', '+QSTK'],
    iccid: { command: 'AT+QCCID', prefix: '+QCCID' },
    restartSim: ['AT+CFUN=0', 'AT+CFUN=1'],
    cchc: 'ok',
    terminalCapability: false,
    simLostUrcs: GENERIC_LOST,
    simReadyUrcs: [...GENERIC_READY, '+QUSIM: 1'],
    detect: /quectel/i,
  },
  simcom: {
    name: 'simcom',
    label: 'SIMCom',
    urcPrefixes: ['*ATREADY:', 'SMS DONE', 'PB DONE', '+SIMCARD:', '+CPSI:'],
    iccid: { command: 'AT+CICCID', prefix: '+ICCID' },
    restartSim: ['AT+CFUN=0', 'AT+CFUN=1'],
    cchc: 'ok',
    terminalCapability: false,
    simLostUrcs: GENERIC_LOST,
    simReadyUrcs: GENERIC_READY,
    detect: /simcom|\bsim7\d{3}|\ba76\d{2}/i,
  },
  sierra: {
    name: 'sierra',
    label: 'Sierra Wireless',
    urcPrefixes: ['!PCINFO:', '!PCSTATE:', '+PACSP'],
    restartSim: ['AT+CFUN=0', 'AT+CFUN=1'],
    cycleAfterSwitch: true,
    cchc: 'missing',
    terminalCapability: true,
    simLostUrcs: GENERIC_LOST,
    simReadyUrcs: GENERIC_READY,
    detect: /sierra/i,
  },
  telit: {
    name: 'telit',
    label: 'Telit',
    urcPrefixes: ['#QSS:'],
    iccid: { command: 'AT#CCID', prefix: '#CCID' },
    restartSim: ['AT+CFUN=4', 'AT+CFUN=1'],
    cchc: 'ok',
    terminalCapability: false,
    simLostUrcs: [...GENERIC_LOST, '#QSS: 0'],
    simReadyUrcs: [...GENERIC_READY, '#QSS: 3'],
    detect: /telit/i,
  },
  fibocom: {
    name: 'fibocom',
    label: 'Fibocom',
    urcPrefixes: ['+SIM READY', '+SIM DROP', '+GTSIMSTAT:'],
    restartSim: ['AT+CFUN=0', 'AT+CFUN=1'],
    cchc: 'known-only',
    terminalCapability: true,
    simLostUrcs: [...GENERIC_LOST, '+SIM DROP'],
    simReadyUrcs: [...GENERIC_READY, '+SIM READY'],
    detect: /fibocom/i,
  },
  ublox: {
    name: 'ublox',
    label: 'u-blox',
    urcPrefixes: ['+UUSIMSTAT:', '+UUPSDA:', '+UUPSDD:'],
    iccid: { command: 'AT+CCID', prefix: '+CCID' },
    restartSim: ['AT+CFUN=0', 'AT+CFUN=1'],
    cchc: 'ok',
    terminalCapability: false,
    simLostUrcs: [...GENERIC_LOST, '+UUSIMSTAT: 0'],
    simReadyUrcs: GENERIC_READY,
    detect: /u-?blox/i,
  },
  nordic: {
    name: 'nordic',
    label: 'Nordic nRF91',
    urcPrefixes: ['%XSIM:', '%CESQ:', '%MDMEV:', '%XMODEMSLEEP:', '%NCELLMEAS:'],
    iccid: { command: 'AT%XICCID', prefix: '%XICCID' },
    restartSim: ['AT+CFUN=0', 'AT+CFUN=1'],
    cchc: 'ok',
    terminalCapability: false,
    simLostUrcs: [...GENERIC_LOST, '%XSIM: 0'],
    simReadyUrcs: [...GENERIC_READY, '%XSIM: 1'],
    // nRF91: LTE-M and NB-IoT only (3GPP release 14)
    radioAccess: ['eutran'],
    radioRelease: 14,
    detect: /nordic/i,
  },
};

/** Profile by name (case-insensitive); unknown name -> USAGE listing the valid ones. */
export function getVendor(name: string): VendorProfile {
  const key = name.trim().toLowerCase().replace(/-/g, '');
  const p = (PROFILES as Record<string, VendorProfile | undefined>)[key];
  if (!p) {
    throw new LpaError('USAGE', `unknown modem vendor "${name}"; valid vendors: ${VENDOR_NAMES.join(', ')}`, {
      vendor: name,
      valid: [...VENDOR_NAMES],
    });
  }
  return p;
}

/** Picks the profile from ATI and/or AT+CGMI text; generic when nothing matches. */
export function detectVendor(atiText: string, cgmiText = ''): VendorProfile {
  for (const text of [cgmiText, atiText]) {
    if (!text) continue;
    for (const name of VENDOR_NAMES) {
      const re = PROFILES[name].detect;
      if (re?.test(text)) return PROFILES[name];
    }
  }
  return PROFILES.generic;
}

/** Every URC prefix the engine should know for this vendor (generic + vendor's own). */
export function urcPrefixesFor(vendor: VendorProfile): string[] {
  return [...GENERIC_URC_PREFIXES, ...vendor.urcPrefixes];
}

/** True when `line` starts with one of `prefixes` (case-insensitive). */
export function lineStartsWithAny(line: string, prefixes: readonly string[]): boolean {
  const u = line.trimStart().toUpperCase();
  return prefixes.some((p) => u.startsWith(p.toUpperCase()));
}
