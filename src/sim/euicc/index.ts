/**
 * The virtual eUICC: the SGP.26 test eUICC as a `VirtualCard` a virtual modem can host.
 */

import { VirtualEuicc } from './card.js';
import type { EuiccQuirks } from './quirks.js';
import { EuiccStateStore } from './state.js';

export { VirtualEuicc, MAX_CHANNEL, MAX_STORE_DATA, type VirtualEuiccOptions } from './card.js';
export {
  BOOTSTRAP_ICCID,
  BOOTSTRAP_ISDP_AID,
  BOOTSTRAP_NOTIFICATION_ADDRESS,
  BOOTSTRAP_PROFILE_NAME,
  BOOTSTRAP_SPN,
  DEFAULT_ROOT_DS_ADDRESS,
  ISD_R_AID,
  VIRTUAL_EID,
  EuiccStateStore,
  factoryState,
  validateState,
  type EuiccState,
  type NotificationOperation,
  type PprId,
  type ProfileClass,
  type ProfileState,
  type StoredNotification,
  type StoredProfile,
} from './state.js';
export { loadTestIdentity, makeIdentity, TEST_CI_PKID, type EuiccIdentity } from './identity.js';
export { defaultEuiccQuirks, type EuiccQuirks } from './quirks.js';
export type { Es10Context, Es10Continuation, Es10Handler, EuiccSession } from './es10/context.js';
export { ES10_HANDLERS } from './es10/handlers.js';
export {
  addPendingNotification,
  MAX_PENDING_NOTIFICATIONS,
  queueNotification,
  signOtherNotification,
} from './notifications.js';
export { findProfile, type ProfileRef } from './profiles.js';

export interface OpenVirtualEuiccOptions {
  /** JSON state file (created factory-fresh if missing); omitted: state lives in memory only. */
  statePath?: string;
  quirks?: Partial<EuiccQuirks>;
}

/** Opens the virtual eUICC with its state from `statePath` (or in memory). Throws CONFIG_INVALID for a bad state file. */
export function openVirtualEuicc(options: OpenVirtualEuiccOptions = {}): VirtualEuicc {
  return new VirtualEuicc({ store: EuiccStateStore.open(options.statePath), ...(options.quirks ? { quirks: options.quirks } : {}) });
}
