import type { ModemControl } from '../apdu/channel.js';
import { isLpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import { describeProfileRef, parseProfileRef, type ProfileSelector } from '../ids/profileRef.js';
import { toHex } from '../util/hex.js';
import type { Es9Pool } from './es9.js';
import { deliverNotifications, type DeliveryOutcome } from './notifications.js';

export type ProfileOperation = 'enable' | 'disable' | 'delete';

export interface ProfileOpOptions {
  /** Ask the eUICC for a REFRESH after enable/disable (default true: the module re-reads the SIM). */
  refresh?: boolean;
  /** Deliver the notifications the operation queued (and any others pending); omit for --no-notify. */
  notify?: Es9Pool;
  /** How long to wait for the SIM to come back after a REFRESH (default 60 s). */
  simReadyTimeoutMs?: number;
  onProgress?: (message: string, data?: Record<string, unknown>) => void;
}

export interface ProfileOpResult {
  /** The profile's ICCID (looked up when it was named by its ISD-P AID; null when the lookup failed). */
  iccid: string | null;
  /** The ISD-P AID, when the profile was named by it. */
  isdpAid?: string;
  /** For messages: the ICCID, or `ISD-P <AID>`. */
  profile: string;
  operation: ProfileOperation;
  notifications: DeliveryOutcome[] | null;
  /** What went wrong after the eUICC did the operation (it still counts as done). */
  warnings: string[];
}

const PAST: Record<ProfileOperation, string> = { enable: 'enabled', disable: 'disabled', delete: 'deleted' };

/**
 * The ICCID of the profile an ISD-P AID names (for messages and the result), or undefined when the
 * card does not list it or the lookup fails: the operation itself then tells (iccidOrAidNotFound).
 */
export async function iccidOfAid(es10: Es10Client, isdpAid: Uint8Array): Promise<string | undefined> {
  try {
    const found = await es10.listProfiles({ searchCriteria: { isdpAid }, tagList: Uint8Array.of(0x5a, 0x4f) });
    return found.find((p) => p.iccid !== undefined)?.iccid;
  } catch {
    return undefined;
  }
}

/**
 * Enables, disables or deletes a profile (named by ICCID or ISD-P AID); after a REFRESH waits for the module to re-read the SIM
 * (the channel reopens itself on the next APDU), then delivers pending notifications if asked.
 * Once the eUICC answered ok the operation is done: a SIM that comes back late or notifications
 * that cannot be read or delivered become warnings, never a failure of the operation.
 */
export async function changeProfile(
  es10: Es10Client,
  modem: ModemControl,
  operation: ProfileOperation,
  profileInput: string | ProfileSelector,
  options: ProfileOpOptions = {},
): Promise<ProfileOpResult> {
  const ref = typeof profileInput === 'string' ? parseProfileRef(profileInput) : profileInput;
  const iccid = 'iccid' in ref ? ref.iccid : ((await iccidOfAid(es10, ref.isdpAid)) ?? null);
  const aid = 'isdpAid' in ref ? toHex(ref.isdpAid) : undefined;
  const label = iccid && aid ? `${iccid} (ISD-P ${aid})` : describeProfileRef(ref);
  const refresh = options.refresh ?? true;
  options.onProgress?.(`${operation} profile ${label}`, { ...(iccid ? { iccid } : {}), ...(aid ? { isdpAid: aid } : {}) });
  const warnings: string[] = [];
  const afterwards = async (what: string, f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      warnings.push(`the profile was ${PAST[operation]}, but ${what} (${(e as Error).message})`);
    }
  };
  let settled = false;
  if (operation === 'enable') {
    try {
      await es10.enableProfile(ref, refresh);
    } catch (e) {
      // catBusy: the module's toolkit is busy and cannot run the REFRESH. Known workaround:
      // enable without REFRESH, then restart the SIM ourselves.
      if (!(isLpaError(e, 'ES10_RESULT') && e.details.result === 'catBusy' && refresh)) throw e;
      options.onProgress?.('the module is busy (catBusy): enabling without REFRESH and restarting the SIM');
      await es10.enableProfile(ref, false);
      settled = true;
      await afterwards('restarting the SIM failed', () => modem.restartSim(options.simReadyTimeoutMs ?? 60_000));
    }
  } else if (operation === 'disable') await es10.disableProfile(ref, refresh);
  else await es10.deleteProfile(ref);
  if (operation !== 'delete' && refresh && !settled) {
    options.onProgress?.('waiting for the module to restart the SIM');
    await afterwards('the module did not report the SIM back in time', () => modem.settleAfterSwitch(options.simReadyTimeoutMs ?? 60_000));
  }
  let notifications: DeliveryOutcome[] | null = null;
  if (options.notify) {
    const pool = options.notify;
    notifications = [];
    await afterwards('its notifications could not be read; they stay queued ("notifications send")', async () => {
      notifications = await deliverNotifications(es10, pool, options.onProgress ? { onProgress: options.onProgress } : {});
    });
  }
  return { iccid, ...(aid ? { isdpAid: aid } : {}), profile: label, operation, notifications, warnings };
}
