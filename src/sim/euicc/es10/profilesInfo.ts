/** ES10c GetProfilesInfo (BF2D): installed profiles, with optional search criteria and tag list. */

import { decodeProfilesInfoRequest, encodeProfilesInfoResponse, PROFILE_INFO_TAGS, TAG_PROFILES_INFO, type ProfileInfo } from '../../../es10/profilesInfo.js';
import type { NotificationEvent } from '../../../es10/results.js';
import { LpaError } from '../../../errors.js';
import { fromHex } from '../../../util/hex.js';
import { OPERATION_EVENTS } from '../notifications.js';
import { findProfile } from '../profiles.js';
import { NOTIFICATION_OPERATIONS, type StoredProfile } from '../state.js';
import type { Es10Handler } from './context.js';

/** Splits a tagList value into tag numbers; undefined when a multi-byte tag is cut short. */
export function splitTagList(list: Uint8Array): number[] | undefined {
  const tags: number[] = [];
  for (let i = 0; i < list.length; ) {
    let tag = list[i++]!;
    if ((tag & 0x1f) === 0x1f) {
      for (let n = 0; ; n++) {
        const b = list[i++];
        if (b === undefined || n >= 2) return undefined;
        tag = tag * 256 + b;
        if ((b & 0x80) === 0) break;
      }
    }
    tags.push(tag);
  }
  return tags;
}

/** Notification addresses grouped the way SGP.22 lists them: one entry per address. */
function notificationConfiguration(p: StoredProfile): ProfileInfo['notificationConfigurationInfo'] {
  const byAddress = new Map<string, NotificationEvent[]>();
  for (const op of NOTIFICATION_OPERATIONS) {
    const addr = p.notificationConfigurationInfo[op];
    if (addr !== undefined) byAddress.set(addr, [...(byAddress.get(addr) ?? []), OPERATION_EVENTS[op]]);
  }
  return [...byAddress].map(([notificationAddress, profileManagementOperation]) => ({ profileManagementOperation, notificationAddress }));
}

/** ProfileInfo of `p`, limited to `tags` when given. */
export function profileInfo(p: StoredProfile, tags?: readonly number[]): ProfileInfo {
  const T = PROFILE_INFO_TAGS;
  const want = (tag: number): boolean => tags === undefined || tags.includes(tag);
  const out: ProfileInfo = {};
  if (want(T.iccid)) out.iccid = p.iccid;
  if (want(T.isdpAid)) out.isdpAid = fromHex(p.isdpAid);
  if (want(T.state)) out.state = p.state;
  if (want(T.nickname) && p.nickname !== undefined) out.nickname = p.nickname;
  if (want(T.serviceProviderName)) out.serviceProviderName = p.serviceProviderName;
  if (want(T.profileName)) out.profileName = p.profileName;
  if (want(T.iconType) && p.iconType !== undefined) out.iconType = p.iconType;
  if (want(T.icon) && p.icon !== undefined) out.icon = new Uint8Array(Buffer.from(p.icon, 'base64'));
  // profileClass is DEFAULT operational: DER leaves the default out
  if (want(T.profileClass) && p.profileClass !== 'operational') out.profileClass = p.profileClass;
  const nci = notificationConfiguration(p);
  if (want(T.notificationConfigurationInfo) && nci && nci.length > 0) out.notificationConfigurationInfo = nci;
  if (want(T.ppr) && p.profilePolicyRules && p.profilePolicyRules.length > 0) out.ppr = [...p.profilePolicyRules];
  return out;
}

export const profilesInfoHandler: Es10Handler = {
  name: 'GetProfilesInfo',
  tag: TAG_PROFILES_INFO,
  handle(request, ctx) {
    const req = decodeProfilesInfoRequest(request);
    if (ctx.quirks.noTagList && req.tagList !== undefined) {
      // like cards that do not implement tagList: the request is refused as wrong data (6A80)
      throw new LpaError('ASN1_DECODE', 'GetProfilesInfo: tagList is not supported by this card', { what: 'tagList' });
    }
    const tags = req.tagList === undefined ? undefined : splitTagList(req.tagList);
    if (req.tagList !== undefined && tags === undefined) return encodeProfilesInfoResponse({ ok: false, error: 'incorrectInputValues' });
    const state = ctx.store.state;
    let picked = state.profiles;
    const c = req.searchCriteria;
    if (c !== undefined) {
      if ('profileClass' in c) picked = picked.filter((p) => p.profileClass === c.profileClass);
      else {
        const one = findProfile(state, c);
        picked = one ? [one] : [];
      }
    }
    return encodeProfilesInfoResponse({ ok: true, profiles: picked.map((p) => profileInfo(p, tags)) });
  },
};
