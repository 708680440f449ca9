#!/usr/bin/env node
// The build of `npm run build` / `npm test` and `npm start`'s prestart: compiles TypeScript only
// when a source is newer than the last build. Up to date: returns at once (no compiler start).
// Otherwise runs the incremental `tsc` build (tsconfig.json keeps its state in dist/.tsbuildinfo),
// which recompiles only what changed, then the single-file build of the CLI (dist/lpa-agent.cjs,
// scripts/build/singleFile.mjs) that dist/src/cli/bin.cjs runs while it is not older than the state.
// A finished build leaves dist/.build-done: that, not tsc's state file, dates the build (a
// `tsc --noEmit` rewrites the state file without emitting anything).
//   --always       build whatever the timestamps say (npm run build)
//   --check        only say whether a build is needed (exit 0 up to date, 1 stale)
//   --root <dir>   the project folder (default: this script's parent)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSingleFile } from './build/singleFile.mjs';

const argv = process.argv.slice(2);
const rootArg = argv.indexOf('--root');
const root = rootArg >= 0 ? resolve(argv[rootArg + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
const always = argv.includes('--always');
const check = argv.includes('--check');
const stamp = join(root, 'dist', '.tsbuildinfo');
const entry = join(root, 'dist', 'src', 'cli', 'bin.cjs');
const done = join(root, 'dist', '.build-done');

/** Newest modification time under `dir` of TypeScript sources, .ts and .cts (0 when none). */
function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts') || e.name.endsWith('.cts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const inputs = Math.max(newest(join(root, 'src')), newest(join(root, 'drivers')), statSync(join(root, 'tsconfig.json')).mtimeMs);
const built = existsSync(done) && existsSync(stamp) && existsSync(entry) ? statSync(done).mtimeMs : 0;
if (!always && built >= inputs) {
  if (check) process.stdout.write('up to date\n');
  process.exit(0);
}
if (check) {
  process.stdout.write('stale: a source is newer than the build\n');
  process.exit(1);
}

rmSync(done, { force: true });
if (!existsSync(entry)) rmSync(stamp, { force: true }); // outputs gone: a full build
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
// tsc leaves its state file alone when only timestamps changed: mark this build as current
const now = new Date();
utimesSync(stamp, now, now);
// after the stamp: bin.cjs takes the single file only when it is not older than the modules
await buildSingleFile(root);
writeFileSync(done, `${new Date().toISOString()}\n`);
