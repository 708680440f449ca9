import { defaultDownloadJournal, journaledDownload, openDownloadJournal } from '../../agent/downloadJournal.js';
import type { Journal } from '../../agent/journal.js';
import { LpaError, isLpaError, toLpaError } from '../../errors.js';
import { parseSmdpAddress } from '../../es9p/address.js';
import { matchingIdProblem, parseActivationCode } from '../../lpa/activationCode.js';
import type { DownloadRequest, DownloadResult } from '../../lpa/download.js';
import { discoverEvents } from '../../lpa/discovery.js';
import type { Es9Pool } from '../../lpa/es9.js';
import { deliverInstallResults, type DeliveryOutcome, undeliveredLine } from '../../lpa/notifications.js';
import { changeProfile } from '../../lpa/profileOps.js';
import { knownSmdpAddress } from '../../lpa/target.js';
import { bool, str } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { crashHook, withCheckpoints } from '../crash.js';
import { withDevice, type Device } from '../device.js';
import { usableJournal } from '../journal.js';

/** Checks what can be checked before anything is opened or sent: a usage error names the option. */
function readRequest(options: CommandContext['options']): DownloadRequest {
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

/** One profile download with its install result delivered right after the load (unless --no-notify). */
type Progress = (step: string, message: string, data?: Record<string, unknown>) => void;

async function downloadOne(
  ctx: CommandContext,
  progress: Progress,
  d: Device,
  es9: Es9Pool,
  journal: Journal | undefined,
  request: DownloadRequest,
  notify: boolean,
  note?: string,
  uncancelled?: string,
): Promise<DownloadResult & { notifications: DeliveryOutcome[] }> {
  const { out, globals, signal } = ctx;
  const notifyInstall = async (seq: number | undefined): Promise<DeliveryOutcome[]> => {
    if (!notify) return [];
    try {
      const outcomes = await deliverInstallResults(d.es10, es9, seq, (m, data) => progress('notify', m, data));
      for (const o of outcomes) if (o.error) out.notice(undeliveredLine(o));
      return outcomes;
    } catch (e) {
      out.notice(`the install notification could not be delivered (${(e as Error).message}); it stays queued ("notifications send")`);
      return [];
    }
  };
  let dl: DownloadResult;
  try {
    dl = await journaledDownload(
      d.es10,
      es9,
      journal,
      { ...request, deviceInfo: d.deviceInfo, acceptPpr: globals.acceptPpr, deliverPendingInstalls: notify },
      { onProgress: (step, m, data) => progress(step, m, data), signal },
      note,
    );
  } catch (e) {
    const err = toLpaError(e);
    if (err.code === 'PROFILE_ALREADY_DOWNLOADED' && uncancelled) {
      err.message += `. The last run stopped after the SM-DP+ had handed out the profile (transaction ${uncancelled}) and the eUICC no longer holds that session, so it could not be cancelled; the SM-DP+ operator must release the profile`;
    }
    // a failed installation is still reported to the SM-DP+ by its signed notification
    if (isLpaError(err, 'PROFILE_INSTALL_FAILED') && err.details.cancelReason === undefined && !signal.aborted) {
      await notifyInstall(typeof err.details.notificationSeq === 'number' ? err.details.notificationSeq : undefined);
    }
    throw err;
  }
  // a signal during the load: the load finished (stopping it would lose the profile); stop now
  stopIfInterrupted(signal, `profile ${dl.iccid} is installed`, 'its install notification stays queued ("notifications send")');
  return { ...dl, notifications: [...dl.earlierNotifications, ...(await notifyInstall(dl.notificationSeq))] };
}

/** After a signal, stops at a safe point, saying what is done and what is left (INTERRUPTED, exit 8). */
function stopIfInterrupted(signal: AbortSignal, done: string, left: string): void {
  if (!signal.aborted) return;
  const reason = toLpaError(signal.reason, 'INTERRUPTED', 'interrupted');
  throw new LpaError('INTERRUPTED', `${reason.message}: ${done}; ${left}`, { ...reason.details });
}

function profileView(result: DownloadResult): Record<string, unknown> {
  const m = result.metadata;
  return m
    ? { iccid: m.iccid, serviceProviderName: m.serviceProviderName, profileName: m.profileName, profileClass: m.profileClass, ...(m.profilePolicyRules?.length ? { ppr: m.profilePolicyRules } : {}) }
    : { iccid: result.iccid };
}

const command: Command = {
  name: 'download',
  summary: 'Download a profile from an SM-DP+ (or every profile an SM-DS announces) into the eUICC (SGP.22), deliver the install notification, optionally enable it.',
  usage: 'download [--smdp <address>] [--matching-id <id>] [--activation-code <LPA:1$...>] [--confirmation-code <cc>] [--enable] | --from-smds [--smds <address>] [--enable]',
  options: {
    smdp: { type: 'string', arg: '<address>', description: 'SM-DP+ address (host[:port]); default: the eUICC default SM-DP+' },
    'matching-id': { type: 'string', arg: '<id>', description: 'matching id of the order (empty: profile bound to the EID)' },
    'activation-code': { type: 'string', arg: '<code>', description: 'activation code, e.g. LPA:1$smdp.example.com$MATCHING-ID' },
    'confirmation-code': { type: 'string', arg: '<cc>', description: 'confirmation code when the order needs one' },
    'from-smds': { type: 'boolean', description: 'ask the SM-DS for pending events and download each one (matching id = event id, from its SM-DP+)' },
    enable: { type: 'boolean', description: 'enable the profile after installing it (with --from-smds: the last one installed)' },
    notify: { type: 'boolean', description: 'deliver the notifications (default; --no-notify leaves them queued)' },
  },
  help: [
    'Examples:',
    '  lpa-agent --device /dev/ttyUSB2 download --activation-code \'LPA:1$sm-dp-plus.example.com$ABCD-1234\'',
    '  lpa-agent --device /dev/ttyUSB2 download --smdp sm-dp-plus.example.com --matching-id ABCD-1234 --enable',
    '  lpa-agent --device /dev/ttyUSB2 download          # SM-DP+ Default: eUICC default address, profile bound to the EID',
    '  lpa-agent --device /dev/ttyUSB2 download --from-smds --enable   # whatever the root SM-DS announces',
    '',
    'The transaction in flight is journaled (--journal; default download-{eid}.json beside provision\'s journal):',
    'a rerun after a crash cancels the stale session on the eUICC and the SM-DP+ first. A signal (Ctrl-C,',
    'SIGTERM, SIGHUP) stops at the next safe point; during the profile load that is its end (exit 8, the',
    'profile installed, its notification queued).',
    '',
    '--from-smds runs the SM-DS event retrieval (see "discover") and downloads every event, each with the',
    'same guarantees as a single download (checks, cancel on failure, install result delivered at once). One',
    'event failing does not stop the others; the exit code is the first failure\'s. No event: exit 0.',
    '',
    'Against the local SM-DP+ (lpa-agent serve-smdp):',
    '  lpa-agent --device virtual --ca data/pki/sgp26/ci/CERT_CI_ECDSA_NIST.pem \\',
    '    --connect-to testsmdpplus1.example.com:443:127.0.0.1:8443 download \\',
    '    --smdp testsmdpplus1.example.com --matching-id TS48V2-SAIP2-1-BERTLV-UNIQUE --enable',
  ].join('\n'),
  async run(ctx) {
    const { globals, options, out, signal } = ctx;
    // every progress event is also a checkpoint for the crash/resume tests (LPA_AGENT_TEST_CRASH_AT)
    const progress: Progress = withCheckpoints((step: string, m: string, data?: Record<string, unknown>) => out.progress(step, m, data), crashHook());
    const request = readRequest(options);
    const fromSmds = bool(options, 'from-smds') ?? false;
    // --smds is the `smds` key (LPA_AGENT_SMDS, config "smds"): the SM-DS of --from-smds; a single
    // download ignores a configured one, but --smds on its command line is a mistake worth naming
    const smds = globals.config.smds;
    if (fromSmds && (request.smdpAddress !== undefined || request.matchingId !== undefined || request.activationCode !== undefined)) {
      throw new LpaError('USAGE', '--from-smds takes the SM-DP+ and matching id from the SM-DS events: drop --smdp, --matching-id and --activation-code');
    }
    if (smds !== undefined && !fromSmds && globals.config.sources.smds.from === 'flag') throw new LpaError('USAGE', '--smds goes with --from-smds (or use "discover --smds")');
    const enable = bool(options, 'enable') ?? false;
    const notify = bool(options, 'notify') ?? true;
    // the journal: the one configured (--journal, LPA_AGENT_JOURNAL, "journal"), else download-{eid}.json
    // beside provision's (for a user who may not write there: in ~/.local/state/lpa-agent)
    const configured = globals.config.sources.journal.from !== 'default';
    const journalPath = configured
      ? globals.config.journal
      : usableJournal({ journal: defaultDownloadJournal(globals.device), sources: globals.config.sources }, process.env, out);
    const started = Date.now();
    // the SM-DP+ connection (DNS, TCP, TLS) opens while the module opens and answers its first
    // commands: by initiateAuthentication it is ready, and it stays for the notifications
    const early = fromSmds ? undefined : knownSmdpAddress(request);
    const poolLoading = import('../es9.js').then((m) => {
      const p = m.es9Pool(globals, out);
      if (early !== undefined) p.get(early).preconnect();
      return p;
    });
    poolLoading.catch(() => undefined);
    let pool: Awaited<typeof poolLoading> | undefined;
    try {
      const result = await withDevice(globals, async (d) => {
        pool = await poolLoading;
        const es9 = pool;
        const eid = await d.es10.getEid();
        const { journal, uncancelled } = await openDownloadJournal(journalPath, eid, d.es10, es9, progress, {
          required: configured,
          onUnavailable: (why) => out.notice(`no download journal (${why}); an interrupted download is then only cancelled by SIGINT/SIGTERM`),
        });
        const stats = () => {
          const { requests: httpsRequests, tlsHandshakes } = es9.stats();
          // `requests` stays the transport's (QMI/MBIM messages, PC/SC transmits); HTTPS has its own name
          return { ...d.stats(), httpsRequests, tlsHandshakes, wallMs: Date.now() - started };
        };
        const enableIt = async (iccid: string, notifications: DeliveryOutcome[]): Promise<void> => {
          const op = await changeProfile(d.es10, d.modem, 'enable', iccid, { ...(notify ? { notify: es9 } : {}), onProgress: (m, data) => progress('enable', m, data) });
          for (const w of op.warnings) out.notice(w);
          notifications.push(...(op.notifications ?? []));
        };
        if (!fromSmds) {
          if (request.matchingId !== undefined && request.smdpAddress === undefined && request.activationCode === undefined) {
            const { defaultDpAddress } = await d.es10.getConfiguredAddresses();
            if (!defaultDpAddress) throw new LpaError('USAGE', '--matching-id without --smdp needs a default SM-DP+ address on the eUICC, and it has none: add --smdp <address>');
            out.notice(`no --smdp given: using the eUICC's default SM-DP+ address ${defaultDpAddress}`, { smdpAddress: defaultDpAddress });
            request.smdpAddress = defaultDpAddress;
          }
          const dl = await downloadOne(ctx, progress, d, es9, journal, request, notify, undefined, uncancelled);
          const notifications = [...dl.notifications];
          if (enable) {
            stopIfInterrupted(signal, `profile ${dl.iccid} is installed`, 'it was not enabled');
            await enableIt(dl.iccid, notifications);
          }
          return { kind: 'single' as const, dl, enabled: enable, notifications, stats: stats() };
        }
        const found = await discoverEvents(d.es10, es9, { ...(smds !== undefined ? { smdsAddress: smds } : {}), deviceInfo: d.deviceInfo }, {
          onProgress: (step, m, data) => progress(step, m, data),
          signal,
        });
        const downloads: (Awaited<ReturnType<typeof downloadOne>> & { eventId: string })[] = [];
        const failures: { eventId: string; rspServerAddress: string; error: LpaError }[] = [];
        const notifications: DeliveryOutcome[] = [];
        for (const ev of found.events) {
          if (signal.aborted) break;
          progress('event', `event ${ev.eventId}: downloading from ${ev.rspServerAddress}`, { eventId: ev.eventId, smdpAddress: ev.rspServerAddress });
          try {
            const dl = await downloadOne(ctx, progress, d, es9, journal, { smdpAddress: ev.rspServerAddress, matchingId: ev.eventId }, notify, `SM-DS event ${ev.eventId}`, uncancelled);
            downloads.push({ ...dl, eventId: ev.eventId });
            notifications.push(...dl.notifications);
          } catch (e) {
            const error = toLpaError(e);
            failures.push({ eventId: ev.eventId, rspServerAddress: ev.rspServerAddress, error });
            if (error.code === 'INTERRUPTED') break;
            out.notice(`event ${ev.eventId} (${ev.rspServerAddress}) not downloaded: ${error.message}`);
          }
        }
        const last = downloads.at(-1);
        if (enable && last) await enableIt(last.iccid, notifications);
        return { kind: 'smds' as const, smdsAddress: found.smdsAddress, events: found.events, downloads, failures, enabled: enable && last !== undefined, notifications, stats: stats() };
      }, out);

      if (result.kind === 'single') {
        const { metadata, earlierNotifications: _earlier, notifications: _n, ...rest } = result.dl;
        const name = metadata ? ` ("${metadata.profileName}", ${metadata.serviceProviderName})` : '';
        out.result(
          { ...rest, enabled: result.enabled, notifications: result.notifications, stats: result.stats, profile: profileView(result.dl) },
          `Profile ${result.dl.iccid}${name} installed${result.dl.resultReadable ? '' : ' (result not readable)'}${result.enabled ? ' and enabled' : ''}.`,
        );
        return;
      }
      const first = result.failures[0];
      if (first) {
        const done = result.downloads.map((x) => x.iccid);
        first.error.message = `${result.failures.length} of ${result.events.length} SM-DS event(s) not downloaded; first: event ${first.eventId} from ${first.rspServerAddress}: ${first.error.message}${done.length > 0 ? ` (installed: ${done.join(', ')})` : ''}`;
        first.error.details.eventId = first.eventId;
        first.error.details.installed = done;
        throw first.error;
      }
      const downloads = result.downloads.map(({ metadata: _m, earlierNotifications: _e, notifications: _n, ...rest }) => ({ ...rest, profile: profileView({ ...rest, metadata: _m, earlierNotifications: _e }) }));
      out.result(
        {
          smdsAddress: result.smdsAddress,
          events: result.events,
          downloads,
          // the last profile installed, in the shape of a single download (lpac output)
          ...(downloads.at(-1) ? { iccid: downloads.at(-1)!.iccid, notificationSeq: downloads.at(-1)!.notificationSeq } : {}),
          enabled: result.enabled,
          notifications: result.notifications,
          stats: result.stats,
        },
        result.downloads.length === 0
          ? `No events for this eUICC at ${result.smdsAddress}: nothing to download.`
          : result.downloads.map((x) => `Profile ${x.iccid} installed (SM-DS event ${x.eventId}, ${x.smdpAddress})`).join('\n') + (result.enabled ? `\nProfile ${result.downloads.at(-1)!.iccid} enabled.` : ''),
      );
    } finally {
      // the pool, also when the device never opened (its early connection is closed too)
      await (pool ?? (await poolLoading.catch(() => undefined)))?.close();
    }
  },
};
export default command;
