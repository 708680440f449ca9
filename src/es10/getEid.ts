/** ES10c GetEID: `BF3E { 5C tagList }` -> `BF3E { 5A eid(16) }`. */

import { LpaError } from '../errors.js';
import { fromHex, toHex } from '../util/hex.js';
import { decodeRoot, need, readOctets, sized, tlv } from './der.js';
import { asn1Error } from '../util/tlv.js';

export const TAG_GET_EID = 0xbf3e;

export interface GetEidRequest {
  /** Tags asked for; SGP.22 fixes it to `5A` (the EID). */
  tagList: Uint8Array;
}

export interface GetEidResponse {
  /** 32 decimal digits. */
  eid: string;
}

export function encodeGetEidRequest(req: GetEidRequest = { tagList: Uint8Array.of(0x5a) }): Uint8Array {
  return tlv(TAG_GET_EID, tlv(0x5c, req.tagList));
}

export function decodeGetEidRequest(der: Uint8Array): GetEidRequest {
  const root = decodeRoot(der, TAG_GET_EID, 'GetEuiccDataRequest');
  return { tagList: readOctets(need(root, 0x5c, 'GetEuiccDataRequest.tagList'), 'GetEuiccDataRequest.tagList', 1, 16) };
}

export function encodeGetEidResponse(resp: GetEidResponse): Uint8Array {
  if (!/^[0-9]{32}$/.test(resp.eid)) throw new LpaError('ASN1_ENCODE', 'EID must be 32 decimal digits');
  return tlv(TAG_GET_EID, tlv(0x5a, sized(fromHex(resp.eid), 'eid', 16)));
}

export function decodeGetEidResponse(der: Uint8Array): GetEidResponse {
  const what = 'GetEuiccDataResponse.eidValue';
  const t = need(decodeRoot(der, TAG_GET_EID, 'GetEuiccDataResponse'), 0x5a, what);
  const eid = toHex(readOctets(t, what, 16, 16));
  if (!/^[0-9]{32}$/.test(eid)) throw asn1Error(what, `EID ${eid} is not decimal digits`, t.offset);
  return { eid };
}
