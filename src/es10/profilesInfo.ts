/**
 * ES10c GetProfilesInfo:
 * `BF2D { [A0 { 4F aid | 5A iccid | 95 class }], [5C tagList] }` -> `BF2D { A0 { E3 ProfileInfo... } | 81 error }`.
 */

import { decodeRoot, encInt, encNamedBits, encUtf8, expectTag, find, listOf, need, opt, readInt, readNamedBits, readOctets, readUtf8, rawPart, single, sized, tlv } from './der.js';
import { encErrorAnswer, encIccid, encOperatorId, readErrorAnswer, readIccid, readOperatorId, TAG_ICCID, TAG_ISDP_AID, type ErrorAnswer, type OperatorId } from './common.js';
import {
  enumCode, enumName, ICON_TYPE, NOTIFICATION_EVENT_BITS, PPR_BITS, PROFILE_CLASS, PROFILE_INFO_LIST_ERROR, PROFILE_STATE,
  type NotificationEvent, type PprId,
} from './results.js';
import { asn1Error, type Tlv } from '../util/tlv.js';
import { toHex } from '../util/hex.js';

export const TAG_PROFILES_INFO = 0xbf2d;
export const TAG_PROFILE_INFO = 0xe3;

/** Tags of the ProfileInfo fields, for tagList. */
export const PROFILE_INFO_TAGS = {
  iccid: 0x5a, isdpAid: 0x4f, state: 0x9f70, nickname: 0x90, serviceProviderName: 0x91, profileName: 0x92,
  iconType: 0x93, icon: 0x94, profileClass: 0x95, notificationConfigurationInfo: 0xb6, profileOwner: 0xb7,
  dpProprietaryData: 0xb8, ppr: 0x99,
} as const;

export type ProfileState = keyof typeof PROFILE_STATE;
export type ProfileClass = keyof typeof PROFILE_CLASS;

export interface NotificationConfiguration {
  profileManagementOperation: (NotificationEvent | `bit${number}`)[];
  notificationAddress: string;
}

export interface ProfileInfo {
  iccid?: string;
  isdpAid?: Uint8Array;
  state?: ProfileState | 'unknown';
  stateCode?: number;
  nickname?: string;
  serviceProviderName?: string;
  profileName?: string;
  iconType?: keyof typeof ICON_TYPE | 'unknown';
  iconTypeCode?: number;
  icon?: Uint8Array;
  /** Absent means operational (ASN.1 DEFAULT), unless tagList left it out. */
  profileClass?: ProfileClass | 'unknown';
  profileClassCode?: number;
  notificationConfigurationInfo?: NotificationConfiguration[];
  profileOwner?: OperatorId;
  /** B8 element, raw. */
  dpProprietaryData?: Uint8Array;
  ppr?: (PprId | `bit${number}`)[];
  /** The ICCID as sent, in hex, when it is not BCD digits (tolerant decoding). */
  iccidHex?: string;
  /** Fields that did not decode (tolerant decoding lists the profile with what did). */
  problems?: string[];
}

export interface ProfilesInfoRequest {
  searchCriteria?: { isdpAid: Uint8Array } | { iccid: string } | { profileClass: ProfileClass | number };
  /** Concatenated tags of the fields wanted (e.g. 5A 9F70 90); all fields when absent. */
  tagList?: Uint8Array;
}

export type ProfilesInfoResponse = { ok: true; profiles: ProfileInfo[] } | ErrorAnswer<keyof typeof PROFILE_INFO_LIST_ERROR>;

export function encodeProfilesInfoRequest(req: ProfilesInfoRequest = {}): Uint8Array {
  const c = req.searchCriteria;
  let crit: Uint8Array = new Uint8Array(0);
  if (c !== undefined) {
    let inner: Uint8Array;
    if ('iccid' in c) inner = encIccid(c.iccid);
    else if ('isdpAid' in c) inner = tlv(TAG_ISDP_AID, sized(c.isdpAid, 'isdpAid', 1, 16));
    else inner = encInt(0x95, typeof c.profileClass === 'number' ? c.profileClass : enumCode(PROFILE_CLASS, c.profileClass, undefined, 'profileClass'));
    crit = tlv(0xa0, inner);
  }
  return tlv(TAG_PROFILES_INFO, crit, opt(req.tagList, (t) => tlv(0x5c, t)));
}

