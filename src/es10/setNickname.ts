/** ES10c SetNickname: `BF29 { 5A iccid, 90 nickname }` -> `BF29 { 80 result }`. */

import { LpaError } from '../errors.js';
import { decodeRoot, encUtf8, need, readUtf8, tlv } from './der.js';
import { decResultResponse, encIccid, encResultResponse, readIccid, TAG_ICCID, type ResultResponse } from './common.js';
import { SET_NICKNAME_RESULT } from './results.js';

export const TAG_SET_NICKNAME = 0xbf29;
/** profileNickname is UTF8String (SIZE(0..64)): at most 64 characters (ASN.1 SIZE counts characters). */
export const MAX_NICKNAME_CHARS = 64;
/** The most UTF-8 bytes 64 characters take. */
export const MAX_NICKNAME_BYTES = MAX_NICKNAME_CHARS * 4;

/** Characters (Unicode code points) in a string, as ASN.1 SIZE counts them. */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export interface SetNicknameRequest {
  iccid: string;
  profileNickname: string;
}

export type SetNicknameResponse = ResultResponse<keyof typeof SET_NICKNAME_RESULT>;

export function encodeSetNicknameRequest(req: SetNicknameRequest): Uint8Array {
  const chars = charCount(req.profileNickname);
  if (chars > MAX_NICKNAME_CHARS) {
    throw new LpaError('ASN1_ENCODE', `nickname is ${chars} characters, at most ${MAX_NICKNAME_CHARS} allowed`);
  }
  return tlv(TAG_SET_NICKNAME, encIccid(req.iccid), encUtf8(0x90, req.profileNickname));
}

export function decodeSetNicknameRequest(der: Uint8Array): SetNicknameRequest {
  const w = 'SetNicknameRequest';
  const root = decodeRoot(der, TAG_SET_NICKNAME, w);
  return {
    iccid: readIccid(need(root, TAG_ICCID, `${w}.iccid`), `${w}.iccid`),
    profileNickname: readUtf8(need(root, 0x90, `${w}.profileNickname`), `${w}.profileNickname`, MAX_NICKNAME_BYTES),
  };
}

export function encodeSetNicknameResponse(resp: SetNicknameResponse): Uint8Array {
  return encResultResponse(TAG_SET_NICKNAME, SET_NICKNAME_RESULT, resp, 'SetNicknameResponse');
}

export function decodeSetNicknameResponse(der: Uint8Array): SetNicknameResponse {
  return decResultResponse(der, TAG_SET_NICKNAME, SET_NICKNAME_RESULT, 'SetNicknameResponse');
}
