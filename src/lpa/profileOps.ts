import type { ModemControl } from '../apdu/channel.js';
import { isLpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import { parseIccid } from '../ids/iccid.js';
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
  iccid: string;
  operation: ProfileOperation;
  notifications: DeliveryOutcome[] | null;
  /** What went wrong after the eUICC did the operation (it still counts as done). */
  warnings: string[];
}

const PAST: Record<ProfileOperation, string> = { enable: 'enabled', disable: 'disabled', delete: 'deleted' };

/**
 * Enables, disables or deletes a profile; after a REFRESH waits for the module to re-read the SIM
 * (the channel reopens itself on the next APDU), then delivers pending notifications if asked.
 * Once the eUICC answered ok the operation is done: a SIM that comes back late or notifications
 * that cannot be read or delivered become warnings, never a failure of the operation.
 */
export async function changeProfile(
  es10: Es10Client,
  modem: ModemControl,
  operation: ProfileOperation,
  iccidInput: string,
  options: ProfileOpOptions = {},
): Promise<ProfileOpResult> {
  const iccid = parseIccid(iccidInput);
  const refresh = options.refresh ?? true;
  options.onProgress?.(`${operation} profile ${iccid}`, { iccid });
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
      await es10.enableProfile(iccid, refresh);
    } catch (e) {
      // catBusy: the module's toolkit is busy and cannot run the REFRESH. Known workaround:
      // enable without REFRESH, then restart the SIM ourselves.
      if (!(isLpaError(e, 'ES10_RESULT') && e.details.result === 'catBusy' && refresh)) throw e;
      options.onProgress?.('the module is busy (catBusy): enabling without REFRESH and restarting the SIM');
      await es10.enableProfile(iccid, false);
      settled = true;
      await afterwards('restarting the SIM failed', () => modem.restartSim(options.simReadyTimeoutMs ?? 60_000));
    }
  } else if (operation === 'disable') await es10.disableProfile(iccid, refresh);
  else await es10.deleteProfile(iccid);
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
  return { iccid, operation, notifications, warnings };
}
