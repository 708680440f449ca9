/** ES10b GetEUICCInfo2: `BF22 00` -> EUICCInfo2 (BF22). */

import { decodeRoot, encInt, encNamedBits, encUtf8, encVersion, expectTag, find, need, opt, readInt, readNamedBits, readOctets, readUtf8, readVersion, tlv } from './der.js';
import { decEmpty, encEmpty } from './common.js';
import { encSkiList, readSkiList } from './euiccInfo1.js';
import { enumCode, enumName, EUICC_CATEGORY, PPR_BITS, RSP_CAPABILITY_BITS, UICC_CAPABILITY_BITS } from './results.js';
import { asn1Error, parseTlvs, type Tlv } from '../util/tlv.js';

export const TAG_EUICC_INFO2 = 0xbf22;

export interface EuiccInfo2 {
  profileVersion: string;
  svn: string;
  euiccFirmwareVer: string;
  /** ETSI TS 102 226 TLVs; see parseExtCardResource. */
  extCardResource: Uint8Array;
  /** Names of the set bits (`bitN` for unnamed ones). */
  uiccCapability: string[];
  javacardVersion?: string;
  globalplatformVersion?: string;
  rspCapability: string[];
  euiccCiPKIdListForVerification: Uint8Array[];
  euiccCiPKIdListForSigning: Uint8Array[];
  euiccCategory?: keyof typeof EUICC_CATEGORY | 'unknown';
  euiccCategoryCode?: number;
  forbiddenProfilePolicyRules?: string[];
  /** Mandatory in the ASN.1 but missing on some real cards: optional here. */
  ppVersion?: string;
  /** Mandatory in the ASN.1 but missing on some real cards: optional here. */
  sasAcreditationNumber?: string;
  certificationDataObject?: { platformLabel: string; discoveryBaseURL: string };
}

export function encodeEuiccInfo2Request(): Uint8Array {
  return encEmpty(TAG_EUICC_INFO2);
}

export function decodeEuiccInfo2Request(der: Uint8Array): Record<string, never> {
  return decEmpty(der, TAG_EUICC_INFO2, 'GetEuiccInfo2Request');
}

export function encodeEuiccInfo2Response(i: EuiccInfo2): Uint8Array {
  return tlv(
    TAG_EUICC_INFO2,
    encVersion(0x81, i.profileVersion),
    encVersion(0x82, i.svn),
    encVersion(0x83, i.euiccFirmwareVer),
    tlv(0x84, i.extCardResource),
    encNamedBits(0x85, i.uiccCapability, UICC_CAPABILITY_BITS),
    opt(i.javacardVersion, (v) => encVersion(0x86, v)),
    opt(i.globalplatformVersion, (v) => encVersion(0x87, v)),
    encNamedBits(0x88, i.rspCapability, RSP_CAPABILITY_BITS),
    encSkiList(0xa9, i.euiccCiPKIdListForVerification),
    encSkiList(0xaa, i.euiccCiPKIdListForSigning),
    i.euiccCategory === undefined && i.euiccCategoryCode === undefined
      ? new Uint8Array(0)
      : encInt(0x8b, enumCode(EUICC_CATEGORY, i.euiccCategory, i.euiccCategoryCode, 'euiccCategory')),
    opt(i.forbiddenProfilePolicyRules, (p) => encNamedBits(0x99, p, PPR_BITS)),
    opt(i.ppVersion, (v) => encVersion(0x04, v)),
    opt(i.sasAcreditationNumber, (v) => encUtf8(0x0c, v)),
    opt(i.certificationDataObject, (c) => tlv(0xac, encUtf8(0x80, c.platformLabel), encUtf8(0x81, c.discoveryBaseURL))),
  );
}

