import { Journal } from '../../agent/journal.js';
import { recoverInFlight } from '../../agent/recover.js';
import { isLpaError, LpaError, toLpaError } from '../../errors.js';
import { parseSmdpAddress } from '../../es9p/address.js';
import { matchingIdProblem, parseActivationCode } from '../../lpa/activationCode.js';
import { downloadProfile, type DownloadRequest } from '../../lpa/download.js';
import { deliverInstallResults, type DeliveryOutcome, undeliveredLine } from '../../lpa/notifications.js';
import { changeProfile } from '../../lpa/profileOps.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { checkpoints, crashHook } from '../crash.js';
import { withDevice } from '../device.js';
import { usableJournal } from '../journal.js';

/** Checks what can be checked before anything is opened or sent: a usage error names the option. */
function readRequest(options: Parameters<Command['run']>[0]['options']): DownloadRequest {
  const request: DownloadRequest = {};
  const smdp = str(options, 'smdp');
  const matchingId = str(options, 'matching-id');
  const activationCode = str(options, 'activation-code');
  const confirmationCode = str(options, 'confirmation-code');
  if (activationCode !== undefined && (smdp !== undefined || matchingId !== undefined)) {
    throw new LpaError('USAGE', 'give either --activation-code or --smdp/--matching-id, not both');
  }
  if (activationCode !== undefined) parseActivationCode(activationCode);
  if (smdp !== undefined) parseSmdpAddress(smdp);
  if (matchingId !== undefined) {
    const problem = matchingIdProblem(matchingId);
    if (problem) {
      const shown = JSON.stringify(matchingId.length > 40 ? `${matchingId.slice(0, 40)}...` : matchingId);
      throw new LpaError('USAGE', `--matching-id ${shown} ${problem} (SGP.22 matching ids are letters, digits and "-")`);
    }
  }
  if (confirmationCode !== undefined && (confirmationCode.length === 0 || confirmationCode.length > 255 || /[\u0000-\u001f\u007f]/.test(confirmationCode))) {
    throw new LpaError('USAGE', '--confirmation-code must be 1 to 255 printable characters');
  }
  if (smdp !== undefined) request.smdpAddress = smdp;
  if (matchingId !== undefined) request.matchingId = matchingId;
  if (activationCode !== undefined) request.activationCode = activationCode;
  if (confirmationCode !== undefined) request.confirmationCode = confirmationCode;
  return request;
}

