/**
 * ES10b GetRAT: `BF43 00` ->
 * `BF43 { A0 { 30 { 80 pprIds, A1 { 30 OperatorID... }, 82 pprFlags }... } }`.
 */

import { decodeRoot, encNamedBits, listOf, need, readNamedBits, tlv } from './der.js';
import { decEmpty, encEmpty, encOperatorId, readOperatorId, type OperatorId } from './common.js';
import { PPR_BITS, PPR_FLAG_BITS, type PprId } from './results.js';

export const TAG_GET_RAT = 0xbf43;

export interface ProfilePolicyAuthorisationRule {
  pprIds: (PprId | `bit${number}`)[];
  allowedOperators: OperatorId[];
  pprFlags: string[];
}

export interface GetRatResponse {
  rat: ProfilePolicyAuthorisationRule[];
}

export function encodeGetRatRequest(): Uint8Array {
  return encEmpty(TAG_GET_RAT);
}

export function decodeGetRatRequest(der: Uint8Array): Record<string, never> {
  return decEmpty(der, TAG_GET_RAT, 'GetRatRequest');
}

export function encodeGetRatResponse(r: GetRatResponse): Uint8Array {
  return tlv(
    TAG_GET_RAT,
    tlv(
      0xa0,
      ...r.rat.map((rule) =>
        tlv(
          0x30,
          encNamedBits(0x80, rule.pprIds, PPR_BITS),
          tlv(0xa1, ...rule.allowedOperators.map((op) => encOperatorId(0x30, op))),
          encNamedBits(0x82, rule.pprFlags, PPR_FLAG_BITS),
        ),
      ),
    ),
  );
}

export function decodeGetRatResponse(der: Uint8Array): GetRatResponse {
  const w = 'GetRatResponse.rat';
  const rat = need(decodeRoot(der, TAG_GET_RAT, 'GetRatResponse'), 0xa0, w);
  return {
    rat: listOf(rat, 0x30, w).map((rule) => ({
      pprIds: readNamedBits(need(rule, 0x80, `${w}.pprIds`), PPR_BITS, `${w}.pprIds`),
      allowedOperators: listOf(need(rule, 0xa1, `${w}.allowedOperators`), 0x30, `${w}.allowedOperators`).map((o) =>
        readOperatorId(o, `${w}.allowedOperators`),
      ),
      pprFlags: readNamedBits(need(rule, 0x82, `${w}.pprFlags`), PPR_FLAG_BITS, `${w}.pprFlags`),
    })),
  };
}
