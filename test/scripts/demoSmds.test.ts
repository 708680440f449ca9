/**
 * `npm run demo:smds` (scripts/demo-smds.mjs): provisioning with no cloud at all, twice in one state
 * folder: the first run provisions from the SM-DS event, the second shows the resume path.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run.js';

function demo(dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo-smds.mjs')], {
      cwd: ROOT,
      env: { ...process.env, LPA_AGENT_DEMO_DIR: dir, LPA_AGENT_DEVICE: '', TWILIO_ACCOUNT_SID: '', KORE_CLIENT_ID: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run demo:smds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-demo-smds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('provisions from the root SM-DS with no credentials, then resumes as "already provisioned"', async () => {
    const first = await demo(dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Provisioned: profile \d+ installed and enabled\.$/m);
    expect(first.stdout).toMatch(/^ {2}SM-DS event {3}EV-[0-9A-F]{16} at testsmds1\.example\.com$/m);
    expect(first.stderr).toContain("==> asking SM-DS testsmds1.example.com (the eUICC's root SM-DS) for an event");
    expect(first.stderr).toContain('no cloud account, no credentials');
    expect(first.stderr).toMatch(/SM-DP\+ order \S+ installed; SM-DS events pending 0, deleted after install 1; ES11 retrievals 1/);

    const second = await demo(dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Already provisioned: profile \d+ is enabled; nothing to do\.$/m);
    expect(second.stderr).toContain('the eUICC already holds TS48V2-SAIP2-1-BERTLV-UNIQUE');
  });
});
