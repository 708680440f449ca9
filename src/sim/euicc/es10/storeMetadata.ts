/**
 * What the eUICC reads out of a bound profile package's plaintext: the ConfigureISDPRequest (BF24,
 * from A0), and its own view of the StoreMetadataRequest (BF25, from the 88 TLVs; decoded by
 * src/es10/storeMetadata.ts). The ICCID in the SAIP ProfileHeader is src/saip/profileHeader.ts.
 * Untrusted bytes: bounded walkers, LpaError ASN1_DECODE on anything malformed.
 */

import { LpaError } from '../../../errors.js';
import { decodeRoot, find, need, readOid } from '../../../es10/der.js';
import type { StoreMetadata } from '../../../es10/storeMetadata.js';
import { operationOfEvent } from '../notifications.js';
import { PPR_IDS, type NotificationOperation, type PprId, type ProfileClass } from '../state.js';

export const TAG_CONFIGURE_ISDP_REQUEST = 0xbf24;

/** What the virtual eUICC keeps of a StoreMetadataRequest (decoded by src/es10/storeMetadata.ts). */
export interface EuiccMetadata {
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  /** Absent in the request means operational. */
  profileClass: ProfileClass;
  /** Raw class value when it is not one this eUICC knows (unsupportedProfileClass). */
  unknownProfileClass?: number;
  /** The notification address per operation. */
  notificationConfigurationInfo: Partial<Record<NotificationOperation, string>>;
  profilePolicyRules?: PprId[];
  iconType?: 'jpg' | 'png';
  icon?: Uint8Array;
}

/** The eUICC's view of decoded metadata: one address per operation, only the PPRs it knows. */
export function euiccMetadata(m: StoreMetadata): EuiccMetadata {
  const out: EuiccMetadata = {
    iccid: m.iccid,
    serviceProviderName: m.serviceProviderName,
    profileName: m.profileName,
    profileClass: m.profileClass === 'unknown' ? 'operational' : m.profileClass,
    notificationConfigurationInfo: {},
  };
  if (m.profileClass === 'unknown') out.unknownProfileClass = m.profileClassCode;
  if (m.icon !== undefined && (m.iconType === 0 || m.iconType === 1)) {
    out.iconType = m.iconType === 0 ? 'jpg' : 'png';
    out.icon = m.icon;
  }
  for (const target of m.notificationConfigurationInfo) {
    for (const ev of target.events) {
      const op = operationOfEvent(ev);
      if (op) out.notificationConfigurationInfo[op] = target.address;
    }
  }
  const rules = (m.profilePolicyRules ?? []).filter((r): r is PprId => (PPR_IDS as readonly string[]).includes(r));
  if (rules.length > 0) out.profilePolicyRules = rules;
  return out;
}

/** Checks ConfigureISDPRequest (BF24 { [B8 { 06 dpOid, ... }] }); returns the dpOid when present. */
export function decodeConfigureIsdp(der: Uint8Array): { dpOid?: string } {
  const w = 'ConfigureISDPRequest';
  const root = decodeRoot(der, TAG_CONFIGURE_ISDP_REQUEST, w);
  if (!root.constructed) throw new LpaError('ASN1_DECODE', `${w} must be constructed`, { what: w });
  const dp = find(root, 0xb8);
  if (!dp) return {};
  if (dp.raw.length > 128) throw new LpaError('ASN1_DECODE', `${w}.dpProprietaryData exceeds 128 bytes`, { what: w });
  return { dpOid: readOid(need(dp, 0x06, `${w}.dpProprietaryData.dpOid`), `${w}.dpProprietaryData.dpOid`) };
}
