// One measured download: fresh virtual eUICC, `serve-modem --link` on a pty (its own process) as
// the module's AT, QMI or MBIM port, the local SM-DP+ over TLS with the RTT model (in this
// process), and `lpa-agent --json download ... --enable` as a separate process (real serialport
// binding on AT; the QMI / MBIM driver on the pty, opened directly).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from './paths.mjs';
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
 * @param {{ link: object, rttMs: number, serverLatencyMs: number, vendor: string, profile: string, simResetMs: number }} o
 * @param {'at' | 'qmi' | 'mbim'} transport
 */
export async function downloadRun(o, transport = 'at') {
  const port = PORTS[transport];
  const dir = mkdtempSync(join(tmpdir(), 'lpa-bench-'));
  const smdp = await startSmdp({ rttMs: o.rttMs, latencyMs: o.serverLatencyMs });
  let modem;
  try {
    const pty = join(dir, 'modem');
    modem = await startAgent(
      ['--json', '--modem', o.vendor, 'serve-modem', port.option, pty, '--state', join(dir, 'euicc.json'), '--link', formatLinkSpec(o.link)],
      (out) => out.includes('ready on'),
    );
    const usageFile = join(dir, 'usage.json');
    const run = await runAgent(
      ['--json', '--device', port.device(pty), '--ca', smdp.caFile, '--connect-to', smdp.connectTo, 'download', '--smdp', smdp.address, '--matching-id', o.profile, '--enable'],
      { usageFile, nodeOptions: o.nodeOptions, env: { LPA_AGENT_WWAN_PROXY: 'never' } },
    );
    const dl = lastResult(run.stdout, 'download');
    const served = lastResult(await modem.stop(), 'serve-modem');
    modem = undefined;
    const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
    const s = dl.stats;
    const t = served.link;
    const counts = { ...s, authenticateServer: t.authenticateServer, prepareDownload: t.prepareDownload, bppSequences: t.bppSequences, installs: t.installs };
    // QMI / MBIM: the module latency per message the agent sent (its `requests`), no UART time
    const messages = s.requests ?? t.commands;
    const moduleMs = transport === 'at' ? linkFloorMs(o.link, counts) : linkFloorMs({ ...o.link, baud: 0 }, { ...counts, atCommands: messages });
    // the download result names ES9+ requests httpsRequests (`requests` is the transport's)
    const httpsRequests = s.httpsRequests ?? s.requests;
    const networkMs = networkFloorMs({ requests: httpsRequests, tlsHandshakes: s.tlsHandshakes }, o);
    const simResets = dl.enabled ? 1 : 0;
    const floorMs = moduleMs + networkMs + simResets * o.simResetMs;
    return {
      ...(transport === 'at' ? { atCommands: s.atCommands } : { messages }),
      apdus: s.apdus,
      storeDataBlocks: s.storeDataBlocks,
      bppBlocks: t.bppBlocks,
      bppMinBlocks: t.bppMinBlocks,
      bppSequences: t.bppSequences + t.installs,
      bytesToModule: s.bytesToModule,
      bytesFromModule: s.bytesFromModule,
      httpsRequests,
      tlsHandshakes: s.tlsHandshakes,
      smdpRequests: Object.values(smdp.stats().requests).reduce((a, b) => a + b, 0),
      smdpTlsConnections: smdp.stats().tlsConnections,
      wallMs: run.wallMs,
      agentWallMs: s.wallMs,
      floorMs,
      floorModuleMs: moduleMs,
      floorNetworkMs: networkMs,
      floorSimResetMs: simResets * o.simResetMs,
      modemDelayMs: t.totalMs,
      cpuMs: (usage.userCpuUs + usage.systemCpuUs) / 1000,
      peakRssMb: (usage.vmHwmKb ?? usage.maxRssKb) / 1024,
    };
  } finally {
    if (modem) await modem.stop();
    await smdp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
