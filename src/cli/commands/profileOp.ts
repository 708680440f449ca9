import { isLpaError, LpaError } from '../../errors.js';
import { undeliveredLine } from '../../lpa/notifications.js';
import { describeProfileRef, parseTypedProfileRef } from '../../ids/profileRef.js';
import { toHex } from '../../util/hex.js';
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
  enable: 'Enable a profile by ICCID or ISD-P AID (the enabled one is disabled; the module restarts the SIM), then deliver its notifications.',
  disable: 'Disable a profile by ICCID or ISD-P AID, then deliver its notification.',
  delete: 'Delete a disabled profile by ICCID or ISD-P AID, then deliver its notification.',
};

/** Builds the enable / disable / delete commands: one behaviour, three verbs. */
export function profileOpCommand(operation: ProfileOperation): Command {
  return {
    name: operation,
    summary: SUMMARY[operation],
    usage: `${operation} <iccid|isdp-aid>${operation === 'delete' ? '' : ' [--no-refresh]'} [--no-notify]`,
    options: operation === 'delete' ? NOTIFY : { ...REFRESH, ...NOTIFY },
    maxPositionals: 1,
    help: [
      'The profile is named by its ICCID (18-20 digits) or by the AID of its ISD-P (hex, as "profiles" lists it).',
      '',
      'Examples:',
      `  lpa-agent --device /dev/ttyUSB2 ${operation} 8949449999999990049`,
      `  lpa-agent --device /dev/ttyUSB2 ${operation} A0000005591010FFFFFFFF8900001100`,
      '',
      `Notifications that cannot be delivered stay on the eUICC ("notifications list"); the ${operation} itself still counts as done.`,
      ...(operation === 'enable' ? ['Enabling the profile that is already enabled does nothing and succeeds.'] : []),
    ].join('\n'),
    async run({ globals, options, positionals, out }) {
      if (positionals.length !== 1) throw new LpaError('USAGE', `usage: ${operation} <iccid|isdp-aid>`);
      const ref = parseTypedProfileRef(positionals[0]!);
      const notify = bool(options, 'notify') ?? true;
      const refresh = bool(options, 'refresh') ?? true;
      const pool = notify ? es9Pool(globals, out) : undefined;
      try {
        const result = await withDevice(
          globals,
          async (d) => {
            try {
              return await changeProfile(d.es10, d.modem, operation, ref, {
                refresh,
                ...(pool ? { notify: pool } : {}),
                onProgress: (m, data) => out.progress(operation, m, data),
              });
            } catch (e) {
              // enabling the enabled profile: nothing to do, and nothing went wrong
              if (operation === 'enable' && isLpaError(e, 'ES10_RESULT') && e.details.result === 'profileNotInDisabledState') {
                const p = (await d.es10.listProfiles()).find((x) => ('iccid' in ref ? x.iccid === ref.iccid : x.isdpAid !== undefined && toHex(x.isdpAid) === toHex(ref.isdpAid)));
                if (p?.state === 'enabled') return { iccid: p.iccid ?? null, profile: describeProfileRef(ref), operation, notifications: null, alreadyEnabled: true as const };
              }
              throw e;
            }
          },
          out,
        );
        if ('alreadyEnabled' in result) {
          out.result(result, `Profile ${result.profile} is already enabled; nothing to do.`);
          return;
        }
        for (const w of result.warnings) out.notice(w);
        for (const n of result.notifications ?? []) {
          if (n.error) out.notice(undeliveredLine(n));
        }
        const past = operation === 'enable' ? 'enabled' : operation === 'disable' ? 'disabled' : 'deleted';
        const sent = (result.notifications ?? []).filter((n) => n.delivered).length;
        out.result(result, `Profile ${result.profile} ${past}.${result.notifications ? ` ${sent} notification(s) delivered.` : ''}`);
      } finally {
        await pool?.close();
      }
    },
  };
}
