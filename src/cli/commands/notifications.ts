import { LpaError } from '../../errors.js';
import type { Es10Client } from '../../es10/client.js';
import { describeProfileRef, parseTypedProfileRef, type ProfileSelector } from '../../ids/profileRef.js';
import { deliverNotifications, firstDeliveryError } from '../../lpa/notifications.js';
import { iccidOfAid } from '../../lpa/profileOps.js';
import { bool, str } from '../args.js';
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

/** The ICCID whose notifications `--profile` selects (an ISD-P AID is looked up on the eUICC). */
async function profileIccid(es10: Es10Client, ref: ProfileSelector): Promise<string> {
  if ('iccid' in ref) return ref.iccid;
  const iccid = await iccidOfAid(es10, ref.isdpAid);
  if (iccid === undefined) throw new LpaError('PROFILE_NOT_FOUND', `no profile in ${describeProfileRef(ref)} on the eUICC (a deleted profile's notifications are selected by ICCID)`);
  return iccid;
}

const command: Command = {
  name: 'notifications',
  summary: 'List, send or remove the eUICC pending notifications.',
  usage: 'notifications list [--profile <p>] | send [<seq>... | --all | --profile <p>] | remove <seq>... | --all | --profile <p>',
  options: {
    all: { type: 'boolean', description: 'every pending notification (send / remove)' },
    profile: { type: 'string', arg: '<iccid|isdp-aid>', description: 'only the notifications of this profile (ICCID, or the AID of its ISD-P)' },
  },
  maxPositionals: 1000,
  help: [
    'list    show pending notifications (sequence number, operation, ICCID, SM-DP+ address)',
    'send    deliver them with ES9+ handleNotification; each is removed from the eUICC only after',
    '        its SM-DP+ accepted it',
    'remove  drop them from the eUICC without sending (the SM-DP+ never learns of them)',
    '',
    'Examples:',
    '  lpa-agent --device /dev/ttyUSB2 notifications list --profile 8949449999999990049',
    '  lpa-agent --device /dev/ttyUSB2 notifications send --all',
  ].join('\n'),
  async run({ globals, options, positionals, out }) {
    const [sub, ...rest] = positionals;
    const all = bool(options, 'all') ?? false;
    const profileText = str(options, 'profile');
    const ref = profileText === undefined ? undefined : parseTypedProfileRef(profileText);
    if (sub === undefined || sub === 'list') {
      if (rest.length > 0 || all) throw new LpaError('USAGE', 'usage: notifications list [--profile <iccid|isdp-aid>]');
      const { entries, iccid } = await withDevice(globals, async (d) => {
        const picked = ref ? await profileIccid(d.es10, ref) : undefined;
        return { entries: await d.es10.listNotificationEntries(), iccid: picked };
      }, out);
      const list = entries.notifications.map(notificationView).filter((n) => iccid === undefined || n.iccid === iccid);
      const malformed = iccid === undefined ? entries.malformed : [];
      out.result({ notifications: list, ...(malformed.length > 0 ? { malformed } : {}) }, () => notificationsTable(list, malformed));
      return;
    }
    if (sub !== 'send' && sub !== 'remove') throw new LpaError('USAGE', `unknown notifications subcommand "${sub}" (list, send, remove)`);
    if ([all, rest.length > 0, ref !== undefined].filter(Boolean).length !== 1) {
      throw new LpaError('USAGE', `usage: notifications ${sub} <seq>... | --all | --profile <iccid|isdp-aid>`);
    }
    const explicit = rest.length > 0 ? seqNumbers(rest) : undefined;
    /** The sequence numbers to act on; undefined: all of them. */
    const pick = async (es10: Es10Client): Promise<number[] | undefined> => {
      if (!ref) return explicit;
      const iccid = await profileIccid(es10, ref);
      return (await es10.listNotifications()).filter((n) => n.iccid === iccid).map((n) => n.seqNumber);
    };
    if (sub === 'remove') {
      const removed = await withDevice(globals, async (d) => {
        const pending = (await d.es10.listNotifications()).map((n) => n.seqNumber);
        const unknown = (explicit ?? []).filter((x) => !pending.includes(x));
        if (unknown.length > 0) {
          throw new LpaError('NOTIFICATION_NOT_FOUND', `no pending notification with sequence number ${unknown.join(', ')} (pending: ${pending.join(', ') || 'none'}); nothing removed`, {
            seqNumbers: unknown,
          });
        }
        const targets = (await pick(d.es10)) ?? pending;
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
        async (d) => {
          const seqs = await pick(d.es10);
          if (seqs?.length === 0) return [];
          return deliverNotifications(d.es10, pool, { ...(seqs ? { seqNumbers: seqs } : {}), onProgress: (m, data) => out.progress('send', m, data) });
        },
        out,
      );
      const err = firstDeliveryError(outcomes);
      if (err) throw err;
      out.result({ notifications: outcomes, sent: outcomes.filter((o) => o.delivered).length }, outcomes.length === 0 ? 'No pending notifications.' : `Delivered ${outcomes.length} notification(s).`);
    } finally {
      await pool.close();
    }
  },
};
export default command;
