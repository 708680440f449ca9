import { openProvider } from '../../agent/cloud.js';
import { formatDuration, loadCredentials, loadProvisionConfig, PROVISION_FLAGS } from '../../agent/config.js';
import { defaultLockPath, LockFile } from '../../agent/lock.js';
import { provision, type ProvisionReport } from '../../agent/provision.js';
import { LpaError } from '../../errors.js';
import { fromHex } from '../../util/hex.js';
import type { Command } from '../command.js';
import { decideAuto, openDevice, type Device } from '../device.js';
import { crashHook } from '../crash.js';
import { es9Pool } from '../es9.js';

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
  options: PROVISION_FLAGS,
  help: [
    'Options also come from LPA_AGENT_* variables and the JSON config file (flags win); see docs/configuration.md.',
    'Secrets only from the environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_API_KEY, TWILIO_API_SECRET,',
    'KORE_CLIENT_ID, KORE_CLIENT_SECRET) or an owner-only --credentials-file.',
    '',
    'Examples:',
    '  TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... lpa-agent --device /dev/ttyUSB2 provision --fleet my-fleet',
    '  lpa-agent --device /dev/ttyUSB2 provision --cloud backend --backend-url https://api.example.com/devices/{eid}/esim',
    '  lpa-agent --device /dev/ttyUSB2 provision --cloud smds          # no account: poll the root SM-DS for an event',
    '',
    '--cloud smds needs no credentials: the operator ordered the profile for the EID and registered an event',
    'at an SM-DS (--smds, default the eUICC\'s root SM-DS). The agent polls it (ES11) with backoff, from 3 s up',
    'to 2 min between polls, until an event appears or --timeout, then downloads with matching id = event id.',
    '',
    'Exit 0 when the profile is provisioned or already was; see "lpa-agent --help" for the other codes.',
  ].join('\n'),
  async run({ options, out, signal }) {
    const config = loadProvisionConfig({ options, env: process.env });
    const credentials = loadCredentials({ credentialsFile: config.credentialsFile, env: process.env });
    // no device configured: auto; decided before locking, so the lock is the chosen port's
    const deviceValue = config.device ?? 'auto';
    const autoChoice = deviceValue === 'auto' ? await decideAuto() : undefined;
    const lock = LockFile.acquire(config.lockFile ?? defaultLockPath(autoChoice ? autoChoice.candidates[0]!.device : deviceValue));
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    const onCheckpoint = crashHook();
    const pool = es9Pool({ ca: config.ca, connectTo: config.connectTo, ...(config.trace ? { trace: config.trace } : {}) });
    let device: Device | undefined;
    try {
      const from = config.sources.device;
      device = await openDevice(
        {
          device: deviceValue,
          deviceFrom: from.from === 'file' ? `config file ${from.name}` : from.name,
          ...(config.modem ? { modem: config.modem } : {}),
          baudRate: config.baud,
          ...(config.trace ? { trace: config.trace } : {}),
          ...(config.apduSize !== undefined ? { apduSize: config.apduSize } : {}),
          ...(config.imei !== undefined ? { imei: config.imei } : {}),
          ...(config.isdrAid !== undefined ? { isdrAid: fromHex(config.isdrAid, 'isdrAid') } : {}),
        },
        { progress: (step, message, data) => out.progress(step, message, data), ...(autoChoice ? { autoChoice } : {}) },
      );
      const report = await provision({
        device,
        journalPath: config.journal,
        openCloud: () =>
          openProvider(
            {
              ...(config.cloud ? { cloud: config.cloud } : {}),
              ...(config.cloudUrl ? { cloudUrl: config.cloudUrl } : {}),
              ...(config.fleet ? { fleet: config.fleet } : {}),
              ...(config.backendUrl ? { backendUrl: config.backendUrl } : {}),
              ...(config.backendTokenFile ? { backendTokenFile: config.backendTokenFile } : {}),
              ...(config.smds ? { smds: config.smds } : {}),
              deadlineMs: config.timeoutMs,
            },
            credentials,
            { es10: device!.es10, pool, deviceInfo: device!.deviceInfo },
          ),
        ...(config.fleet ? { fleet: config.fleet } : {}),
        pool,
        enable: config.enable,
        acceptPpr: config.acceptPpr,
        signal: combined,
        onProgress: (step, message, data) => out.progress(step, message, data),
        ...(onCheckpoint ? { onCheckpoint } : {}),
      });
      out.result(report, () => human(report));
    } catch (e) {
      if (timeout.aborted && !signal.aborted) {
        throw new LpaError('INTERRUPTED', `gave up after ${formatDuration(config.timeoutMs)} (--timeout); rerun to continue where it stopped`, {}, { cause: e });
      }
      throw e;
    } finally {
      await device?.close().catch(() => undefined);
      await pool.close();
      lock.release();
    }
  },
};
export default command;
