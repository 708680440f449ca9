import { LpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import { parseSmdpAddress } from '../es9p/address.js';
import { parseActivationCode } from './activationCode.js';

/** Where to download from, as the user or the cloud gave it. */
export interface TargetInput {
  smdpAddress?: string;
  matchingId?: string;
  activationCode?: string;
}

export interface DownloadTarget {
  smdpAddress: string;
  /** Empty: the SM-DP+ finds the profile bound to the EID (as in the "SM-DP+ Default" method). */
  matchingId: string;
  /** Where the address came from: an activation code, --smdp, or the eUICC's default SM-DP+ address. */
  method: 'activation-code' | 'address' | 'default';
  confirmationCodeRequired: boolean;
  /** SM-DP+ OID an activation code names (checked against the server certificate). */
  smdpOid?: string;
  /** CI key id an activation code names. */
  ciPkId?: Uint8Array;
}

/**
 * The SM-DP+ address resolveTarget will use when it is known without asking the eUICC (an
 * activation code or --smdp), so the connection can be opened early; undefined otherwise or when
 * the input is not valid (resolveTarget then says why).
 */
export function knownSmdpAddress(input: TargetInput): string | undefined {
  try {
    if (input.activationCode !== undefined) return parseActivationCode(input.activationCode).smdpAddress;
    if (input.smdpAddress !== undefined) return parseSmdpAddress(input.smdpAddress).value;
  } catch {
    // reported by resolveTarget
  }
  return undefined;
}

/**
 * Resolves the target: an activation code wins; else --smdp [+ --matching-id]; else the eUICC's
 * default SM-DP+ address (ES10a) with an empty matching id. One ES10 call only in the last case.
 */
export async function resolveTarget(es10: Es10Client, input: TargetInput): Promise<DownloadTarget> {
  if (input.activationCode !== undefined) {
    if (input.smdpAddress !== undefined || input.matchingId !== undefined) {
      throw new LpaError('USAGE', 'give either an activation code or --smdp/--matching-id, not both');
    }
    const ac = parseActivationCode(input.activationCode);
    return {
      smdpAddress: ac.smdpAddress,
      matchingId: ac.matchingId,
      method: 'activation-code',
      confirmationCodeRequired: ac.confirmationCodeRequired,
      ...(ac.oid ? { smdpOid: ac.oid } : {}),
      ...(ac.ciPkId ? { ciPkId: ac.ciPkId } : {}),
    };
  }
  if (input.smdpAddress !== undefined) {
    const a = parseSmdpAddress(input.smdpAddress);
    return { smdpAddress: a.value, matchingId: input.matchingId ?? '', method: 'address', confirmationCodeRequired: false };
  }
  const { defaultDpAddress } = await es10.getConfiguredAddresses();
  if (!defaultDpAddress) {
    throw new LpaError('USAGE', 'no SM-DP+ given and the eUICC has no default SM-DP+ address: use --smdp <address>, --activation-code, or set one with "default-smdp <address>"');
  }
  return { smdpAddress: parseSmdpAddress(defaultDpAddress).value, matchingId: input.matchingId ?? '', method: 'default', confirmationCodeRequired: false };
}

/** For progress lines: `matching id X`, or what an empty one means, and where the address came from. */
export function describeTarget(target: Pick<DownloadTarget, 'matchingId' | 'method'>): string {
  const what = target.matchingId ? `matching id ${target.matchingId}` : 'no matching id: the profile bound to this EID';
  return target.method === 'default' ? `the eUICC's default SM-DP+, ${what}` : what;
}
