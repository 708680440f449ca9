/**
 * What the eUICC reads out of a bound profile package's plaintext: the StoreMetadataRequest (BF25,
 * from the 88 TLVs) and the ConfigureISDPRequest (BF24, from A0); the ICCID in the SAIP
 * ProfileHeader is src/saip/profileHeader.ts. Untrusted bytes: bounded walkers, LpaError
 * ASN1_DECODE on anything malformed.
 */

import { LpaError } from '../../../errors.js';
import { readIccid, TAG_ICCID } from '../../../es10/common.js';
import { decodeRoot, find, listOf, need, readInt, readNamedBits, readOid, readUtf8 } from '../../../es10/der.js';
import { NOTIFICATION_EVENT_BITS, PPR_BITS } from '../../../es10/results.js';
import { operationOfEvent } from '../notifications.js';
import type { NotificationOperation, PprId, ProfileClass } from '../state.js';

export const TAG_STORE_METADATA = 0xbf25;
export const TAG_CONFIGURE_ISDP_REQUEST = 0xbf24;

export interface StoreMetadata {
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  /** Absent in the request means operational. */
  profileClass: ProfileClass;
  /** Raw class value when it is not one this eUICC knows (unsupportedProfileClass). */
  unknownProfileClass?: number;
  notificationConfigurationInfo: Partial<Record<NotificationOperation, string>>;
  profilePolicyRules?: PprId[];
}

const CLASSES: readonly ProfileClass[] = ['test', 'provisioning', 'operational'];

/** Decodes StoreMetadataRequest (BF25). Icon, profile owner and unknown fields are checked for shape only. */
export function decodeStoreMetadata(der: Uint8Array): StoreMetadata {
  const w = 'StoreMetadataRequest';
  const root = decodeRoot(der, TAG_STORE_METADATA, w);
  const out: StoreMetadata = {
    iccid: readIccid(need(root, TAG_ICCID, `${w}.iccid`), `${w}.iccid`),
    serviceProviderName: readUtf8(need(root, 0x91, `${w}.serviceProviderName`), `${w}.serviceProviderName`, 128),
    profileName: readUtf8(need(root, 0x92, `${w}.profileName`), `${w}.profileName`, 256),
    profileClass: 'operational',
    notificationConfigurationInfo: {},
  };
  const cls = find(root, 0x95);
  if (cls) {
    const n = readInt(cls, `${w}.profileClass`);
    const name = CLASSES[n];
    if (name) out.profileClass = name;
    else out.unknownProfileClass = n;
  }
  const icon = find(root, 0x94);
  if (icon && icon.value.length > 1024) throw new LpaError('ASN1_DECODE', `${w}.icon: ${icon.value.length} bytes exceeds 1024`, { what: `${w}.icon` });
  const nci = find(root, 0xb6);
  if (nci) {
    for (const entry of listOf(nci, 0x30, `${w}.notificationConfigurationInfo`)) {
      const ew = `${w}.notificationConfigurationInfo`;
      const events = readNamedBits(need(entry, 0x80, `${ew}.profileManagementOperation`), NOTIFICATION_EVENT_BITS, `${ew}.profileManagementOperation`);
      const address = readUtf8(need(entry, 0x81, `${ew}.notificationAddress`), `${ew}.notificationAddress`, 255);
      for (const ev of events) {
        const op = operationOfEvent(ev);
        if (op) out.notificationConfigurationInfo[op] = address;
      }
    }
  }
  const ppr = find(root, 0x99);
  if (ppr) {
    const rules = readNamedBits(ppr, PPR_BITS, `${w}.profilePolicyRules`).filter((r): r is PprId => (PPR_BITS as readonly string[]).includes(r));
    if (rules.length > 0) out.profilePolicyRules = rules;
  }
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
