/**
 * Profile Policy Rules against the eUICC's Rules Authorisation Table (SGP.22 2.9): a profile may
 * carry PPR1 (cannot be disabled) and PPR2 (cannot be deleted) only when a RAT rule lists that PPR
 * for the profile's owner; a rule may require end-user consent. Rules are read in order and the
 * first that matches decides. pprUpdateControl is a property of the rules, not a rule to authorise.
 *
 * Operators match on MCC/MNC nibble by nibble, `E` in a rule's nibble matching any digit; a rule's
 * GID1/GID2, when present, must equal the owner's. A profile without an owner only matches rules
 * whose operator is a full wildcard.
 */

import type { OperatorId } from './common.js';
import type { ProfilePolicyAuthorisationRule } from './getRat.js';

/** The PPRs that need authorisation (pprUpdateControl does not). */
export function policyRulesToAuthorise(pprs: readonly string[] | undefined): string[] {
  return (pprs ?? []).filter((p) => p !== 'pprUpdateControl');
}

function nibbles(b: Uint8Array): number[] {
  const out: number[] = [];
  for (const x of b) out.push(x & 0x0f, x >> 4);
  return out;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return a.every((x, i) => x === b[i]);
}

/** True when a RAT operator entry covers `owner` (undefined: only a full wildcard does). */
export function operatorMatches(rule: OperatorId, owner: OperatorId | undefined): boolean {
  const r = nibbles(rule.mccMnc);
  if (!owner) return r.every((n) => n === 0xe);
  const o = nibbles(owner.mccMnc);
  if (r.length !== o.length || !r.every((n, i) => n === 0xe || n === o[i])) return false;
  if (rule.gid1 && rule.gid1.length > 0 && !sameBytes(rule.gid1, owner.gid1)) return false;
  if (rule.gid2 && rule.gid2.length > 0 && !sameBytes(rule.gid2, owner.gid2)) return false;
  return true;
}

export interface PprAuthorisation {
  /** PPRs no rule allows for this owner: the eUICC refuses the profile (pprNotAllowed). */
  notAllowed: string[];
  /** PPRs allowed only with the end user's consent. */
  needConsent: string[];
}

/** How the RAT judges the profile's PPRs. */
export function authorisePprs(rat: readonly ProfilePolicyAuthorisationRule[], pprs: readonly string[] | undefined, owner: OperatorId | undefined): PprAuthorisation {
  const out: PprAuthorisation = { notAllowed: [], needConsent: [] };
  for (const ppr of policyRulesToAuthorise(pprs)) {
    const rule = rat.find((r) => (r.pprIds as readonly string[]).includes(ppr) && r.allowedOperators.some((op) => operatorMatches(op, owner)));
    if (!rule) out.notAllowed.push(ppr);
    else if (rule.pprFlags.includes('consentRequired')) out.needConsent.push(ppr);
  }
  return out;
}
