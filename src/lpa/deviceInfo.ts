/**
 * ctxParams1.deviceInfo (SGP.22 4.2): the device's TAC (the first 8 digits of its IMEI) and the
 * DeviceCapabilities, built from what the module reports (its IMEI, its radio access technologies)
 * or its vendor profile, `--imei` overriding the IMEI. A fixed TAC is used only when nothing tells
 * us the real one.
 */

import type { RadioAccess } from '../apdu/channel.js';
import type { DeviceCapabilities, DeviceInfo } from '../es10/authenticateServer.js';
import { tacOf } from '../ids/imei.js';

/** TAC sent when neither the module nor the configuration gives an IMEI. */
export const FALLBACK_TAC = Uint8Array.of(0x35, 0x29, 0x06, 0x11);
/** 3GPP release claimed per technology when the vendor profile does not say. */
export const DEFAULT_RELEASE = 15;
/** Technologies claimed when the module does not say. */
export const DEFAULT_RADIO: readonly RadioAccess[] = ['gsm', 'utran', 'eutran'];

export interface DeviceFacts {
  imei?: string;
  radioAccess?: readonly RadioAccess[];
  release?: number;
}

/** DeviceCapabilities for these technologies at release `release`: NR counts with both cores. */
export function capabilitiesFor(radio: readonly RadioAccess[], release: number): DeviceCapabilities {
  const v = `${release}.0.0`;
  const caps: DeviceCapabilities = {};
  if (radio.includes('gsm')) caps.gsmSupportedRelease = v;
  if (radio.includes('utran')) caps.utranSupportedRelease = v;
  if (radio.includes('eutran')) caps.eutranEpcSupportedRelease = v;
  if (radio.includes('nr')) {
    caps.nrEpcSupportedRelease = v;
    caps.nr5gcSupportedRelease = v;
    if (radio.includes('eutran')) caps.eutran5gcSupportedRelease = v;
  }
  return caps;
}

/** The deviceInfo for these facts (defaults for whatever is unknown). */
export function buildDeviceInfo(facts: DeviceFacts = {}): DeviceInfo {
  const radio = facts.radioAccess && facts.radioAccess.length > 0 ? facts.radioAccess : DEFAULT_RADIO;
  const release = facts.release !== undefined && Number.isInteger(facts.release) && facts.release > 0 && facts.release < 256 ? facts.release : DEFAULT_RELEASE;
  return { tac: facts.imei ? tacOf(facts.imei) : FALLBACK_TAC.slice(), deviceCapabilities: capabilitiesFor(radio, release) };
}
