import { isLpaError } from '../../errors.js';
import { downloadProfile, type DownloadRequest } from '../../lpa/download.js';
import { deliverInstallResults, type DeliveryOutcome, undeliveredLine } from '../../lpa/notifications.js';
import { changeProfile } from '../../lpa/profileOps.js';
import { bool, str } from '../args.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';

const command: Command = {
  name: 'download',
  summary: 'Download a profile from an SM-DP+ into the eUICC (SGP.22), deliver the install notification, optionally enable it.',
  usage: 'download [--smdp <address>] [--matching-id <id>] [--activation-code <LPA:1$...>] [--confirmation-code <cc>] [--enable]',
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
    'Against the local SM-DP+ (lpa-agent serve-smdp):',
    '  lpa-agent --device virtual --ca data/pki/sgp26/ci/CERT_CI_ECDSA_NIST.pem \\',
    '    --connect-to testsmdpplus1.example.com:443:127.0.0.1:8443 download \\',
    '    --smdp testsmdpplus1.example.com --matching-id TS48V2-SAIP2-1-BERTLV-UNIQUE --enable',
  ].join('\n'),
  async run({ globals, options, out, signal }) {
    const request: DownloadRequest = {};
    const smdp = str(options, 'smdp');
    const matchingId = str(options, 'matching-id');
    const activationCode = str(options, 'activation-code');
    const confirmationCode = str(options, 'confirmation-code');
    if (smdp !== undefined) request.smdpAddress = smdp;
    if (matchingId !== undefined) request.matchingId = matchingId;
    if (activationCode !== undefined) request.activationCode = activationCode;
    if (confirmationCode !== undefined) request.confirmationCode = confirmationCode;
    const enable = bool(options, 'enable') ?? false;
    const notify = bool(options, 'notify') ?? true;
    const started = Date.now();
    // the HTTPS stack (undici) loads while the module opens and answers its first commands
    const poolLoading = import('../es9.js').then((m) => m.es9Pool(globals));
    poolLoading.catch(() => undefined);
    let pool: Awaited<typeof poolLoading> | undefined;
    try {
      const result = await withDevice(globals, async (d) => {
        pool = await poolLoading;
        const es9 = pool;
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
            { onProgress: (step, m, data) => out.progress(step, m, data), signal },
          );
        } catch (e) {
          // a failed installation is still reported to the SM-DP+ by its signed notification
          if (isLpaError(e, 'PROFILE_INSTALL_FAILED') && e.details.cancelReason === undefined) {
            await notifyInstall(typeof e.details.notificationSeq === 'number' ? e.details.notificationSeq : undefined);
          }
          throw e;
        }
        const notifications = [...dl.earlierNotifications, ...(await notifyInstall(dl.notificationSeq))];
        let enabled = false;
        if (enable) {
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
