/** ES10b GetEUICCInfo1: `BF20 00` -> EUICCInfo1 `BF20 { 82 svn, A9 {04 ski...}, AA {04 ski...} }`. */

import { decodeRoot, encVersion, listOf, need, readOctets, readVersion, tlv } from './der.js';
import { decEmpty, encEmpty } from './common.js';
import type { Tlv } from '../util/tlv.js';

export const TAG_EUICC_INFO1 = 0xbf20;

export interface EuiccInfo1 {
  /** SGP.22 version, e.g. "2.2.0". */
  svn: string;
  /** Subject key identifiers (20 bytes each) of the CIs the eUICC verifies with. */
  euiccCiPKIdListForVerification: Uint8Array[];
  /** Subject key identifiers of the CIs the eUICC signs with. */
  euiccCiPKIdListForSigning: Uint8Array[];
}

export function encodeEuiccInfo1Request(): Uint8Array {
  return encEmpty(TAG_EUICC_INFO1);
}

export function decodeEuiccInfo1Request(der: Uint8Array): Record<string, never> {
  return decEmpty(der, TAG_EUICC_INFO1, 'GetEuiccInfo1Request');
}

/** SEQUENCE OF SubjectKeyIdentifier under `tag`. */
export function encSkiList(tag: number, list: readonly Uint8Array[]): Uint8Array {
  return tlv(tag, ...list.map((k) => tlv(0x04, k)));
}

export function readSkiList(t: Tlv, what: string): Uint8Array[] {
  return listOf(t, 0x04, what).map((k) => readOctets(k, what, 1, 64));
}

export function encodeEuiccInfo1Response(info: EuiccInfo1): Uint8Array {
  return tlv(
    TAG_EUICC_INFO1,
    encVersion(0x82, info.svn),
    encSkiList(0xa9, info.euiccCiPKIdListForVerification),
    encSkiList(0xaa, info.euiccCiPKIdListForSigning),
  );
}

export function decodeEuiccInfo1Response(der: Uint8Array): EuiccInfo1 {
  const w = 'EUICCInfo1';
  const root = decodeRoot(der, TAG_EUICC_INFO1, w);
  return {
    svn: readVersion(need(root, 0x82, `${w}.svn`), `${w}.svn`),
    euiccCiPKIdListForVerification: readSkiList(need(root, 0xa9, `${w}.euiccCiPKIdListForVerification`), `${w}.euiccCiPKIdListForVerification`),
    euiccCiPKIdListForSigning: readSkiList(need(root, 0xaa, `${w}.euiccCiPKIdListForSigning`), `${w}.euiccCiPKIdListForSigning`),
  };
}
