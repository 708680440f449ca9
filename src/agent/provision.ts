/**
 * `provision`: from a bare eUICC to an enabled profile, resumable after any crash.
 *
 * 1 module (EID) -> 2 resume check -> 3 cloud (SM-DP+ address) -> 4 download -> 5 enable ->
 * 6 notifications -> 7 report. Every completed step and every identifier learned goes to the
 * journal first; a rerun checks the eUICC (and the cloud, which reuses the live reservation)
 * before acting, so a profile is never downloaded twice and never wasted.
 */

import type { ChannelStats, ModemControl } from '../apdu/channel.js';
import type { CloudAddress } from '../cloud/types.js';
import { LpaError, isLpaError, toLpaError } from '../errors.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import type { Es10Client } from '../es10/client.js';
import type { ProfileInfo } from '../es10/profilesInfo.js';
import { downloadProfile, type DownloadRequest } from '../lpa/download.js';
import type { Es9Pool } from '../lpa/es9.js';
import { knownSmdpAddress } from '../lpa/target.js';
import { deliverInstallResults, deliverNotifications, type DeliveryOutcome, undeliveredLine } from '../lpa/notifications.js';
import { changeProfile } from '../lpa/profileOps.js';
import { recoverInFlight } from './recover.js';
import type { OpenedProvider } from './cloud.js';
import { Journal, type StepName } from './journal.js';

export interface ProvisionDevice {
  es10: Es10Client;
  modem: ModemControl;
  stats(): ChannelStats;
  /** ctxParams1.deviceInfo of this device (default: the fallback TAC and capabilities). */
  deviceInfo?(): Promise<DeviceInfo>;
}

export interface ProvisionInput {
  device: ProvisionDevice;
  /** Journal path; `{eid}` is replaced by the EID. */
  journalPath: string;
  /** The journal path is the built-in default: its folder may be created (a configured one's may not). */
  createJournalFolder?: boolean;
  /** Opens the cloud provider; called only when the cloud is needed. */
  openCloud: () => OpenedProvider;
  fleet?: string;
  pool: Es9Pool;
  /** Enable the profile (default true). */
  enable?: boolean;
  /** For the SM-DP+ Default method, also store the address as the eUICC default (default true). */
  writeDefaultSmdp?: boolean;
  /** Download a profile whose policy rules need consent or are not in the eUICC's RAT. */
  acceptPpr?: boolean;
  signal?: AbortSignal;
  onProgress?: (step: string, message: string, data?: Record<string, unknown>) => void;
  /** Something the operator should know that does not stop the run (e.g. an ICCID that differs from the cloud's). */
  onWarning?: (message: string, data?: Record<string, unknown>) => void;
  /** Fault injection for crash tests: called at every progress event and step completion. */
  onCheckpoint?: (point: string) => void;
}

export interface ProvisionReport {
  status: 'provisioned' | 'already-provisioned';
  eid: string;
  iccid: string;
  esimProfileSid: string | null;
  simSid: string | null;
  smdpAddress: string | null;
  /** `cloud: smds`: the SM-DS and the event the profile was announced with. */
  smdsAddress: string | null;
  eventId: string | null;
  enabled: boolean;
  done: StepName[];
  skipped: StepName[];
  notifications: { delivered: number; failed: number };
  journal: string;
  timingsMs: Record<string, number>;
  counts: ChannelStats & { httpsRequests: number; tlsHandshakes: number };
}

/**
 * After a crash in the last steps of a download the profile may be installed although nothing
 * recorded it: its install notification (from this SM-DP+) is still pending on the eUICC.
 */
async function installedByLastRun(es10: Es10Client, profiles: ProfileInfo[], smdpAddress: string): Promise<ProfileInfo | undefined> {
  const host = smdpAddress.toLowerCase();
  const pending = await es10.listNotifications(['notificationInstall']);
  const n = pending.find((x) => x.iccid && x.notificationAddress.toLowerCase() === host && profiles.some((p) => p.iccid === x.iccid));
  return n ? profiles.find((p) => p.iccid === n.iccid) : undefined;
}

