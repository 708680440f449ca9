/** ES10c DeleteProfile: `BF33 { 5A iccid | 4F aid }` -> `BF33 { 80 result }`. */

import { decodeRoot, single, tlv } from './der.js';
import { decResultResponse, encProfileId, encResultResponse, readProfileId, type ProfileId, type ResultResponse } from './common.js';
import { DELETE_RESULT } from './results.js';

export const TAG_DELETE_PROFILE = 0xbf33;

export interface DeleteProfileRequest {
  profile: ProfileId;
}

export type DeleteProfileResponse = ResultResponse<keyof typeof DELETE_RESULT>;

export function encodeDeleteProfileRequest(req: DeleteProfileRequest): Uint8Array {
  return tlv(TAG_DELETE_PROFILE, encProfileId(req.profile));
}

export function decodeDeleteProfileRequest(der: Uint8Array): DeleteProfileRequest {
  const w = 'DeleteProfileRequest';
  return { profile: readProfileId(single(decodeRoot(der, TAG_DELETE_PROFILE, w), w), w) };
}

export function encodeDeleteProfileResponse(resp: DeleteProfileResponse): Uint8Array {
  return encResultResponse(TAG_DELETE_PROFILE, DELETE_RESULT, resp, 'DeleteProfileResponse');
}

export function decodeDeleteProfileResponse(der: Uint8Array): DeleteProfileResponse {
  return decResultResponse(der, TAG_DELETE_PROFILE, DELETE_RESULT, 'DeleteProfileResponse');
}
