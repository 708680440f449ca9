/**
 * Quirk switches of the virtual eUICC: each one reproduces something real cards do that an LPA
 * must survive (issue 9). Set at construction or changed at run time through `VirtualEuicc.quirks`
 * (the virtual module's `--quirk` options reach them too). Counted quirks are consumed as they fire.
 */

import type { ProfilePolicyAuthorisationRule } from '../../es10/getRat.js';
import { ISD_R_AID } from './state.js';

export interface EuiccQuirks {
  /**
   * End ES10 answers with SW 91xx (a proactive command is pending) instead of 9000: 'refresh' after
   * Enable/Disable with REFRESH (as real eUICCs do), 'all' after every ES10 answer.
   */
  sw91xx: 'off' | 'refresh' | 'all';
  /** GetProfilesInfo with a tag list (5C) is refused with 6A80, as some cards do. */
  noTagList: boolean;
  /**
   * The answer that ends the BPP load is malformed (the queued notification stays well formed):
   * 'truncated' (the signature is cut short; the result itself still readable leniently) or
   * 'garbage' (nothing readable).
   */
  malformedInstallResult: 'off' | 'truncated' | 'garbage';
  /** The next N notifications are queued malformed (their signature element missing). */
  malformedNotifications: number;
  /** The next N notifications are queued with two operation bits set in their metadata. */
  twoOperationBits: number;
  /**
   * The Rules Authorisation Table (GetRAT), enforced on StoreMetadata: a profile whose PPRs no rule
   * allows for its owner fails with pprNotAllowed. Empty: no PPR is allowed.
   */
  rat: ProfilePolicyAuthorisationRule[];
  /**
   * AID the ISD-R answers SELECT to, upper-case hex: the standard one by default; another one
   * reproduces removable eUICCs with a non-standard ISD-R (`--isdr-aid`).
   */
  isdrAid: string;
  /**
   * Root SM-DS address GetEuiccConfiguredAddresses reports instead of the one in the state (set at
   * manufacturing on a real card): points the virtual eUICC at a local SM-DS.
   */
  rootDsAddress: string | undefined;
  /** eUICCMemoryReset queues a delete notification for each deleted profile that names a delete address. */
  memoryResetNotifies: boolean;
}

export function defaultEuiccQuirks(): EuiccQuirks {
  return {
    sw91xx: 'off',
    noTagList: false,
    malformedInstallResult: 'off',
    malformedNotifications: 0,
    twoOperationBits: 0,
    rat: [],
    isdrAid: ISD_R_AID,
    rootDsAddress: undefined,
    memoryResetNotifies: false,
  };
}

/** SW2 of the 91xx answers: the length of the pending proactive command (a REFRESH is ~11 bytes). */
export const PROACTIVE_LENGTH = 0x0b;
