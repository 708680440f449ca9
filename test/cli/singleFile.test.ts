import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './run.js';

// The single-file build (scripts/build/singleFile.mjs) and how dist/src/cli/bin.cjs chooses it.
const LOADER = join(ROOT, 'dist', 'src', 'cli', 'singleFile.cjs');
const CODE_CACHE = join(ROOT, 'scripts', 'build', 'codeCache.cjs');
const SINGLE = join(ROOT, 'dist', 'lpa-agent.cjs');

/** Runs `code` in a fresh node with the agent's V8 flags (a code cache is only taken under the flags it was made with). */
function probe(code: string): { status: number | null; stdout: string; stderr: string } {
  const pre = "const v8 = require('node:v8'); v8.setFlagsFromString('--liftoff-only'); v8.setFlagsFromString('--no-opt');";
  return spawnSync(process.execPath, ['-e', `${pre}\n${code}`], { encoding: 'utf8', cwd: ROOT });
}

describe('single-file CLI build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-single-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('npm test built the single file and its code cache, and V8 takes that cache', () => {
    expect(existsSync(SINGLE)).toBe(true);
    expect(existsSync(`${SINGLE}.cache`)).toBe(true);
    const r = probe(`const c = require(${JSON.stringify(LOADER)}).compileSingleFile(${JSON.stringify(SINGLE)}); process.stdout.write(String(c.cached) + ' ' + typeof c.run().main);`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('true function');
  });

  it('a code cache older than its file is not used; the file still runs', () => {
    const file = join(dir, 'm.cjs');
    writeFileSync(file, 'module.exports = { answer: 6 * 7, dir: __dirname };\n');
    expect(spawnSync(process.execPath, [CODE_CACHE, LOADER, file]).status).toBe(0);
    const load = `const c = require(${JSON.stringify(LOADER)}).compileSingleFile(${JSON.stringify(file)}); const e = c.run(); process.stdout.write(JSON.stringify([c.cached, e.answer, e.dir]));`;
    expect(JSON.parse(probe(load).stdout)).toEqual([true, 42, dir]);
    const past = new Date(Date.now() - 60_000);
    utimesSync(`${file}.cache`, past, past);
    expect(JSON.parse(probe(load).stdout)).toEqual([false, 42, dir]);
    // a cache that does not belong to the file (V8 rejects it): a normal compile
    writeFileSync(`${file}.cache`, Buffer.alloc(64, 1));
    expect(JSON.parse(probe(load).stdout)).toEqual([false, 42, dir]);
  });

  it('bin.cjs runs the single file only when it is not older than the last TypeScript build', () => {
    // a copy of the build whose single file only says that it ran
    const root = join(dir, 'project');
    mkdirSync(join(root, 'dist'), { recursive: true });
    for (const d of ['src', 'drivers']) cpSync(join(ROOT, 'dist', d), join(root, 'dist', d), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    symlinkSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(ROOT, 'data'), join(root, 'data'));
    const single = join(root, 'dist', 'lpa-agent.cjs');
    writeFileSync(single, "exports.main = async () => { process.stdout.write('single file\\n'); return 0; };\n");
    const stamp = join(root, 'dist', '.tsbuildinfo');
    writeFileSync(stamp, '{}');
    const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'bin.cjs'), ...args], { encoding: 'utf8' });
    const now = Date.now() / 1000;
    utimesSync(stamp, now - 60, now - 60);
    utimesSync(single, now, now);
    expect(run('--help').stdout).toBe('single file\n');
    // a TypeScript build after the single file: the modules (here: the real help text)
    utimesSync(stamp, now + 60, now + 60);
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: lpa-agent/i);
    // no single file at all: the modules
    rmSync(single);
    expect(run('--help').stdout).toMatch(/usage: lpa-agent/i);
  });
});