export function decodeProfilesInfoRequest(der: Uint8Array): ProfilesInfoRequest {
  const w = 'ProfileInfoListRequest';
  const root = decodeRoot(der, TAG_PROFILES_INFO, w);
  const out: ProfilesInfoRequest = {};
  const sc = find(root, 0xa0);
  if (sc) {
    const alt = single(sc, `${w}.searchCriteria`);
    if (alt.tag === TAG_ICCID) out.searchCriteria = { iccid: readIccid(alt, `${w}.searchCriteria.iccid`) };
    else if (alt.tag === TAG_ISDP_AID) out.searchCriteria = { isdpAid: readOctets(alt, `${w}.searchCriteria.isdpAid`, 1, 16) };
    else if (alt.tag === 0x95) {
      const code = readInt(alt, `${w}.searchCriteria.profileClass`);
      const name = enumName(PROFILE_CLASS, code);
      out.searchCriteria = { profileClass: name === 'unknown' ? code : name };
    } else throw asn1Error(`${w}.searchCriteria`, `unexpected tag ${alt.tag.toString(16).toUpperCase()}`, alt.offset);
  }
  const tl = find(root, 0x5c);
  if (tl) out.tagList = readOctets(tl, `${w}.tagList`, 0, 64);
  return out;
}

export function encodeProfileInfo(p: ProfileInfo): Uint8Array {
  const T = PROFILE_INFO_TAGS;
  const enumField = (tag: number, table: Record<string, number>, name: string | undefined, code: number | undefined, what: string): Uint8Array =>
    name === undefined && code === undefined ? new Uint8Array(0) : encInt(tag, enumCode(table, name, code, what));
  return tlv(
    TAG_PROFILE_INFO,
    opt(p.iccid, (i) => encIccid(i)),
    opt(p.isdpAid, (a) => tlv(T.isdpAid, sized(a, 'isdpAid', 1, 16))),
    enumField(T.state, PROFILE_STATE, p.state, p.stateCode, 'state'),
    opt(p.nickname, (s) => encUtf8(T.nickname, s)),
    opt(p.serviceProviderName, (s) => encUtf8(T.serviceProviderName, s)),
    opt(p.profileName, (s) => encUtf8(T.profileName, s)),
    enumField(T.iconType, ICON_TYPE, p.iconType, p.iconTypeCode, 'iconType'),
    opt(p.icon, (i) => tlv(T.icon, sized(i, 'icon', 0, 1024))),
    enumField(T.profileClass, PROFILE_CLASS, p.profileClass, p.profileClassCode, 'profileClass'),
    opt(p.notificationConfigurationInfo, (list) =>
      tlv(
        T.notificationConfigurationInfo,
        ...list.map((n) => tlv(0x30, encNamedBits(0x80, n.profileManagementOperation, NOTIFICATION_EVENT_BITS), encUtf8(0x81, n.notificationAddress))),
      ),
    ),
    opt(p.profileOwner, (o) => encOperatorId(T.profileOwner, o)),
    opt(p.dpProprietaryData, (d) => rawPart(d, T.dpProprietaryData, 'dpProprietaryData')),
    opt(p.ppr, (bits) => encNamedBits(T.ppr, bits, PPR_BITS)),
  );
}

/**
 * Bytes allowed for UTF8String (SIZE(0..n)) fields: SIZE counts characters, and a character is up to
 * 4 bytes of UTF-8 (a 32-character Chinese provider name is 96 bytes, 64 emoji 256).
 */
const utf8Bytes = (chars: number): number => chars * 4;

/**
 * Reads a walked E3 element, tolerantly: a field that does not decode (an ICCID with a non-BCD
 * digit, bad UTF-8, a malformed PPR) is left out and named in `problems`; the rest is read.
 */
