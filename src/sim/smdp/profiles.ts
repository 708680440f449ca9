/**
 * The SM-DP+'s profile catalogue: every TS.48 package in `data/upp/*.der` (SAIP DER). The matching
 * id of a profile is its file name without `.der`. The ICCID is read from the SAIP ProfileHeader
 * (src/saip/profileHeader.ts).
 * Each profile gets its ProfileMetadata (StoreMetadataRequest, BF25), which is both the
 * authenticateClient `profileMetadata` and the BPP's StoreMetadata.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LpaError } from '../../errors.js';
import type { OperatorId } from '../../es10/common.js';
import { NOTIFICATION_EVENT_BITS, PROFILE_CLASS, type NotificationEvent, type PprId } from '../../es10/results.js';
import { encodeStoreMetadata } from '../../es10/storeMetadata.js';
import { readSaipIccid } from '../../saip/profileHeader.js';
import { dataPath } from '../../util/data.js';

/** Largest profile package accepted from disk (real profiles with applets pass 1 MiB). */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;
/** Most packages read from a folder. */
const MAX_PROFILES = 500;

export type ProfileClassName = keyof typeof PROFILE_CLASS;

export interface CatalogueProfile {
  /** File name without `.der`: the default matching id. */
  id: string;
  path: string;
  iccid: string;
  /** The SAIP package (what the eUICC must end up with, byte for byte). */
  package: Uint8Array;
  profileClass: ProfileClassName;
  serviceProviderName: string;
  /** StoreMetadataRequest (BF25) DER. */
  metadata: Uint8Array;
}

export interface CatalogueOptions {
  /** SM-DP+ address put in notificationConfigurationInfo. */
  address: string;
  /** Folder with the packages; default `data/upp`. */
  dir?: string;
  /** Default "GSMA Test". */
  serviceProviderName?: string;
  /** Default operational (as the reference SM-DP+ sends). */
  profileClass?: ProfileClassName;
  /** Operations the eUICC reports to this SM-DP+; default all four. */
  notificationEvents?: readonly NotificationEvent[];
  /** Profile Policy Rules (and the owner they are authorised for) by profile id; default none. */
  policyRules?: Readonly<Record<string, ProfilePolicy>>;
  /** Icons by profile id (in the metadata; the eUICC shows them in GetProfilesInfo); default none. */
  icons?: Readonly<Record<string, ProfileIcon>>;
}

/** A profile icon as SGP.22 carries it: JPEG or PNG, 64 x 64 pixels, at most 1024 bytes. */
export interface ProfileIcon {
  iconType: 'jpg' | 'png';
  icon: Uint8Array;
}

/** Policy rules a catalogue profile carries in its metadata. */
export interface ProfilePolicy {
  ppr: readonly PprId[];
  /** The profile owner (OperatorID) the eUICC's RAT is matched against. */
  owner?: OperatorId;
}

/** StoreMetadataRequest (BF25) for a profile: one notificationConfigurationInfo entry per event. */
export function encodeProfileMetadata(p: {
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  profileClass: ProfileClassName;
  notificationAddress: string;
  notificationEvents: readonly NotificationEvent[];
  policy?: ProfilePolicy;
  icon?: ProfileIcon;
}): Uint8Array {
  return encodeStoreMetadata({
    iccid: p.iccid,
    serviceProviderName: p.serviceProviderName,
    profileName: p.profileName,
    profileClass: p.profileClass,
    ...(p.icon ? { iconType: p.icon.iconType === 'jpg' ? 0 : 1, icon: p.icon.icon } : {}),
    notificationConfigurationInfo: p.notificationEvents.map((ev) => ({ events: [ev], address: p.notificationAddress })),
    ...(p.policy?.owner ? { profileOwner: p.policy.owner } : {}),
    ...(p.policy && p.policy.ppr.length > 0 ? { profilePolicyRules: p.policy.ppr } : {}),
  });
}

/** Loads every `*.der` package of the folder, sorted by name. Throws on an unreadable package. */
export function loadCatalogue(opts: CatalogueOptions): CatalogueProfile[] {
  const dir = opts.dir ?? dataPath('upp');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.der')).sort();
  } catch (e) {
    throw new LpaError('CONFIG_INVALID', `SM-DP+ profile folder cannot be read: ${dir}`, { path: dir }, { cause: e });
  }
  if (names.length > MAX_PROFILES) names = names.slice(0, MAX_PROFILES);
  const out: CatalogueProfile[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const size = statSync(path).size;
    if (size > MAX_PROFILE_BYTES) {
      throw new LpaError('CONFIG_INVALID', `profile package ${name} is ${size} bytes (limit ${MAX_PROFILE_BYTES})`, { path });
    }
    const pkg = new Uint8Array(readFileSync(path));
    const id = basename(name, '.der');
    const iccid = readSaipIccid(pkg, `profile package ${name}`);
    const dup = seen.get(iccid);
    if (dup) throw new LpaError('CONFIG_INVALID', `profile packages ${dup} and ${name} share ICCID ${iccid}`, { path });
    seen.set(iccid, name);
    const serviceProviderName = opts.serviceProviderName ?? 'GSMA Test';
    const profileClass = opts.profileClass ?? 'operational';
    out.push({
      id,
      path,
      iccid,
      package: pkg,
      profileClass,
      serviceProviderName,
      metadata: encodeProfileMetadata({
        iccid,
        serviceProviderName,
        profileName: id,
        profileClass,
        notificationAddress: opts.address,
        notificationEvents: opts.notificationEvents ?? NOTIFICATION_EVENT_BITS,
        ...(opts.policyRules?.[id] ? { policy: opts.policyRules[id]! } : {}),
        ...(opts.icons?.[id] ? { icon: opts.icons[id]! } : {}),
      }),
    });
  }
  if (out.length === 0) throw new LpaError('CONFIG_INVALID', `no profile packages (*.der) in ${dir}`, { path: dir });
  return out;
}
