import { isLpaError, LpaError } from '../../errors.js';
import { parseTypedIccid } from '../../ids/iccid.js';
import { undeliveredLine } from '../../lpa/notifications.js';
import { changeProfile, type ProfileOperation } from '../../lpa/profileOps.js';
import { bool, type OptionSpecs } from '../args.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';
import { es9Pool } from '../es9.js';

const NOTIFY: OptionSpecs = {
  notify: { type: 'boolean', description: 'deliver the notifications this operation queues to their SM-DP+ (default; --no-notify leaves them queued)' },
};
const REFRESH: OptionSpecs = {
  refresh: { type: 'boolean', description: 'ask the eUICC for a REFRESH so the module re-reads the SIM (default; --no-refresh skips it)' },
};

const SUMMARY: Record<ProfileOperation, string> = {
  enable: 'Enable a profile by ICCID (the enabled one is disabled; the module restarts the SIM), then deliver its notifications.',
  disable: 'Disable a profile by ICCID, then deliver its notification.',
  delete: 'Delete a disabled profile by ICCID, then deliver its notification.',
};

/** Builds the enable / disable / delete commands: one behaviour, three verbs. */
export function profileOpCommand(operation: ProfileOperation): Command {
  return {
    name: operation,
    summary: SUMMARY[operation],
    usage: `${operation} <iccid>${operation === 'delete' ? '' : ' [--no-refresh]'} [--no-notify]`,
    options: operation === 'delete' ? NOTIFY : { ...REFRESH, ...NOTIFY },
    maxPositionals: 1,
    help:
      `Example:\n  lpa-agent --device /dev/ttyUSB2 ${operation} 8949449999999990049\n\nNotifications that cannot be delivered stay on the eUICC ("notifications list"); the ${operation} itself still counts as done.` +
      (operation === 'enable' ? '\nEnabling the profile that is already enabled does nothing and succeeds.' : ''),
    async run({ globals, options, positionals, out }) {
      if (positionals.length !== 1) throw new LpaError('USAGE', `usage: ${operation} <iccid>`);
      const iccid = parseTypedIccid(positionals[0]!);
      const notify = bool(options, 'notify') ?? true;
      const refresh = bool(options, 'refresh') ?? true;
      const pool = notify ? es9Pool(globals, out) : undefined;
      try {
        const result = await withDevice(globals, async (d) => {
          try {
            return await changeProfile(d.es10, d.modem, operation, iccid, {
              refresh,
              ...(pool ? { notify: pool } : {}),
              onProgress: (m, data) => out.progress(operation, m, data),
            });
          } catch (e) {
            // enabling the enabled profile: nothing to do, and nothing went wrong
            if (operation === 'enable' && isLpaError(e, 'ES10_RESULT') && e.details.result === 'profileNotInDisabledState') {
              const p = (await d.es10.listProfiles()).find((x) => x.iccid === iccid);
              if (p?.state === 'enabled') return { iccid, operation, notifications: null, alreadyEnabled: true as const };
            }
            throw e;
          }
        }, out);
        if ('alreadyEnabled' in result) {
          out.result(result, `Profile ${iccid} is already enabled; nothing to do.`);
          return;
        }
        for (const w of result.warnings) out.notice(w);
        for (const n of result.notifications ?? []) {
          if (n.error) out.notice(undeliveredLine(n));
        }
        const past = operation === 'enable' ? 'enabled' : operation === 'disable' ? 'disabled' : 'deleted';
        const sent = (result.notifications ?? []).filter((n) => n.delivered).length;
        out.result(result, `Profile ${result.iccid} ${past}.${result.notifications ? ` ${sent} notification(s) delivered.` : ''}`);
      } finally {
        await pool?.close();
      }
    },
  };
}
