import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './run.js';

const SCRIPT = join(ROOT, 'scripts', 'build-if-stale.mjs');

describe('npm start builds only when a source changed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prestart runs the up-to-date check, and npm run build leaves the project up to date', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    expect(pkg.scripts.build).toBe('node scripts/build-if-stale.mjs --always');
    // the second demo builds only when a source changed, like npm start
    expect(pkg.scripts['demo:smds']).toBe('node scripts/build-if-stale.mjs && node scripts/demo-smds.mjs');
    // npm test built just now: nothing to do for npm start
    const r = spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('up to date');
    expect(r.status).toBe(0);
  });

  it('a source newer than the last build (or a missing output) means a build; nothing newer means none', () => {
    for (const d of ['src', 'drivers', 'dist/src/cli']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    writeFileSync(join(dir, 'src', 'a.ts'), 'export {};\n');
    writeFileSync(join(dir, 'dist', 'src', 'cli', 'bin.cjs'), '');
    writeFileSync(join(dir, 'dist', '.tsbuildinfo'), '{}');
    writeFileSync(join(dir, 'dist', '.build-done'), '');
    const past = new Date(Date.now() - 60_000);
    for (const f of ['tsconfig.json', 'src/a.ts']) utimesSync(join(dir, f), past, past);
    const check = () => spawnSync(process.execPath, [SCRIPT, '--check', '--root', dir], { encoding: 'utf8' });
    expect(check().status).toBe(0);
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'a.ts'), future, future);
    expect(check()).toMatchObject({ status: 1, stdout: 'stale: a source is newer than the build\n' });
    utimesSync(join(dir, 'src', 'a.ts'), past, past);
    expect(check().status).toBe(0);
    // a tsc run that emitted nothing (--noEmit) rewrites tsc's state file: that does not make an
    // edited source look built; only a finished build (.build-done) does
    const later = new Date(Date.now() + 120_000);
    utimesSync(join(dir, 'src', 'a.ts'), future, future);
    utimesSync(join(dir, 'dist', '.tsbuildinfo'), later, later);
    expect(check().status).toBe(1);
    utimesSync(join(dir, 'src', 'a.ts'), past, past);
    rmSync(join(dir, 'dist', 'src', 'cli', 'bin.cjs'));
    expect(check().status).toBe(1);
  });
});
