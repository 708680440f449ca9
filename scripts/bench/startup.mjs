// Cold-start timings: `lpa-agent --version` and `lpa-agent --device virtual:<state> eid`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cleanEnv, removedEnv, runAgent } from './proc.mjs';
import { median } from './stats.mjs';

async function timed(args, runs) {
  const walls = [];
  for (let i = 0; i < runs; i++) {
    const r = await runAgent(args, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`lpa-agent ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-500)}`);
    walls.push(r.wallMs);
  }
  return median(walls);
}

/** Wall time (ms) of a bare `node -e 0`: the floor any Node.js command starts from on this machine. */
function bareNode(env = cleanEnv()) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env });
    child.on('error', reject);
    child.on('exit', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
  });
}

export async function startupTimes(runs) {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-bench-eid-'));
  try {
    const state = `virtual:${join(dir, 'euicc.json')}`;
    await runAgent(['--device', state, 'eid']); // creates the state file: the timed runs read an existing eUICC
    const bare = [];
    const bareCaller = [];
    for (let i = 0; i < runs; i++) {
      bare.push(await bareNode());
      if (removedEnv().length) bareCaller.push(await bareNode(process.env));
    }
    return {
      nodeBareMs: median(bare),
      ...(bareCaller.length ? { nodeBareCallerEnvMs: median(bareCaller) } : {}),
      versionMs: await timed(['--version'], runs),
      eidVirtualMs: await timed(['--device', state, 'eid'], runs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
