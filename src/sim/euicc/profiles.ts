/**
 * Profile management on the virtual eUICC's state (ES10c semantics), independent of encoding:
 * enable, disable, delete, nickname, memory reset. Each operation reports the SGP.22 result name
 * and tells `notify` which notifications to queue; the caller persists.
 */

import { bytesEqual, fromHex } from '../../util/hex.js';
import type { EuiccState, NotificationOperation, StoredProfile } from './state.js';

/** How an ES10c request names a profile. */
export type ProfileRef = { iccid: string } | { isdpAid: Uint8Array };

/** Queues a notification for `profile` if its notificationConfigurationInfo has an address for `op`. */
export type Notify = (profile: StoredProfile, op: NotificationOperation) => void;

export function findProfile(state: EuiccState, ref: ProfileRef): StoredProfile | undefined {
  if ('iccid' in ref) return state.profiles.find((p) => p.iccid === ref.iccid);
  return state.profiles.find((p) => bytesEqual(fromHex(p.isdpAid), ref.isdpAid));
}

function hasPpr(p: StoredProfile, ppr: 'ppr1' | 'ppr2'): boolean {
  return p.profilePolicyRules?.includes(ppr) ?? false;
}

export type EnableOutcome = 'ok' | 'iccidOrAidNotFound' | 'profileNotInDisabledState' | 'disallowedByPolicy';

/** Enables `ref`, disabling the currently enabled profile (refused when that one carries PPR1). */
export function enableProfile(state: EuiccState, ref: ProfileRef, notify: Notify): EnableOutcome {
  const target = findProfile(state, ref);
  if (!target) return 'iccidOrAidNotFound';
  if (target.state === 'enabled') return 'profileNotInDisabledState';
  const current = state.profiles.find((p) => p.state === 'enabled');
  if (current && hasPpr(current, 'ppr1')) return 'disallowedByPolicy';
  if (current) current.state = 'disabled';
  target.state = 'enabled';
  if (current) notify(current, 'disable');
  notify(target, 'enable');
  return 'ok';
}

export type DisableOutcome = 'ok' | 'iccidOrAidNotFound' | 'profileNotInEnabledState' | 'disallowedByPolicy';

export function disableProfile(state: EuiccState, ref: ProfileRef, notify: Notify): DisableOutcome {
  const target = findProfile(state, ref);
  if (!target) return 'iccidOrAidNotFound';
  if (target.state !== 'enabled') return 'profileNotInEnabledState';
  if (hasPpr(target, 'ppr1')) return 'disallowedByPolicy';
  target.state = 'disabled';
  notify(target, 'disable');
  return 'ok';
}

export type DeleteOutcome = 'ok' | 'iccidOrAidNotFound' | 'profileNotInDisabledState' | 'disallowedByPolicy';

export function deleteProfile(state: EuiccState, ref: ProfileRef, notify: Notify): DeleteOutcome {
  const target = findProfile(state, ref);
  if (!target) return 'iccidOrAidNotFound';
  if (target.state === 'enabled') return 'profileNotInDisabledState';
  if (hasPpr(target, 'ppr2')) return 'disallowedByPolicy';
  state.profiles = state.profiles.filter((p) => p !== target);
  notify(target, 'delete');
  return 'ok';
}

/** Longest nickname (characters) SGP.22 allows. */
export const MAX_NICKNAME = 64;

export function setNickname(state: EuiccState, iccid: string, nickname: string): 'ok' | 'iccidNotFound' | 'undefinedError' {
  const target = state.profiles.find((p) => p.iccid === iccid);
  if (!target) return 'iccidNotFound';
  if ([...nickname].length > MAX_NICKNAME) return 'undefinedError';
  if (nickname === '') delete target.nickname;
  else target.nickname = nickname;
  return 'ok';
}

export interface MemoryResetOptions {
  deleteOperationalProfiles: boolean;
  deleteFieldLoadedTestProfiles: boolean;
  resetDefaultSmdpAddress: boolean;
}

export interface MemoryResetOutcome {
  result: 'ok' | 'nothingToDelete';
  /** True when the enabled profile was deleted (the module must refresh). */
  enabledDeleted: boolean;
  /** The profiles deleted. */
  deleted: StoredProfile[];
}

/**
 * eUICCMemoryReset: deletes operational and/or test profiles whatever their state (provisioning
 * profiles stay), their pending notifications, and/or the default SM-DP+ address. Queues no
 * notifications.
 */
export function memoryReset(state: EuiccState, opts: MemoryResetOptions): MemoryResetOutcome {
  const doomed = state.profiles.filter(
    (p) => (opts.deleteOperationalProfiles && p.profileClass === 'operational') || (opts.deleteFieldLoadedTestProfiles && p.profileClass === 'test'),
  );
  let changed = doomed.length > 0;
  const enabledDeleted = doomed.some((p) => p.state === 'enabled');
  if (doomed.length > 0) {
    const gone = new Set(doomed.map((p) => p.iccid));
    state.profiles = state.profiles.filter((p) => !gone.has(p.iccid));
    state.notifications = state.notifications.filter((n) => !gone.has(n.iccid));
  }
  if (opts.resetDefaultSmdpAddress && state.defaultDpAddress !== '') {
    state.defaultDpAddress = '';
    changed = true;
  }
  return { result: changed ? 'ok' : 'nothingToDelete', enabledDeleted, deleted: doomed };
}