/** Reads a walked BF22 element (also found inside euiccSigned1). */
export function readEuiccInfo2(t: Tlv): EuiccInfo2 {
  const w = 'EUICCInfo2';
  expectTag(t, TAG_EUICC_INFO2, w);
  const f = (tag: number, name: string): Tlv => need(t, tag, `${w}.${name}`);
  const out: EuiccInfo2 = {
    profileVersion: readVersion(f(0x81, 'profileVersion'), `${w}.profileVersion`),
    svn: readVersion(f(0x82, 'svn'), `${w}.svn`),
    euiccFirmwareVer: readVersion(f(0x83, 'euiccFirmwareVer'), `${w}.euiccFirmwareVer`),
    extCardResource: readOctets(f(0x84, 'extCardResource'), `${w}.extCardResource`, 0, 255),
    uiccCapability: readNamedBits(f(0x85, 'uiccCapability'), UICC_CAPABILITY_BITS, `${w}.uiccCapability`),
    rspCapability: readNamedBits(f(0x88, 'rspCapability'), RSP_CAPABILITY_BITS, `${w}.rspCapability`),
    euiccCiPKIdListForVerification: readSkiList(f(0xa9, 'euiccCiPKIdListForVerification'), `${w}.euiccCiPKIdListForVerification`),
    euiccCiPKIdListForSigning: readSkiList(f(0xaa, 'euiccCiPKIdListForSigning'), `${w}.euiccCiPKIdListForSigning`),
  };
  // mandatory in SGP.22, absent on cards in the field: shown when there
  const pp = find(t, 0x04);
  if (pp) out.ppVersion = readVersion(pp, `${w}.ppVersion`);
  const sas = find(t, 0x0c);
  if (sas) out.sasAcreditationNumber = readUtf8(sas, `${w}.sasAcreditationNumber`, 256);
  const jc = find(t, 0x86);
  if (jc) out.javacardVersion = readVersion(jc, `${w}.javacardVersion`);
  const gp = find(t, 0x87);
  if (gp) out.globalplatformVersion = readVersion(gp, `${w}.globalplatformVersion`);
  const cat = find(t, 0x8b);
  if (cat) {
    out.euiccCategoryCode = readInt(cat, `${w}.euiccCategory`);
    out.euiccCategory = enumName(EUICC_CATEGORY, out.euiccCategoryCode);
  }
  const fppr = find(t, 0x99);
  if (fppr) out.forbiddenProfilePolicyRules = readNamedBits(fppr, PPR_BITS, `${w}.forbiddenProfilePolicyRules`);
  const cdo = find(t, 0xac);
  if (cdo) {
    out.certificationDataObject = {
      platformLabel: readUtf8(need(cdo, 0x80, `${w}.platformLabel`), `${w}.platformLabel`),
      discoveryBaseURL: readUtf8(need(cdo, 0x81, `${w}.discoveryBaseURL`), `${w}.discoveryBaseURL`),
    };
  }
  return out;
}

export function decodeEuiccInfo2Response(der: Uint8Array): EuiccInfo2 {
  return readEuiccInfo2(decodeRoot(der, TAG_EUICC_INFO2, 'EUICCInfo2'));
}

export interface ExtCardResource {
  installedApplications?: number;
  /** Free non-volatile memory in bytes. */
  freeNonVolatileMemory?: number;
  freeVolatileMemory?: number;
}

/** Reads the ETSI TS 102 226 resource TLVs (81 apps, 82 free NVM, 83 free RAM) of extCardResource. */
export function parseExtCardResource(bytes: Uint8Array): ExtCardResource {
  const w = 'extCardResource';
  const out: ExtCardResource = {};
  for (const t of parseTlvs(bytes, w)) {
    const n = (): number => {
      if (t.value.length > 6) throw asn1Error(w, `value of tag ${t.tag.toString(16)} too long`, t.offset);
      return t.value.reduce((acc, b) => acc * 256 + b, 0);
    };
    if (t.tag === 0x81) out.installedApplications = n();
    else if (t.tag === 0x82) out.freeNonVolatileMemory = n();
    else if (t.tag === 0x83) out.freeVolatileMemory = n();
  }
  return out;
}
