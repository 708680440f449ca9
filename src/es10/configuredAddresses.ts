/** ES10a GetEuiccConfiguredAddresses: `BF3C 00` -> `BF3C { [80 defaultDpAddress], 81 rootDsAddress }`. */

import { decodeRoot, encUtf8, find, need, opt, readUtf8, tlv } from './der.js';
import { decEmpty, encEmpty } from './common.js';

export const TAG_CONFIGURED_ADDRESSES = 0xbf3c;

export interface ConfiguredAddresses {
  defaultDpAddress?: string;
  rootDsAddress: string;
}

export function encodeConfiguredAddressesRequest(): Uint8Array {
  return encEmpty(TAG_CONFIGURED_ADDRESSES);
}

export function decodeConfiguredAddressesRequest(der: Uint8Array): Record<string, never> {
  return decEmpty(der, TAG_CONFIGURED_ADDRESSES, 'EuiccConfiguredAddressesRequest');
}

export function encodeConfiguredAddressesResponse(a: ConfiguredAddresses): Uint8Array {
  return tlv(TAG_CONFIGURED_ADDRESSES, opt(a.defaultDpAddress, (s) => encUtf8(0x80, s)), encUtf8(0x81, a.rootDsAddress));
}

export function decodeConfiguredAddressesResponse(der: Uint8Array): ConfiguredAddresses {
  const w = 'EuiccConfiguredAddressesResponse';
  const root = decodeRoot(der, TAG_CONFIGURED_ADDRESSES, w);
  const out: ConfiguredAddresses = { rootDsAddress: readUtf8(need(root, 0x81, `${w}.rootDsAddress`), `${w}.rootDsAddress`, 255) };
  const dp = find(root, 0x80);
  if (dp) out.defaultDpAddress = readUtf8(dp, `${w}.defaultDpAddress`, 255);
  return out;
}
