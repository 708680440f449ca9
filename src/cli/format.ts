import type { ConfiguredAddresses } from '../es10/configuredAddresses.js';
import type { EuiccInfo1 } from '../es10/euiccInfo1.js';
import type { EuiccInfo2 } from '../es10/euiccInfo2.js';
import type { NotificationMetadata } from '../es10/notificationMetadata.js';
import type { ProfileInfo } from '../es10/profilesInfo.js';
import { toHex } from '../util/hex.js';
import { table } from './output.js';

/** JSON shape of a profile (stable: scripts read it). */
export interface ProfileView {
  iccid: string | null;
  isdpAid: string | null;
  state: string | null;
  nickname: string | null;
  serviceProviderName: string | null;
  profileName: string | null;
  profileClass: string;
}

export function profileView(p: ProfileInfo): ProfileView {
  return {
    iccid: p.iccid ?? null,
    isdpAid: p.isdpAid ? toHex(p.isdpAid) : null,
    state: p.state ?? null,
    nickname: p.nickname ?? null,
    serviceProviderName: p.serviceProviderName ?? null,
    profileName: p.profileName ?? null,
    profileClass: p.profileClass ?? 'operational',
  };
}

export function profilesTable(list: ProfileView[]): string {
  if (list.length === 0) return 'No profiles on the eUICC.';
  return table(
    ['ICCID', 'STATE', 'CLASS', 'PROVIDER', 'NAME', 'NICKNAME'],
    list.map((p) => [p.iccid ?? '-', p.state ?? '-', p.profileClass, p.serviceProviderName ?? '', p.profileName ?? '', p.nickname ?? '']),
  );
}

export interface NotificationView {
  seqNumber: number;
  operation: string;
  address: string;
  iccid: string | null;
}

export function notificationView(n: NotificationMetadata): NotificationView {
  return { seqNumber: n.seqNumber, operation: n.profileManagementOperation, address: n.notificationAddress, iccid: n.iccid ?? null };
}

export function notificationsTable(list: NotificationView[]): string {
  if (list.length === 0) return 'No pending notifications.';
  return table(
    ['SEQ', 'OPERATION', 'ICCID', 'ADDRESS'],
    list.map((n) => [String(n.seqNumber), n.operation, n.iccid ?? '-', n.address]),
  );
}

const hexList = (l: Uint8Array[]): string[] => l.map((x) => toHex(x));

export function euiccInfo1View(i: EuiccInfo1): Record<string, unknown> {
  return { svn: i.svn, euiccCiPKIdListForVerification: hexList(i.euiccCiPKIdListForVerification), euiccCiPKIdListForSigning: hexList(i.euiccCiPKIdListForSigning) };
}

export function euiccInfo2View(i: EuiccInfo2): Record<string, unknown> {
  return {
    ...i,
    extCardResource: toHex(i.extCardResource),
    euiccCiPKIdListForVerification: hexList(i.euiccCiPKIdListForVerification),
    euiccCiPKIdListForSigning: hexList(i.euiccCiPKIdListForSigning),
  };
}

export function addressesView(a: ConfiguredAddresses): { defaultDpAddress: string | null; rootDsAddress: string | null } {
  return { defaultDpAddress: a.defaultDpAddress || null, rootDsAddress: a.rootDsAddress || null };
}
