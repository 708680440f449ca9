/**
 * StoreMetadataRequest (BF25): the profile metadata the SM-DP+ sends in authenticateClient
 * (`profileMetadata`, shown to the user before loading) and again inside the BPP's 88 TLVs.
 * `BF25 { 5A iccid, 91 spn, 92 name, [93 iconType], [94 icon], [95 class], [B6 { 30 { 80 events, 81 address } }], [B7 owner], [99 ppr] }`
 */

import { decodeRoot, encInt, encNamedBits, encUtf8, find, listOf, need, opt, readInt, readNamedBits, readUtf8, tlv } from './der.js';
import { encIccid, encOperatorId, readIccid, readOperatorId, TAG_ICCID, type OperatorId } from './common.js';
import { NOTIFICATION_EVENT_BITS, PPR_BITS, PROFILE_CLASS, type NotificationEvent, type PprId } from './results.js';
import { asn1Error } from '../util/tlv.js';

export const TAG_STORE_METADATA = 0xbf25;

export type MetadataProfileClass = keyof typeof PROFILE_CLASS;

export interface NotificationTarget {
  events: (NotificationEvent | `bit${number}`)[];
  address: string;
}

export interface StoreMetadata {
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  /** Absent in the DER means operational. */
  profileClass: MetadataProfileClass | 'unknown';
  profileClassCode: number;
  iconType?: number;
  icon?: Uint8Array;
  notificationConfigurationInfo: NotificationTarget[];
  /** The operator owning the profile (B7): what the eUICC's RAT rules are matched against. */
  profileOwner?: OperatorId;
  profilePolicyRules?: (PprId | `bit${number}`)[];
}

export interface StoreMetadataInput {
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  profileClass?: MetadataProfileClass;
  /** 0 JPEG, 1 PNG; only with `icon`. */
  iconType?: number;
  /** The icon (64 x 64 pixels), at most 1024 bytes. */
  icon?: Uint8Array;
  notificationConfigurationInfo?: { events: readonly NotificationEvent[]; address: string }[];
  profileOwner?: OperatorId;
  profilePolicyRules?: readonly PprId[];
}

const CLASS_NAMES = Object.keys(PROFILE_CLASS) as MetadataProfileClass[];

export function encodeStoreMetadata(m: StoreMetadataInput): Uint8Array {
  const nci = m.notificationConfigurationInfo;
  return tlv(
    TAG_STORE_METADATA,
    encIccid(m.iccid),
    encUtf8(0x91, m.serviceProviderName),
    encUtf8(0x92, m.profileName),
    opt(m.icon !== undefined ? m.iconType : undefined, (t) => encInt(0x93, t)),
    opt(m.iconType !== undefined ? m.icon : undefined, (i) => tlv(0x94, i)),
    opt(m.profileClass, (c) => encInt(0x95, PROFILE_CLASS[c])),
    opt(nci, (list) => tlv(0xb6, ...list.map((n) => tlv(0x30, encNamedBits(0x80, n.events, NOTIFICATION_EVENT_BITS), encUtf8(0x81, n.address))))),
    opt(m.profileOwner, (o) => encOperatorId(0xb7, o)),
    opt(m.profilePolicyRules, (r) => encNamedBits(0x99, r, PPR_BITS)),
  );
}

/** Decodes BF25 from untrusted bytes (bounded walker; ASN1_DECODE on anything malformed). */
export function decodeStoreMetadata(der: Uint8Array): StoreMetadata {
  const w = 'StoreMetadataRequest';
  const root = decodeRoot(der, TAG_STORE_METADATA, w);
  const cls = find(root, 0x95);
  const classCode = cls ? readInt(cls, `${w}.profileClass`) : PROFILE_CLASS.operational;
  const out: StoreMetadata = {
    iccid: readIccid(need(root, TAG_ICCID, `${w}.iccid`), `${w}.iccid`),
    serviceProviderName: readUtf8(need(root, 0x91, `${w}.serviceProviderName`), `${w}.serviceProviderName`, 128),
    profileName: readUtf8(need(root, 0x92, `${w}.profileName`), `${w}.profileName`, 256),
    profileClass: CLASS_NAMES[classCode] ?? 'unknown',
    profileClassCode: classCode,
    notificationConfigurationInfo: [],
  };
  const iconType = find(root, 0x93);
  if (iconType) out.iconType = readInt(iconType, `${w}.iconType`);
  const icon = find(root, 0x94);
  if (icon) {
    if (icon.value.length > 1024) throw asn1Error(`${w}.icon`, `${icon.value.length} bytes exceeds 1024`);
    out.icon = icon.value.slice();
  }
  const nci = find(root, 0xb6);
  if (nci) {
    const ew = `${w}.notificationConfigurationInfo`;
    for (const entry of listOf(nci, 0x30, ew)) {
      out.notificationConfigurationInfo.push({
        events: readNamedBits(need(entry, 0x80, `${ew}.profileManagementOperation`), NOTIFICATION_EVENT_BITS, `${ew}.profileManagementOperation`),
        address: readUtf8(need(entry, 0x81, `${ew}.notificationAddress`), `${ew}.notificationAddress`, 255),
      });
    }
  }
  const owner = find(root, 0xb7);
  if (owner) out.profileOwner = readOperatorId(owner, `${w}.profileOwner`);
  const ppr = find(root, 0x99);
  if (ppr) out.profilePolicyRules = readNamedBits(ppr, PPR_BITS, `${w}.profilePolicyRules`);
  return out;
}

/**
 * The profile metadata for display, never throwing: the strict decode, else each field that reads
 * (an SM-DP+ or card may send a malformed one; that must not stop a download).
 */
export function readStoreMetadataTolerant(der: Uint8Array): { metadata: Partial<StoreMetadata>; problem?: string } {
  try {
    return { metadata: decodeStoreMetadata(der) };
  } catch (e) {
    const problem = (e as Error).message;
    const out: Partial<StoreMetadata> = {};
    const w = 'StoreMetadataRequest';
    let root;
    try {
      root = decodeRoot(der, TAG_STORE_METADATA, w);
    } catch {
      return { metadata: out, problem };
    }
    const attempt = (f: () => void): void => {
      try {
        f();
      } catch {
        // left out
      }
    };
    attempt(() => (out.iccid = readIccid(need(root, TAG_ICCID, `${w}.iccid`), `${w}.iccid`)));
    attempt(() => (out.serviceProviderName = readUtf8(need(root, 0x91, `${w}.serviceProviderName`), w, 1024)));
    attempt(() => (out.profileName = readUtf8(need(root, 0x92, `${w}.profileName`), w, 1024)));
    attempt(() => {
      const cls = find(root, 0x95);
      out.profileClassCode = cls ? readInt(cls, w) : PROFILE_CLASS.operational;
      out.profileClass = CLASS_NAMES[out.profileClassCode] ?? 'unknown';
    });
    attempt(() => {
      const ppr = find(root, 0x99);
      if (ppr) out.profilePolicyRules = readNamedBits(ppr, PPR_BITS, w);
    });
    attempt(() => {
      const owner = find(root, 0xb7);
      if (owner) out.profileOwner = readOperatorId(owner, w);
    });
    return { metadata: out, problem };
  }
}
