/** ES10c DisableProfile: `BF32 { A0 { 5A iccid | 4F aid }, 81 refreshFlag }` -> `BF32 { 80 result }`. */

import { decResultResponse, encResultResponse, type ProfileId, type ResultResponse } from './common.js';
import { decProfileSwitch, encProfileSwitch } from './enableProfile.js';
import { DISABLE_RESULT } from './results.js';

export const TAG_DISABLE_PROFILE = 0xbf32;

export interface DisableProfileRequest {
  profile: ProfileId;
  refreshFlag: boolean;
}

export type DisableProfileResponse = ResultResponse<keyof typeof DISABLE_RESULT>;

export function encodeDisableProfileRequest(req: DisableProfileRequest): Uint8Array {
  return encProfileSwitch(TAG_DISABLE_PROFILE, req);
}

export function decodeDisableProfileRequest(der: Uint8Array): DisableProfileRequest {
  return decProfileSwitch(der, TAG_DISABLE_PROFILE, 'DisableProfileRequest');
}

export function encodeDisableProfileResponse(resp: DisableProfileResponse): Uint8Array {
  return encResultResponse(TAG_DISABLE_PROFILE, DISABLE_RESULT, resp, 'DisableProfileResponse');
}

export function decodeDisableProfileResponse(der: Uint8Array): DisableProfileResponse {
  return decResultResponse(der, TAG_DISABLE_PROFILE, DISABLE_RESULT, 'DisableProfileResponse');
}