export function readProfileInfo(t: Tlv): ProfileInfo {
  const w = 'ProfileInfo';
  const T = PROFILE_INFO_TAGS;
  expectTag(t, TAG_PROFILE_INFO, w);
  if (!t.constructed) throw asn1Error(w, 'must be constructed', t.offset);
  const p: ProfileInfo = {};
  const problems: string[] = [];
  const field = (tag: number, read: (x: Tlv) => void): void => {
    const x = find(t, tag);
    if (!x) return;
    try {
      read(x);
    } catch (e) {
      problems.push((e as Error).message.replace(/^cannot decode /, ''));
    }
  };
  field(T.iccid, (x) => {
    try {
      p.iccid = readIccid(x, `${w}.iccid`);
    } catch (e) {
      p.iccidHex = toHex(x.value.subarray(0, 16));
      throw e;
    }
  });
  field(T.isdpAid, (x) => (p.isdpAid = readOctets(x, `${w}.isdpAid`, 1, 16)));
  field(T.state, (x) => {
    p.stateCode = readInt(x, `${w}.state`);
    p.state = enumName(PROFILE_STATE, p.stateCode);
  });
  field(T.nickname, (x) => (p.nickname = readUtf8(x, `${w}.nickname`, utf8Bytes(64))));
  field(T.serviceProviderName, (x) => (p.serviceProviderName = readUtf8(x, `${w}.serviceProviderName`, utf8Bytes(32))));
  field(T.profileName, (x) => (p.profileName = readUtf8(x, `${w}.profileName`, utf8Bytes(64))));
  field(T.iconType, (x) => {
    p.iconTypeCode = readInt(x, `${w}.iconType`);
    p.iconType = enumName(ICON_TYPE, p.iconTypeCode);
  });
  field(T.icon, (x) => (p.icon = readOctets(x, `${w}.icon`, 0, 1024)));
  field(T.profileClass, (x) => {
    p.profileClassCode = readInt(x, `${w}.profileClass`);
    p.profileClass = enumName(PROFILE_CLASS, p.profileClassCode);
  });
  field(T.notificationConfigurationInfo, (x) => {
    const nw = `${w}.notificationConfigurationInfo`;
    p.notificationConfigurationInfo = listOf(x, 0x30, nw).map((n) => ({
      profileManagementOperation: readNamedBits(need(n, 0x80, `${nw}.profileManagementOperation`), NOTIFICATION_EVENT_BITS, nw),
      notificationAddress: readUtf8(need(n, 0x81, `${nw}.notificationAddress`), nw, 255),
    }));
  });
  field(T.profileOwner, (x) => (p.profileOwner = readOperatorId(x, `${w}.profileOwner`)));
  field(T.dpProprietaryData, (x) => (p.dpProprietaryData = x.raw.slice()));
  field(T.ppr, (x) => (p.ppr = readNamedBits(x, PPR_BITS, `${w}.ppr`)));
  if (problems.length > 0) p.problems = problems;
  return p;
}

export function encodeProfilesInfoResponse(resp: ProfilesInfoResponse): Uint8Array {
  if (!resp.ok) return tlv(TAG_PROFILES_INFO, encErrorAnswer(0x81, PROFILE_INFO_LIST_ERROR, resp, 'ProfileInfoListResponse'));
  return tlv(TAG_PROFILES_INFO, tlv(0xa0, ...resp.profiles.map(encodeProfileInfo)));
}

export function decodeProfilesInfoResponse(der: Uint8Array): ProfilesInfoResponse {
  const w = 'ProfileInfoListResponse';
  const choice = single(decodeRoot(der, TAG_PROFILES_INFO, w), w);
  if (choice.tag === 0x81) return readErrorAnswer(choice, PROFILE_INFO_LIST_ERROR, `${w}.profileInfoListError`);
  if (choice.tag !== 0xa0) throw asn1Error(w, `unexpected alternative tag ${choice.tag.toString(16).toUpperCase()}`, choice.offset);
  if (!choice.constructed) throw asn1Error(w, 'profileInfoListOk must be constructed', choice.offset);
  // one bad entry must not hide the others
  const profiles = choice.children.map((t): ProfileInfo => {
    try {
      return readProfileInfo(t);
    } catch (e) {
      return { problems: [(e as Error).message.replace(/^cannot decode /, '')] };
    }
  });
  return { ok: true, profiles };
}
