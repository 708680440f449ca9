// One measured download: fresh virtual eUICC, `serve-modem --link` on a pty (its own process) as
// the module's AT, QMI or MBIM port, the local SM-DP+ over TLS with the RTT model (in this
// process), and `lpa-agent --json download ... [--enable]` as a separate process (real serialport
// binding on AT; the QMI / MBIM driver on the pty, opened directly).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from './paths.mjs';
import { phaseTimes } from './phases.mjs';
import { jsonLines, runAgent, startAgent } from './proc.mjs';
import { networkFloorMs } from './stats.mjs';

const { startSmdp } = await import(join(DIST, 'src', 'sim', 'smdp', 'index.js'));
const { linkFloorMs, formatLinkSpec } = await import(join(DIST, 'drivers', 'virtual', 'link.js'));

function lastResult(text, what) {
  const last = jsonLines(text).at(-1);
  if (!last) throw new Error(`${what}: no JSON result\n${text.slice(-2000)}`);
  if (last.error) throw new Error(`${what} failed: ${last.error.code}: ${last.error.message}`);
  return last.data;
}

/** serve-modem option and --device value per transport. */
const PORTS = {
  at: { option: '--pty', device: (p) => p },
  qmi: { option: '--qmi', device: (p) => `qmi:${p}` },
  mbim: { option: '--mbim', device: (p) => `mbim:${p}` },
};

/**
 * Starts what one download needs: the SM-DP+ (in this process, unless `smdp` is given) and the
 * virtual module. Returns the agent's arguments and a `finish()` that stops the module and reads
 * its link tally and timeline.
 */
export async function prepareDownload(o, transport, smdpGiven) {
  const port = PORTS[transport];
  const dir = mkdtempSync(join(tmpdir(), 'lpa-bench-'));
  const smdp = smdpGiven ?? (await startSmdp({ rttMs: o.rttMs, latencyMs: o.serverLatencyMs, ...(o.profilesDir ? { profilesDir: o.profilesDir } : {}) }));
  let modem;
  const cleanup = async () => {
    if (modem) await modem.stop();
    modem = undefined;
    if (!smdpGiven) await smdp.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const pty = join(dir, 'modem');
  try {
    modem = await startAgent(
      ['--json', '--modem', o.vendor, 'serve-modem', port.option, pty, '--state', join(dir, 'euicc.json'), '--link', formatLinkSpec(o.link)],
      (out) => out.includes('ready on'),
    );
  } catch (e) {
    await cleanup();
    throw e;
  }
  const args = [
    '--json', '--device', port.device(pty), '--ca', smdp.caFile, '--connect-to', smdp.connectTo,
    'download', '--smdp', smdp.address, '--matching-id', o.profile, ...(o.enable === false ? [] : ['--enable']), '--journal', join(dir, 'journal-{eid}.json'),
  ];
  return {
    dir,
    smdp,
    args,
    usageFile: join(dir, 'usage.json'),
    async served() {
      const s = lastResult(await modem.stop(), 'serve-modem');
      modem = undefined;
      return s;
    },
    cleanup,
  };
}

/**
 * Turns one finished run into the bench's record: counters, the floors, wall, CPU, RSS, phases.
 * Only the SM-DP+ requests within the run's time window count for its phases.
 */
export function record(o, transport, { run, served, usage, smdpTimeline, smdpStats }) {
  const dl = lastResult(run.stdout, 'download');
  const s = dl.stats;
  const t = served.link;
  const counts = { ...s, authenticateServer: t.authenticateServer, prepareDownload: t.prepareDownload, bppSequences: t.bppSequences, installs: t.installs };
  // QMI / MBIM: the module latency per message the agent sent (its `requests`), no UART time
  const messages = s.requests ?? t.commands;
  const moduleMs = transport === 'at' ? linkFloorMs(o.link, counts) : linkFloorMs({ ...o.link, baud: 0 }, { ...counts, atCommands: messages });
  // the download result names ES9+ requests httpsRequests (`requests` is the transport's)
  const httpsRequests = s.httpsRequests ?? s.requests;
  const networkMs = networkFloorMs({ requests: httpsRequests, tlsHandshakes: s.tlsHandshakes }, o);
  const idealNetworkMs = networkFloorMs({ requests: httpsRequests, tlsHandshakes: 0 }, o);
  const simResets = dl.enabled ? 1 : 0;
  const floorMs = moduleMs + networkMs + simResets * o.simResetMs;
  const idealFloorMs = moduleMs + idealNetworkMs + simResets * o.simResetMs;
  const phases = phaseTimes({
    spawnAt: run.startedAt,
    exitAt: run.exitAt,
    events: usage.events ?? [],
    moduleTimeline: t.timeline ?? [],
    smdpTimeline: smdpTimeline.filter(([at]) => at >= run.startedAt && at <= run.exitAt),
    rttMs: o.rttMs,
    serverLatencyMs: o.serverLatencyMs,
    simResetMs: simResets * o.simResetMs,
  });
  return {
    ...(transport === 'at' ? { atCommands: s.atCommands } : { messages }),
    apdus: s.apdus,
    storeDataBlocks: s.storeDataBlocks,
    bppBlocks: t.bppBlocks,
    bppMinBlocks: t.bppMinBlocks,
    bppBytes: t.bppBytes,
    bppSequences: t.bppSequences + t.installs,
    bytesToModule: s.bytesToModule,
    bytesFromModule: s.bytesFromModule,
    httpsRequests,
    tlsHandshakes: s.tlsHandshakes,
    smdpRequests: smdpStats ? Object.values(smdpStats.requests).reduce((a, b) => a + b, 0) : undefined,
    smdpTlsConnections: smdpStats?.tlsConnections,
    wallMs: run.wallMs,
    agentWallMs: s.wallMs,
    floorMs,
    idealFloorMs,
    overheadMs: run.wallMs - idealFloorMs,
    floorModuleMs: moduleMs,
    floorNetworkMs: networkMs,
    idealNetworkMs,
    floorSimResetMs: simResets * o.simResetMs,
    modemDelayMs: t.totalMs,
    // spawn to the first command the module priced: node start-up, imports, opening the port
    firstCommandMs: t.timeline?.length ? t.timeline[0][0] - run.startedAt : undefined,
    cpuMs: (usage.userCpuUs + usage.systemCpuUs) / 1000,
    peakRssMb: (usage.vmHwmKb ?? usage.maxRssKb) / 1024,
    peakMemory: usage.peakMemory,
    phases,
  };
}

/**
 * @param {{ link: object, rttMs: number, serverLatencyMs: number, vendor: string, profile: string, simResetMs: number, enable?: boolean, nodeOptions: string[] }} o
 * @param {'at' | 'qmi' | 'mbim'} transport
 */
export async function downloadRun(o, transport = 'at') {
  const p = await prepareDownload(o, transport);
  try {
    const run = await runAgent(p.args, { usageFile: p.usageFile, nodeOptions: o.nodeOptions, env: { LPA_AGENT_WWAN_PROXY: 'never' } });
    const served = await p.served();
    const usage = JSON.parse(readFileSync(p.usageFile, 'utf8'));
    const smdpStats = p.smdp.stats();
    return record(o, transport, { run, served, usage, smdpTimeline: smdpStats.timeline, smdpStats });
  } finally {
    await p.cleanup();
  }
}
