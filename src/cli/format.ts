import type { ConfiguredAddresses } from '../es10/configuredAddresses.js';
import type { EuiccInfo1 } from '../es10/euiccInfo1.js';
import { parseExtCardResource, type EuiccInfo2, type ExtCardResource } from '../es10/euiccInfo2.js';
import type { ProfilePolicyAuthorisationRule } from '../es10/getRat.js';
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
  /** Profile Policy Rules (ppr1: cannot be disabled, ppr2: cannot be deleted). */
  ppr: string[];
  /** `jpg` or `png` (or `unknown`), null when the profile has no icon. */
  iconType: string | null;
  /** The icon (64 x 64 pixels) as base64, null when absent. */
  icon: string | null;
  /** The ICCID in hex when it is not BCD digits. */
  iccidHex?: string;
  /** Fields the eUICC sent that did not decode. */
  problems?: string[];
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
    ppr: [...(p.ppr ?? [])],
    iconType: p.iconType ?? null,
    icon: p.icon ? Buffer.from(p.icon).toString('base64') : null,
    ...(p.iccidHex ? { iccidHex: p.iccidHex } : {}),
    ...(p.problems ? { problems: p.problems } : {}),
  };
}

export function profilesTable(list: ProfileView[]): string {
  if (list.length === 0) return 'No profiles on the eUICC.';
  const withPpr = list.some((p) => p.ppr.length > 0);
  const headers = ['ICCID', 'STATE', 'CLASS', 'PROVIDER', 'NAME', ...(withPpr ? ['POLICY'] : []), 'NICKNAME'];
  const rows = list.map((p) => [
    p.iccid ?? (p.iccidHex ? `${p.iccidHex} (not BCD)` : '-'),
    p.state ?? '-',
    p.profileClass,
    p.serviceProviderName ?? '',
    p.profileName ?? '',
    ...(withPpr ? [p.ppr.join(',') || '-'] : []),
    p.nickname ?? '',
  ]);
  const notes = list.flatMap((p, i) => (p.problems ?? []).map((m) => `note: profile ${p.iccid ?? p.iccidHex ?? `#${i + 1}`}: ${m}`));
  return [table(headers, rows), ...notes].join('\n');
}

export interface NotificationView {
  seqNumber: number;
  operation: string;
  address: string;
  iccid: string | null;
  /** What is wrong with the entry, when it did not fully decode. */
  problem?: string;
}

export function notificationView(n: NotificationMetadata): NotificationView {
  return { seqNumber: n.seqNumber, operation: n.profileManagementOperation, address: n.notificationAddress, iccid: n.iccid ?? null, ...(n.problem ? { problem: n.problem } : {}) };
}

export function notificationsTable(list: NotificationView[], malformed: { problem: string }[] = []): string {
  if (list.length === 0 && malformed.length === 0) return 'No pending notifications.';
  const notes = [
    ...list.filter((n) => n.problem).map((n) => `note: notification #${n.seqNumber}: ${n.problem}`),
    ...malformed.map((m) => `note: one more pending notification does not decode: ${m.problem}`),
  ];
  const rows = list.map((n) => [String(n.seqNumber), n.operation, n.iccid ?? '-', n.address || '-']);
  return [...(list.length > 0 ? [table(['SEQ', 'OPERATION', 'ICCID', 'ADDRESS'], rows)] : []), ...notes].join('\n');
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

/** EUICCInfo2's extCardResource decoded (free memory in bytes), or why it does not decode. */
export function memoryView(extCardResource: Uint8Array): ExtCardResource | { error: string } {
  try {
    return parseExtCardResource(extCardResource);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Bytes as people read them: 1536 -> "1.5 KiB (1536 bytes)". */
function bytesText(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ${units[u]} (${n} bytes)`;
}

/** One line for `info`: free non-volatile and volatile memory, installed applications. */
export function memoryText(m: ExtCardResource | { error: string }): string {
  if ('error' in m) return `not readable (${m.error})`;
  const parts = [
    m.freeNonVolatileMemory !== undefined ? `${bytesText(m.freeNonVolatileMemory)} non-volatile` : undefined,
    m.freeVolatileMemory !== undefined ? `${bytesText(m.freeVolatileMemory)} volatile` : undefined,
    m.installedApplications !== undefined ? `${m.installedApplications} application(s) installed` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'not reported';
}

export function addressesView(a: ConfiguredAddresses): { defaultDpAddress: string | null; rootDsAddress: string | null } {
  return { defaultDpAddress: a.defaultDpAddress || null, rootDsAddress: a.rootDsAddress || null };
}

/** JSON shape of one Rules Authorisation Table rule. */
export interface RatRuleView {
  pprIds: string[];
  /** MCC/MNC as hex of the 3 bytes (E = any digit), with GID1/GID2 when the rule has them. */
  allowedOperators: { mccMnc: string; gid1?: string; gid2?: string }[];
  consentRequired: boolean;
}

export function ratRuleView(r: ProfilePolicyAuthorisationRule): RatRuleView {
  return {
    pprIds: [...r.pprIds],
    allowedOperators: r.allowedOperators.map((o) => ({ mccMnc: toHex(o.mccMnc), ...(o.gid1 ? { gid1: toHex(o.gid1) } : {}), ...(o.gid2 ? { gid2: toHex(o.gid2) } : {}) })),
    consentRequired: r.pprFlags.includes('consentRequired'),
  };
}

/** One line for `info`: the rules, "none (no policy rule allowed)", or why the RAT could not be read. */
export function ratText(rat: RatRuleView[] | { error: string }): string {
  if (!Array.isArray(rat)) return `not readable (${rat.error})`;
  if (rat.length === 0) return 'none (profiles with PPR1/PPR2 are refused)';
  return rat
    .map((r) => `${r.pprIds.join('+')} for ${r.allowedOperators.map((o) => (/^E+$/i.test(o.mccMnc) ? 'any operator' : o.mccMnc)).join(', ')}${r.consentRequired ? ' (end-user consent)' : ''}`)
    .join('; ');
}