export async function provision(input: ProvisionInput): Promise<ProvisionReport> {
  const { device, pool } = input;
  const es10 = device.es10;
  const enable = input.enable ?? true;
  const timings: Record<string, number> = {};
  const done: StepName[] = [];
  const skipped: StepName[] = [];
  const started = Date.now();
  const counter = new Map<string, number>();
  const progress = (step: string, message: string, data?: Record<string, unknown>) => {
    const n = (counter.get(step) ?? 0) + 1;
    counter.set(step, n);
    input.onProgress?.(step, message, data);
    input.onCheckpoint?.(`${step}#${n}`);
  };
  const checkAbort = () => {
    if (input.signal?.aborted) throw toLpaError(input.signal.reason, 'INTERRUPTED', 'interrupted');
  };
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = (timings[name] ?? 0) + Date.now() - t0;
    }
  };

  // 1. module
  progress('module', 'reading the EID');
  const eid = await timed('module', () => es10.getEid());
  const journal = Journal.open(input.journalPath.replaceAll('{eid}', eid), eid, { createFolder: input.createJournalFolder ?? false });
  progress('module', `EID ${eid}`, { eid, journal: journal.path });
  const complete = (step: StepName, note?: string) => {
    journal.complete(step, note);
    input.onCheckpoint?.(`done:${step}`);
  };
  if (!journal.done('module')) complete('module', `EID ${eid}`);

  // a download the last run left in flight: cancel it on both sides so the SM-DP+ releases the profile
  const recovered = journal.snapshot.transactionId !== undefined;
  let uncancelled: string | undefined;
  if (recovered) {
    const tx = journal.snapshot.transactionId;
    const note = await timed('recover', () => recoverInFlight(es10, pool, journal, progress));
    if (note) uncancelled = tx;
  }

  // 2. what does the eUICC already hold?
  let profiles = await timed('check', () => es10.listProfiles());
  const find = (iccid: string | undefined): ProfileInfo | undefined => (iccid ? profiles.find((p) => p.iccid === iccid) : undefined);
  let target = find(journal.snapshot.iccid);
  const finished = target && journal.done('download') && (!enable || target.state === 'enabled');
  if (finished) progress('check', `profile ${target!.iccid} is already installed${enable ? ' and enabled' : ''}: already provisioned`);
  checkAbort();

  // 3. cloud
  let cloud: OpenedProvider | undefined;
  /** The ICCID the cloud named for this reservation, if it named one. */
  let cloudIccid: string | undefined;
  try {
    if (!target) {
      cloud = input.openCloud();
      const source = cloud.kind === 'backend' ? 'maker backend' : cloud.kind === 'smds' ? 'SM-DS (event retrieval, ES11)' : `Super SIM API (${cloud.kind})`;
      progress('cloud', `asking the ${source} for the SM-DP+ address`);
      const addr: CloudAddress = await timed('cloud', () =>
        cloud!.provider.getAddress(eid, {
          ...(input.fleet ? { fleet: input.fleet } : {}),
          ...(input.signal ? { signal: input.signal } : {}),
          onProgress: (p) => progress('cloud', p.message, { step: p.step, ...(p.esimProfileSid ? { esimProfileSid: p.esimProfileSid } : {}) }),
        }),
      );
      journal.update(
        {
          smdpAddress: addr.smdpAddress,
          matchingId: addr.matchingId,
          activationCode: addr.activationCode,
          esimProfileSid: addr.esimProfileSid ?? journal.snapshot.esimProfileSid,
          simSid: addr.simSid ?? journal.snapshot.simSid,
          iccid: addr.iccid ?? journal.snapshot.iccid,
          smdsAddress: addr.smdsAddress ?? journal.snapshot.smdsAddress,
          eventId: addr.eventId ?? journal.snapshot.eventId,
        },
        `cloud: ${addr.smdpAddress}${addr.esimProfileSid ? ` (${addr.esimProfileSid})` : ''}${addr.eventId ? ` (SM-DS event ${addr.eventId} at ${addr.smdsAddress})` : ''}`,
      );
      cloudIccid = addr.iccid;
      complete('cloud');
      done.push('cloud');
      target = find(addr.iccid) ?? (recovered ? await installedByLastRun(es10, profiles, addr.smdpAddress) : undefined);
      if (target) {
        journal.update({ iccid: target.iccid }, `found ${target.iccid} installed`);
        progress('check', `profile ${target.iccid} of this reservation is already on the eUICC; no download needed`);
      }
    } else {
      skipped.push('cloud');
    }
    checkAbort();

    const installOutcomes: DeliveryOutcome[] = [];
    const sendInstallResult = async (seq: number | undefined): Promise<void> => {
      await timed('notifications', async () => {
        try {
          installOutcomes.push(...(await deliverInstallResults(es10, pool, seq, (m, d) => progress('notifications', m, d))));
        } catch (e) {
          progress('notifications', `the install notification could not be delivered (${(e as Error).message}); it stays queued for the next run`);
        }
      });
    };

    // 4. download
    if (!target) {
      const j = journal.snapshot;
      const request: DownloadRequest = {};
      if (j.activationCode) request.activationCode = j.activationCode;
      else {
        request.smdpAddress = j.smdpAddress!;
        if (j.matchingId) request.matchingId = j.matchingId;
        else if (input.writeDefaultSmdp ?? true) {
          progress('download', `storing ${j.smdpAddress} as the eUICC default SM-DP+ address`);
          await es10.setDefaultDpAddress(j.smdpAddress!);
        }
      }
      if (device.deviceInfo) request.deviceInfo = () => device.deviceInfo!();
      if (input.acceptPpr) request.acceptPpr = true;
      // the TLS connection opens while the eUICC answers its challenge and EUICCInfo1
      const early = knownSmdpAddress(request);
      if (early !== undefined) pool.get(early).preconnect();
      const dl = await timed('download', () =>
        downloadProfile(es10, pool, request, {
          onProgress: (step, m, d) => progress(step, m, d),
          onTransaction: ({ transactionId, smdpAddress }) =>
            journal.update({ transactionId, transactionSmdpAddress: smdpAddress }, `download started, transaction ${transactionId}`),
          ...(input.signal ? { signal: input.signal } : {}),
        }).catch(async (e: unknown) => {
          const err = toLpaError(e);
          if (err.code === 'PROFILE_ALREADY_DOWNLOADED' && uncancelled) {
            const sid = journal.snapshot.esimProfileSid;
            err.message += `. The last run stopped after the SM-DP+ had handed out the profile (transaction ${uncancelled}) and the eUICC no longer holds that session, so it could not be cancelled; the SM-DP+ operator must release the profile${sid ? ` (ESimProfile ${sid})` : ''}`;
          }
          // cancelled cleanly (or ended by the eUICC): nothing left in flight
          if (err.details.cancel === undefined) journal.update({ transactionId: undefined, transactionSmdpAddress: undefined }, `download failed: ${err.code}`);
          // the eUICC refused the profile: its signed result tells the SM-DP+ at once (not left queued)
          if (err.code === 'PROFILE_INSTALL_FAILED' && err.details.cancelReason === undefined) {
            await sendInstallResult(typeof err.details.notificationSeq === 'number' ? err.details.notificationSeq : undefined);
          }
          throw err;
        }),
      );
      journal.update({ iccid: dl.iccid, transactionId: undefined, transactionSmdpAddress: undefined }, `installed ${dl.iccid}`);
      if (cloudIccid !== undefined && cloudIccid !== dl.iccid) {
        input.onWarning?.(
          `the cloud named ICCID ${cloudIccid} for this reservation, but the eUICC installed ${dl.iccid}; check the reservation (ESimProfile ${journal.snapshot.esimProfileSid ?? '?'})`,
          { cloudIccid, installedIccid: dl.iccid },
        );
      }
      complete('download');
      done.push('download');
      // the install result goes to the SM-DP+ right after the load, before the profile switch takes
      // the bootstrap connectivity away
      await sendInstallResult(dl.notificationSeq);
      profiles = await es10.listProfiles();
      target = find(dl.iccid);
      if (!target) throw new LpaError('PROFILE_NOT_FOUND', `the eUICC reported ${dl.iccid} installed but does not list it`);
    } else {
      if (!journal.done('download')) complete('download', `found ${target.iccid} installed`);
      skipped.push('download');
    }
    checkAbort();

    // 5. enable
    let enabled = target.state === 'enabled';
    if (enable && !enabled) {
      await timed('enable', async () => {
        const op = await changeProfile(es10, device.modem, 'enable', target!.iccid!, { onProgress: (m, d) => progress('enable', m, d) });
        for (const w of op.warnings) progress('enable', w);
        profiles = await es10.listProfiles();
      });
      enabled = find(target.iccid)?.state === 'enabled';
      if (!enabled) throw new LpaError('ES10_RESULT', `profile ${target.iccid} did not stay enabled after the SIM restart`, { iccid: target.iccid });
      complete('enable', `enabled ${target.iccid}`);
      done.push('enable');
    } else {
      if (enable && !journal.done('enable')) complete('enable', `${target.iccid} already enabled`);
      skipped.push('enable');
    }

    // 6. notifications (the enable's, and any left from earlier runs)
    const later = await timed('notifications', () =>
      deliverNotifications(es10, pool, { onProgress: (m, d) => progress('notifications', m, d) }).catch((e: unknown) => {
        progress('notifications', `pending notifications could not be read (${(e as Error).message}); they stay queued for the next run`);
        return [] as DeliveryOutcome[];
      }),
    );
    const outcomes = [...installOutcomes, ...later];
    const failed = outcomes.filter((o) => o.error);
    for (const f of failed) progress('notifications', undeliveredLine(f));
    if (outcomes.length === 0) skipped.push('notifications');
    else done.push('notifications');
    if (failed.length === 0) complete('notifications');

    // 7. report
    const j = journal.snapshot;
    const stats = device.stats();
    const es9 = pool.stats();
    timings.total = Date.now() - started;
    return {
      status: done.includes('download') || done.includes('enable') ? 'provisioned' : 'already-provisioned',
      eid,
      iccid: target.iccid!,
      esimProfileSid: j.esimProfileSid ?? null,
      simSid: j.simSid ?? null,
      smdpAddress: j.smdpAddress ?? null,
      smdsAddress: j.smdsAddress ?? null,
      eventId: j.eventId ?? null,
      enabled,
      done,
      skipped,
      notifications: { delivered: outcomes.length - failed.length, failed: failed.length },
      journal: journal.path,
      timingsMs: timings,
      counts: { ...stats, httpsRequests: es9.requests, tlsHandshakes: es9.tlsHandshakes },
    };
  } catch (e) {
    if (isLpaError(e, 'INTERRUPTED')) journal.update({}, 'interrupted');
    throw e;
  } finally {
    await cloud?.close().catch(() => undefined);
  }
}
