/** ES10c EnableProfile: `BF31 { A0 { 5A iccid | 4F aid }, 81 refreshFlag }` -> `BF31 { 80 result }`. */

import { decodeRoot, encBool, need, readBool, single, tlv } from './der.js';
import { decResultResponse, encProfileId, encResultResponse, readProfileId, type ProfileId, type ResultResponse } from './common.js';
import { ENABLE_RESULT } from './results.js';

export const TAG_ENABLE_PROFILE = 0xbf31;

export interface EnableProfileRequest {
  profile: ProfileId;
  /** Ask the eUICC for a REFRESH (SIM reset) so the module picks up the new profile. */
  refreshFlag: boolean;
}

export type EnableProfileResponse = ResultResponse<keyof typeof ENABLE_RESULT>;

/** Shared by Enable and Disable, which have the same request shape. */
export function encProfileSwitch(tag: number, req: EnableProfileRequest): Uint8Array {
  return tlv(tag, tlv(0xa0, encProfileId(req.profile)), encBool(0x81, req.refreshFlag));
}

export function decProfileSwitch(der: Uint8Array, tag: number, w: string): EnableProfileRequest {
  const root = decodeRoot(der, tag, w);
  return {
    profile: readProfileId(single(need(root, 0xa0, `${w}.profileIdentifier`), `${w}.profileIdentifier`), `${w}.profileIdentifier`),
    refreshFlag: readBool(need(root, 0x81, `${w}.refreshFlag`), `${w}.refreshFlag`),
  };
}

export function encodeEnableProfileRequest(req: EnableProfileRequest): Uint8Array {
  return encProfileSwitch(TAG_ENABLE_PROFILE, req);
}

export function decodeEnableProfileRequest(der: Uint8Array): EnableProfileRequest {
  return decProfileSwitch(der, TAG_ENABLE_PROFILE, 'EnableProfileRequest');
}

export function encodeEnableProfileResponse(resp: EnableProfileResponse): Uint8Array {
  return encResultResponse(TAG_ENABLE_PROFILE, ENABLE_RESULT, resp, 'EnableProfileResponse');
}

export function decodeEnableProfileResponse(der: Uint8Array): EnableProfileResponse {
  return decResultResponse(der, TAG_ENABLE_PROFILE, ENABLE_RESULT, 'EnableProfileResponse');
}