const command: Command = {
  name: 'download',
  summary: 'Download a profile from an SM-DP+ into the eUICC (SGP.22), deliver the install notification, optionally enable it.',
  usage: 'download [--smdp <address>] [--matching-id <id>] [--activation-code <LPA:1$...>] [--confirmation-code <cc>] [--enable] [--journal <file>]',
  options: {
    smdp: { type: 'string', arg: '<address>', description: 'SM-DP+ address (host[:port]); default: the eUICC default SM-DP+' },
    'matching-id': { type: 'string', arg: '<id>', description: 'matching id of the order (empty: profile bound to the EID)' },
    'activation-code': { type: 'string', arg: '<code>', description: 'activation code, e.g. LPA:1$smdp.example.com$MATCHING-ID' },
    'confirmation-code': { type: 'string', arg: '<cc>', description: 'confirmation code when the order needs one' },
    enable: { type: 'boolean', description: 'enable the profile after installing it' },
    notify: { type: 'boolean', description: 'deliver the notifications (default; --no-notify leaves them queued)' },
  },
  help: [
    'Examples:',
    '  lpa-agent --device /dev/ttyUSB2 download --activation-code \'LPA:1$sm-dp-plus.example.com$ABCD-1234\'',
    '  lpa-agent --device /dev/ttyUSB2 download --smdp sm-dp-plus.example.com --matching-id ABCD-1234 --enable',
    '  lpa-agent --device /dev/ttyUSB2 download          # SM-DP+ Default: eUICC default address, profile bound to the EID',
    '',
    'The transaction is journaled (as by provision): a rerun after a crash cancels the stale session on the',
    'eUICC and the SM-DP+ first. A signal (Ctrl-C, SIGTERM, SIGHUP) stops at the next safe point; during the',
    'profile load that is its end (exit 8, the profile installed, its notification queued).',
    '',
    'Against the local SM-DP+ (lpa-agent serve-smdp):',
    '  lpa-agent --device virtual --ca data/pki/sgp26/ci/CERT_CI_ECDSA_NIST.pem \\',
    '    --connect-to testsmdpplus1.example.com:443:127.0.0.1:8443 download \\',
    '    --smdp testsmdpplus1.example.com --matching-id TS48V2-SAIP2-1-BERTLV-UNIQUE --enable',
  ].join('\n'),
  async run({ globals, options, out, signal }) {
    const request = readRequest(options);
    const enable = bool(options, 'enable') ?? false;
    const notify = bool(options, 'notify') ?? true;
    const journalPath = usableJournal(globals.config, process.env, out);
    const started = Date.now();
    // the HTTPS stack (undici) loads while the module opens and answers its first commands
    const poolLoading = import('../es9.js').then((m) => m.es9Pool(globals, out));
    poolLoading.catch(() => undefined);
    let pool: Awaited<typeof poolLoading> | undefined;
    /** Stops at a safe point after a signal, saying what is done and what is left. */
    const stopIfInterrupted = (done: string, left: string): void => {
      if (!signal.aborted) return;
      const reason = toLpaError(signal.reason, 'INTERRUPTED', 'interrupted');
      throw new LpaError('INTERRUPTED', `${reason.message}: ${done}; ${left}`, { ...reason.details });
    };
    try {
      const result = await withDevice(globals, async (d) => {
        pool = await poolLoading;
        const es9 = pool;
        const checkpoint = checkpoints(crashHook());
        const progress = (step: string, m: string, data?: Record<string, unknown>) => {
          out.progress(step, m, data);
          checkpoint(step);
        };
        const eid = await d.es10.getEid();
        const journal = Journal.open(journalPath.replaceAll('{eid}', eid), eid);
        const staleTx = journal.snapshot.transactionId;
        const uncancelled = staleTx ? await recoverInFlight(d.es10, es9, journal, progress) : undefined;
        if (request.matchingId !== undefined && request.smdpAddress === undefined && request.activationCode === undefined) {
          const { defaultDpAddress } = await d.es10.getConfiguredAddresses();
          if (!defaultDpAddress) throw new LpaError('USAGE', '--matching-id without --smdp needs a default SM-DP+ address on the eUICC, and it has none: add --smdp <address>');
          out.notice(`no --smdp given: using the eUICC's default SM-DP+ address ${defaultDpAddress}`, { smdpAddress: defaultDpAddress });
          request.smdpAddress = defaultDpAddress;
        }
        // the install result goes to the SM-DP+ right after the load, before anything else
        const notifyInstall = async (seq: number | undefined): Promise<DeliveryOutcome[]> => {
          if (!notify) return [];
          try {
            const outcomes = await deliverInstallResults(d.es10, es9, seq, (m, data) => out.progress('notify', m, data));
            for (const o of outcomes) if (o.error) out.notice(undeliveredLine(o));
            return outcomes;
          } catch (e) {
            out.notice(`the install notification could not be delivered (${(e as Error).message}); it stays queued ("notifications send")`);
            return [];
          }
        };
        let dl;
        try {
          dl = await downloadProfile(
            d.es10,
            es9,
            { ...request, deviceInfo: d.deviceInfo, acceptPpr: globals.acceptPpr, deliverPendingInstalls: notify },
            {
              onProgress: progress,
              onTransaction: ({ transactionId, smdpAddress }) =>
                journal.update({ transactionId, transactionSmdpAddress: smdpAddress }, `download: started transaction ${transactionId} with ${smdpAddress}`),
              signal,
            },
          );
        } catch (e) {
          const err = toLpaError(e);
          if (err.code === 'PROFILE_ALREADY_DOWNLOADED' && uncancelled) {
            err.message += `. The last run stopped after the SM-DP+ had handed out the profile (transaction ${staleTx}) and the eUICC no longer holds that session, so it could not be cancelled; the SM-DP+ operator must release the profile`;
          }
          // cancelled cleanly (or never started): nothing left in flight
          if (err.details.cancel === undefined) journal.update({ transactionId: undefined, transactionSmdpAddress: undefined }, `download: failed (${err.code})`);
          // a failed installation is still reported to the SM-DP+ by its signed notification
          if (isLpaError(err, 'PROFILE_INSTALL_FAILED') && err.details.cancelReason === undefined && !signal.aborted) {
            await notifyInstall(typeof err.details.notificationSeq === 'number' ? err.details.notificationSeq : undefined);
          }
          throw err;
        }
        journal.update({ transactionId: undefined, transactionSmdpAddress: undefined }, `download: installed ${dl.iccid}`);
        stopIfInterrupted(`profile ${dl.iccid} is installed`, `its install notification stays queued ("notifications send")${enable ? ', and it was not enabled' : ''}`);
        const notifications = [...dl.earlierNotifications, ...(await notifyInstall(dl.notificationSeq))];
        let enabled = false;
        if (enable) {
          stopIfInterrupted(`profile ${dl.iccid} is installed`, 'it was not enabled');
          const op = await changeProfile(d.es10, d.modem, 'enable', dl.iccid, { ...(notify ? { notify: es9 } : {}), onProgress: (m, data) => out.progress('enable', m, data) });
          enabled = true;
          for (const w of op.warnings) out.notice(w);
          notifications.push(...(op.notifications ?? []));
        }
        const { requests: httpsRequests, tlsHandshakes } = es9.stats();
        // `requests` stays the transport's (QMI/MBIM messages, PC/SC transmits); HTTPS has its own name
        return { ...dl, enabled, notifications, stats: { ...d.stats(), httpsRequests, tlsHandshakes, wallMs: Date.now() - started } };
      }, out);
      const { metadata, earlierNotifications: _earlier, ...rest } = result;
      const name = metadata ? ` ("${metadata.profileName}", ${metadata.serviceProviderName})` : '';
      out.result(
        {
          ...rest,
          profile: metadata
            ? { iccid: metadata.iccid, serviceProviderName: metadata.serviceProviderName, profileName: metadata.profileName, profileClass: metadata.profileClass, ...(metadata.profilePolicyRules?.length ? { ppr: metadata.profilePolicyRules } : {}) }
            : { iccid: result.iccid },
        },
        `Profile ${result.iccid}${name} installed${result.resultReadable ? '' : ' (result not readable)'}${result.enabled ? ' and enabled' : ''}.`,
      );
    } finally {
      await pool?.close();
    }
  },
};
export default command;
