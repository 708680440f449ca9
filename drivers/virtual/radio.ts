/**
 * The virtual module's radio access technologies, one source for every interface: the vendor's
 * AT+WS46 modes, read the way the AT driver reads them, then written as QMI DMS radio interfaces
 * or an MBIM DataClass.
 */
import type { RadioAccess } from '../../src/apdu/channel.js';
import { parseWs46 } from '../at/identity.js';
import type { VendorProfile } from './vendors.js';

export function vendorRadio(vendor: VendorProfile): RadioAccess[] {
  return parseWs46([`+WS46: (${vendor.ws46.join(',')})`]) ?? ['eutran'];
}

/** QMI DMS radio interfaces: GSM 4, UMTS 5, LTE 8, 5G NR 10. */
export function qmiRadioInterfaces(radio: readonly RadioAccess[]): number[] {
  const code: Record<RadioAccess, number> = { gsm: 4, utran: 5, eutran: 8, nr: 10 };
  return radio.map((r) => code[r]);
}

/** MBIM DataClass bits: GPRS|EDGE, UMTS|HSDPA|HSUPA, LTE, 5G NSA|SA. */
export function mbimDataClass(radio: readonly RadioAccess[]): number {
  const bits: Record<RadioAccess, number> = { gsm: 0x03, utran: 0x1c, eutran: 0x20, nr: 0xc0 };
  return radio.reduce((n, r) => n | bits[r], 0);
}
