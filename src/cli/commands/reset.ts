import { LpaError } from '../../errors.js';
import type { MemoryResetOption } from '../../es10/results.js';
import { deliverNotifications, undeliveredLine, type DeliveryOutcome } from '../../lpa/notifications.js';
import { bool } from '../args.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';
import { es9Pool } from '../es9.js';

const OPTIONS: Record<string, MemoryResetOption> = {
  operational: 'deleteOperationalProfiles',
  test: 'deleteFieldLoadedTestProfiles',
  'default-smdp': 'resetDefaultSmdpAddress',
};

const command: Command = {
  name: 'reset',
  summary: 'eUICC memory reset (ES10c eUICCMemoryReset): delete operational and/or test profiles and the default SM-DP+ address. Needs --yes.',
  usage: 'reset --yes [--operational] [--test] [--default-smdp] [--no-notify]',
  options: {
    yes: { type: 'boolean', description: 'confirm: the deleted profiles cannot be downloaded again unless their operator releases them' },
    operational: { type: 'boolean', description: 'delete the operational profiles' },
    test: { type: 'boolean', description: 'delete the field-loaded test profiles' },
    'default-smdp': { type: 'boolean', description: 'clear the default SM-DP+ address' },
    notify: { type: 'boolean', description: 'deliver the pending notifications afterwards (default; --no-notify leaves them queued)' },
  },
  help: [
    'Without --operational, --test or --default-smdp all three are reset (like lpac "chip purge").',
    'Provisioning (bootstrap) profiles are never deleted. When the enabled profile is deleted the module',
    'restarts the SIM; the agent waits for it. Afterwards every pending notification is delivered (cards',
    'that queue delete notifications for the deleted profiles report them to their SM-DP+ this way).',
    'An eUICC with nothing left to delete answers "nothing to delete": reported, exit 0.',
    '',
    'Examples:',
    '  lpa-agent --device /dev/ttyUSB2 reset --yes',
    '  lpa-agent --device /dev/ttyUSB2 reset --yes --test',
  ].join('\n'),
  async run({ globals, options, positionals, out }) {
    if (positionals.length > 0) throw new LpaError('USAGE', 'usage: reset --yes [--operational] [--test] [--default-smdp]');
    const chosen = Object.entries(OPTIONS)
      .filter(([flag]) => bool(options, flag) === true)
      .map(([, opt]) => opt);
    const resetOptions = chosen.length > 0 ? chosen : Object.values(OPTIONS);
    if (bool(options, 'yes') !== true) {
      throw new LpaError('USAGE', `reset deletes ${describe(resetOptions)} from the eUICC; add --yes to confirm`);
    }
    const notify = bool(options, 'notify') ?? true;
    const pool = notify ? es9Pool(globals, out) : undefined;
    try {
      const result = await withDevice(
        globals,
        async (d) => {
          const before = await d.es10.listProfiles();
          out.progress('reset', `eUICC memory reset: ${describe(resetOptions)}`, { resetOptions });
          const answer = await d.es10.memoryReset(resetOptions);
          const warnings: string[] = [];
          // the enabled profile goes when its class is reset: the card then restarts (REFRESH)
          const classes = [resetOptions.includes('deleteOperationalProfiles') ? 'operational' : '', resetOptions.includes('deleteFieldLoadedTestProfiles') ? 'test' : ''];
          const enabled = before.find((p) => p.state === 'enabled');
          if (answer === 'ok' && enabled && classes.includes(enabled.profileClass ?? 'operational')) {
            out.progress('reset', 'the enabled profile was deleted: waiting for the module to restart the SIM');
            await d.modem.settleAfterSwitch(60_000).catch((e: unknown) => warnings.push(`the module did not report the SIM back in time (${(e as Error).message})`));
          }
          const after = await d.es10.listProfiles().catch(() => undefined);
          const deleted = after ? before.filter((p) => p.iccid && !after.some((a) => a.iccid === p.iccid)).map((p) => p.iccid!) : [];
          let notifications: DeliveryOutcome[] | null = null;
          if (pool) {
            notifications = await deliverNotifications(d.es10, pool, { onProgress: (m, data) => out.progress('reset', m, data) }).catch((e: unknown) => {
              warnings.push(`the pending notifications could not be read (${(e as Error).message}); they stay queued ("notifications send")`);
              return [];
            });
            for (const n of notifications) if (n.error) warnings.push(undeliveredLine(n));
          }
          return { result: answer, resetOptions, deletedProfiles: deleted, notifications, warnings };
        },
        out,
      );
      for (const w of result.warnings) out.notice(w);
      const sent = (result.notifications ?? []).filter((n) => n.delivered).length;
      out.result(
        result,
        result.result === 'nothingToDelete'
          ? 'Nothing to delete: the eUICC holds nothing the reset options name.'
          : `eUICC memory reset done${result.deletedProfiles.length > 0 ? `: deleted ${result.deletedProfiles.join(', ')}` : ''}.${result.notifications ? ` ${sent} notification(s) delivered.` : ''}`,
      );
    } finally {
      await pool?.close();
    }
  },
};

function describe(opts: readonly MemoryResetOption[]): string {
  const names: Record<MemoryResetOption, string> = {
    deleteOperationalProfiles: 'the operational profiles',
    deleteFieldLoadedTestProfiles: 'the test profiles',
    resetDefaultSmdpAddress: 'the default SM-DP+ address',
  };
  const parts = opts.map((o) => names[o]);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]!;
}

export default command;
