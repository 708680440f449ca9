import { openProvider } from '../../agent/cloud.js';
import { formatDuration, loadCredentials } from '../../agent/config.js';
import { provision, type ProvisionReport } from '../../agent/provision.js';
import { LpaError } from '../../errors.js';
import type { Command } from '../command.js';
import { openDevice, type Device } from '../device.js';
import { crashHook } from '../crash.js';
import { es9Pool, requestLog } from '../es9.js';
import { usableJournal } from '../journal.js';

const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;

function human(r: ProvisionReport): string {
  const head =
    r.status === 'already-provisioned'
      ? `Already provisioned: profile ${r.iccid} is ${r.enabled ? 'enabled' : 'installed'}; nothing to do.`
      : `Provisioned: profile ${r.iccid} ${r.enabled ? 'installed and enabled' : 'installed'}.`;
  const t = r.timingsMs;
  const c = r.counts;
  return [
    head,
    `  EID           ${r.eid}`,
    `  ICCID         ${r.iccid}`,
    ...(r.eventId ? [`  SM-DS event   ${r.eventId} at ${r.smdsAddress ?? '-'}`] : [`  ESimProfile   ${r.esimProfileSid ?? '-'}   Sim ${r.simSid ?? '-'}`]),
    `  SM-DP+        ${r.smdpAddress ?? '-'}`,
    `  done          ${r.done.join(', ') || '-'}${r.skipped.length ? `; skipped ${r.skipped.join(', ')}` : ''}`,
    `  notifications ${r.notifications.delivered} delivered${r.notifications.failed ? `, ${r.notifications.failed} still queued` : ''}`,
    `  took          ${seconds(t.total)} (${Object.entries(t)
      .filter(([k]) => k !== 'total')
      .map(([k, v]) => `${k} ${seconds(v)}`)
      .join(', ')})`,
    `  round trips   ${c.atCommands} AT commands, ${c.apdus} APDUs (${c.storeDataBlocks} STORE DATA), ${c.httpsRequests} HTTPS requests, ${c.tlsHandshakes} TLS handshake(s)`,
    `  journal       ${r.journal}`,
  ].join('\n');
}

const command: Command = {
  name: 'provision',
  summary: 'From a bare eUICC to an enabled profile: EID, SM-DP+ address from the cloud (or an SM-DS event), download, enable, notifications. Safe to rerun at any point.',
  usage: 'provision [--cloud twilio|kore|backend|smds] [--smds <address>] [--cloud-url <url>] [--fleet <sid|name>] [--no-enable] [--journal <file>] [--timeout <duration>] [--config <file>]',
  options: {},
  help: [
    'Options also come from LPA_AGENT_* variables and the JSON config file (flags win); see docs/configuration.md.',
    'Secrets only from the environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_API_KEY, TWILIO_API_SECRET,',
    'KORE_CLIENT_ID, KORE_CLIENT_SECRET) or an owner-only --credentials-file.',
    '',
    'Examples:',
    '  TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... lpa-agent --device /dev/ttyUSB2 provision --fleet my-fleet',
    '  lpa-agent --device /dev/ttyUSB2 provision --cloud backend --backend-url https://api.example.com/devices/{eid}/esim',
    '  lpa-agent --device /dev/ttyUSB2 provision --cloud smds          # no account: poll the root SM-DS for an event',
    '  lpa-agent --config /etc/lpa-agent/config.json provision      # as the systemd unit runs it',
    '',
    '--cloud smds needs no credentials: the operator ordered the profile for the EID and registered an event',
    'at an SM-DS (--smds, default the eUICC\'s root SM-DS). The agent polls it (ES11) with backoff, from 3 s up',
    'to 2 min between polls, until an event appears or --timeout, then downloads with matching id = event id.',
    '',
    'Exit 0 when the profile is provisioned or already was; see "lpa-agent --help" for the other codes.',
  ].join('\n'),
  async run({ globals, out, signal }) {
    const config = globals.config;
    const credentials = loadCredentials({ credentialsFile: config.credentialsFile, env: process.env });
    const journal = usableJournal(config, process.env, out);
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const onCheckpoint = crashHook();
    const pool = es9Pool(globals, out);
    const log = requestLog(globals, out);
    let device: Device | undefined;
    let step = '';
    let cloudKind: string | undefined;
    try {
      // no device configured: auto, decided before the lock is taken, so the lock is the chosen port's
      device = await openDevice(globals, { progress: (s, message, data) => out.progress(s, message, data) });
      const report = await provision({
        device,
        journalPath: journal,
        createJournalFolder: config.sources.journal.from === 'default',
        openCloud: () => {
          const opened = openProvider(
            {
              ...(config.cloud ? { cloud: config.cloud } : {}),
              ...(config.cloudUrl ? { cloudUrl: config.cloudUrl } : {}),
              ...(config.fleet ? { fleet: config.fleet } : {}),
              ...(config.backendUrl ? { backendUrl: config.backendUrl } : {}),
              ...(config.backendTokenFile ? { backendTokenFile: config.backendTokenFile } : {}),
              ...(config.smds ? { smds: config.smds } : {}),
              deadlineMs: config.timeoutMs,
              network: { caFiles: config.ca, ...(globals.proxy.url ? { proxy: globals.proxy } : {}) },
              ...(log ? { trace: (line: string) => log('cloud', line) } : {}),
            },
            credentials,
            { es10: device!.es10, pool, deviceInfo: device!.deviceInfo },
          );
          cloudKind = opened.kind;
          return opened;
        },
        ...(config.fleet ? { fleet: config.fleet } : {}),
        pool,
        enable: config.enable,
        acceptPpr: config.acceptPpr,
        signal: combined,
        onProgress: (s, message, data) => {
          step = s;
          out.progress(s, message, data);
        },
        onWarning: (message, data) => out.notice(message, data),
        ...(onCheckpoint ? { onCheckpoint } : {}),
      });
      out.result(report, () => human(report));
    } catch (e) {
      if (timeout.aborted && !signal.aborted) {
        // waiting for a Super SIM / backend reservation is the cloud's delay; an SM-DS event wait is ours
        if (step === 'cloud' && cloudKind !== 'smds') {
          throw new LpaError('CLOUD_TIMEOUT', `the cloud had no profile ready for this eUICC within ${formatDuration(config.timeoutMs)} (--timeout); rerun to keep waiting for the same reservation`, {}, { cause: e });
        }
        throw new LpaError('INTERRUPTED', `gave up after ${formatDuration(config.timeoutMs)} (--timeout); rerun to continue where it stopped`, {}, { cause: e });
      }
      throw e;
    } finally {
      await device?.close().catch(() => undefined);
      await pool.close();
    }
  },
};
export default command;
