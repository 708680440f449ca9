/** ES10b GetEUICCChallenge: `BF2E 00` -> `BF2E { 80 challenge(16) }`. */

import { decodeRoot, need, readOctets, sized, tlv } from './der.js';
import { decEmpty, encEmpty } from './common.js';

export const TAG_EUICC_CHALLENGE = 0xbf2e;

export interface EuiccChallengeResponse {
  euiccChallenge: Uint8Array;
}

export function encodeEuiccChallengeRequest(): Uint8Array {
  return encEmpty(TAG_EUICC_CHALLENGE);
}

export function decodeEuiccChallengeRequest(der: Uint8Array): Record<string, never> {
  return decEmpty(der, TAG_EUICC_CHALLENGE, 'GetEuiccChallengeRequest');
}

export function encodeEuiccChallengeResponse(resp: EuiccChallengeResponse): Uint8Array {
  return tlv(TAG_EUICC_CHALLENGE, tlv(0x80, sized(resp.euiccChallenge, 'euiccChallenge', 16)));
}

export function decodeEuiccChallengeResponse(der: Uint8Array): EuiccChallengeResponse {
  const w = 'GetEuiccChallengeResponse.euiccChallenge';
  return { euiccChallenge: readOctets(need(decodeRoot(der, TAG_EUICC_CHALLENGE, 'GetEuiccChallengeResponse'), 0x80, w), w, 16, 16) };
}
