/** ES10a SetDefaultDpAddress: `BF3F { 80 address }` -> `BF3F { 80 result }`. */

import { decodeRoot, encUtf8, need, readUtf8, tlv } from './der.js';
import { decResultResponse, encResultResponse, type ResultResponse } from './common.js';
import { SET_DEFAULT_DP_ADDRESS_RESULT } from './results.js';

export const TAG_SET_DEFAULT_DP_ADDRESS = 0xbf3f;

export interface SetDefaultDpAddressRequest {
  /** FQDN; empty string clears the default SM-DP+ address. */
  defaultDpAddress: string;
}

export type SetDefaultDpAddressResponse = ResultResponse<keyof typeof SET_DEFAULT_DP_ADDRESS_RESULT>;

export function encodeSetDefaultDpAddressRequest(req: SetDefaultDpAddressRequest): Uint8Array {
  return tlv(TAG_SET_DEFAULT_DP_ADDRESS, encUtf8(0x80, req.defaultDpAddress));
}

export function decodeSetDefaultDpAddressRequest(der: Uint8Array): SetDefaultDpAddressRequest {
  const w = 'SetDefaultDpAddressRequest.defaultDpAddress';
  return { defaultDpAddress: readUtf8(need(decodeRoot(der, TAG_SET_DEFAULT_DP_ADDRESS, 'SetDefaultDpAddressRequest'), 0x80, w), w, 255) };
}

export function encodeSetDefaultDpAddressResponse(resp: SetDefaultDpAddressResponse): Uint8Array {
  return encResultResponse(TAG_SET_DEFAULT_DP_ADDRESS, SET_DEFAULT_DP_ADDRESS_RESULT, resp, 'SetDefaultDpAddressResponse');
}

export function decodeSetDefaultDpAddressResponse(der: Uint8Array): SetDefaultDpAddressResponse {
  return decResultResponse(der, TAG_SET_DEFAULT_DP_ADDRESS, SET_DEFAULT_DP_ADDRESS_RESULT, 'SetDefaultDpAddressResponse');
}
