// The bench-rig case: N agents at once, each with its own virtual module (serve-modem process) and
// its own SM-DP+ order, all started together; each agent's wall against the single-run wall.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDownload, record } from './download.mjs';
import { DIST } from './paths.mjs';
import { runAgent } from './proc.mjs';

const { startSmdp } = await import(join(DIST, 'src', 'sim', 'smdp', 'index.js'));

/**
 * One rig run: `agents` downloads over AT at once. Each agent has its own SM-DP+ (all in this
 * process, like one SM-DP+ serving several devices: every virtual eUICC has the same EID and each
 * order is single-use, so one SM-DP+ per agent keeps them apart). Returns the records, and the CPU
 * the whole rig used (agents, modules, SM-DP+) for the report.
 */
export async function rigRun(o, agents) {
  const smdps = await Promise.all(Array.from({ length: agents }, () => startSmdp({ rttMs: o.rttMs, latencyMs: o.serverLatencyMs })));
  const prepared = [];
  try {
    for (const smdp of smdps) prepared.push(await prepareDownload(o, 'at', smdp));
    const benchCpuBefore = process.cpuUsage();
    const runs = await Promise.all(
      prepared.map((p) => runAgent(p.args, { usageFile: p.usageFile, nodeOptions: o.nodeOptions, env: { LPA_AGENT_WWAN_PROXY: 'never' } })),
    );
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const records = [];
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i];
      if (runs[i].code !== 0) throw new Error(`rig agent ${i + 1} exited ${runs[i].code}: ${runs[i].stdout.slice(-500)}${runs[i].stderr.slice(-500)}`);
      const served = await p.served();
      const usage = JSON.parse(readFileSync(p.usageFile, 'utf8'));
      const smdpStats = smdps[i].stats();
      records.push(record(o, 'at', { run: runs[i], served, usage, smdpTimeline: smdpStats.timeline, smdpStats }));
    }
    return { records, smdpCpuMs: (benchCpu.user + benchCpu.system) / 1000 };
  } finally {
    for (const p of prepared) await p.cleanup();
    await Promise.all(smdps.map((s) => s.close()));
  }
}
