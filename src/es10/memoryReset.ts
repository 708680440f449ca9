/** ES10c eUICCMemoryReset: `BF34 { 82 resetOptions(bits) }` -> `BF34 { 80 result }`. */

import { decodeRoot, encNamedBits, need, readNamedBits, tlv } from './der.js';
import { decResultResponse, encResultResponse, type ResultResponse } from './common.js';
import { MEMORY_RESET_BITS, MEMORY_RESET_RESULT, type MemoryResetOption } from './results.js';

export const TAG_MEMORY_RESET = 0xbf34;

export interface MemoryResetRequest {
  resetOptions: (MemoryResetOption | `bit${number}`)[];
}

export type MemoryResetResponse = ResultResponse<keyof typeof MEMORY_RESET_RESULT>;

export function encodeMemoryResetRequest(req: MemoryResetRequest): Uint8Array {
  return tlv(TAG_MEMORY_RESET, encNamedBits(0x82, req.resetOptions, MEMORY_RESET_BITS));
}

export function decodeMemoryResetRequest(der: Uint8Array): MemoryResetRequest {
  const w = 'EuiccMemoryResetRequest.resetOptions';
  return { resetOptions: readNamedBits(need(decodeRoot(der, TAG_MEMORY_RESET, 'EuiccMemoryResetRequest'), 0x82, w), MEMORY_RESET_BITS, w) };
}

export function encodeMemoryResetResponse(resp: MemoryResetResponse): Uint8Array {
  return encResultResponse(TAG_MEMORY_RESET, MEMORY_RESET_RESULT, resp, 'EuiccMemoryResetResponse');
}

export function decodeMemoryResetResponse(der: Uint8Array): MemoryResetResponse {
  return decResultResponse(der, TAG_MEMORY_RESET, MEMORY_RESET_RESULT, 'EuiccMemoryResetResponse');
}
