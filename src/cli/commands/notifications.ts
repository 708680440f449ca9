import { LpaError } from '../../errors.js';
import { deliverNotifications, firstDeliveryError } from '../../lpa/notifications.js';
import { bool } from '../args.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';
import { es9Pool } from '../es9.js';
import { notificationsTable, notificationView } from '../format.js';

function seqNumbers(words: string[]): number[] {
  return words.map((w) => {
    if (!/^\d{1,9}$/.test(w)) throw new LpaError('USAGE', `"${w}" is not a notification sequence number`);
    return Number(w);
  });
}

const command: Command = {
  name: 'notifications',
  summary: 'List, send or remove the eUICC pending notifications.',
  usage: 'notifications list | send [<seq>... | --all] | remove <seq>... | --all',
  options: { all: { type: 'boolean', description: 'every pending notification (send / remove)' } },
  maxPositionals: 1000,
  help: [
    'list    show pending notifications (sequence number, operation, ICCID, SM-DP+ address)',
    'send    deliver them with ES9+ handleNotification; each is removed from the eUICC only after',
    '        its SM-DP+ accepted it',
    'remove  drop them from the eUICC without sending (the SM-DP+ never learns of them)',
  ].join('\n'),
  async run({ globals, options, positionals, out }) {
    const [sub, ...rest] = positionals;
    const all = bool(options, 'all') ?? false;
    if (sub === undefined || sub === 'list') {
      if (rest.length > 0) throw new LpaError('USAGE', 'usage: notifications list');
      const entries = await withDevice(globals, (d) => d.es10.listNotificationEntries(), out);
      const list = entries.notifications.map(notificationView);
      out.result({ notifications: list, ...(entries.malformed.length > 0 ? { malformed: entries.malformed } : {}) }, () => notificationsTable(list, entries.malformed));
      return;
    }
    if (sub !== 'send' && sub !== 'remove') throw new LpaError('USAGE', `unknown notifications subcommand "${sub}" (list, send, remove)`);
    if (all === rest.length > 0) throw new LpaError('USAGE', `usage: notifications ${sub} <seq>... | --all`);
    const seqs = all ? undefined : seqNumbers(rest);
    if (sub === 'remove') {
      const removed = await withDevice(globals, async (d) => {
        const pending = (await d.es10.listNotifications()).map((n) => n.seqNumber);
        const unknown = (seqs ?? []).filter((s) => !pending.includes(s));
        if (unknown.length > 0) {
          throw new LpaError('NOTIFICATION_NOT_FOUND', `no pending notification with sequence number ${unknown.join(', ')} (pending: ${pending.join(', ') || 'none'}); nothing removed`, {
            seqNumbers: unknown,
          });
        }
        const targets = seqs ?? pending;
        for (const s of targets) await d.es10.removeNotification(s);
        return targets;
      }, out);
      out.result({ removed }, removed.length === 0 ? 'No pending notifications.' : `Removed notification(s) ${removed.join(', ')}.`);
      return;
    }
    const pool = es9Pool(globals, out);
    try {
      const outcomes = await withDevice(
        globals,
        (d) => deliverNotifications(d.es10, pool, { ...(seqs ? { seqNumbers: seqs } : {}), onProgress: (m, data) => out.progress('send', m, data) }),
        out,
      );
      const err = firstDeliveryError(outcomes);
      if (err) throw err;
      out.result({ notifications: outcomes }, outcomes.length === 0 ? 'No pending notifications.' : `Delivered ${outcomes.length} notification(s).`);
    } finally {
      await pool.close();
    }
  },
};
export default command;
