// Cold-start timings: `lpa-agent --version` and `lpa-agent --device virtual:<state> eid`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from './proc.mjs';
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

export async function startupTimes(runs) {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-bench-eid-'));
  try {
    const state = `virtual:${join(dir, 'euicc.json')}`;
    await runAgent(['--device', state, 'eid']); // creates the state file: the timed runs read an existing eUICC
    return {
      versionMs: await timed(['--version'], runs),
      eidVirtualMs: await timed(['--device', state, 'eid'], runs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
