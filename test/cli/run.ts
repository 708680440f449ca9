import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** The built CLI entry (npm test builds before running vitest). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.cjs');

let journals: string | undefined;
let journalCount = 0;

/**
 * A fresh journal for each CLI run unless the test names one (--journal or LPA_AGENT_JOURNAL):
 * download and provision journal by default in /var/lib/lpa-agent, which tests running at once
 * must not share (all virtual eUICCs have the same EID) and must not leave behind.
 */
function testJournal(): string {
  journals ??= mkdtempSync(join(tmpdir(), 'lpa-test-journals-'));
  return join(journals, `${++journalCount}-{eid}.json`);
}

// each test file evaluates this module anew: its journals go with it
afterAll(() => {
  if (journals !== undefined) rmSync(journals, { recursive: true, force: true });
  journals = undefined;
});

/**
 * Tests never reach the machine's pcscd unless they ask for it (PCSCLITE_CSOCK_NAME in their env,
 * see pcscdEnv): `auto` and `devices` list PC/SC readers and probe their cards, which would disturb
 * a PC/SC suite running at the same time.
 */
const NO_PCSCD = join(tmpdir(), 'lpa-test-no-pcscd.comm');

/** The env that lets a CLI run reach the machine's real pcscd (PC/SC chain tests). */
export function pcscdEnv(): NodeJS.ProcessEnv {
  return { PCSCLITE_CSOCK_NAME: process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm' };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lpa-agent <args>` as a real process and collects its output. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: run "npm run build" first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, LPA_AGENT_DEVICE: '', LPA_AGENT_JOURNAL: testJournal(), PCSCLITE_CSOCK_NAME: NO_PCSCD, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lpa-agent ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Starts a long-running `lpa-agent` command; resolves once `ready(stdout+stderr)` is true. */
export function startCli(args: string[], ready: (output: string) => boolean, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, LPA_AGENT_JOURNAL: testJournal(), PCSCLITE_CSOCK_NAME: NO_PCSCD, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const check = (d: Buffer) => {
      out += d.toString();
      if (!done && ready(out)) {
        done = true;
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lpa-agent ${args.join(' ')} not ready in time: ${out}`));
    }, 15_000);
    child.on('exit', (code) => {
      if (!done) {
        clearTimeout(timer);
        reject(new Error(`lpa-agent ${args.join(' ')} exited with ${code}: ${out}`));
      }
    });
  });
}

/** Parses --json output: one object per line, the last one the result. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Stops a long-running `lpa-agent` (SIGTERM) and waits for it to exit. */
export async function stopCli(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * `lpa-agent serve-modem` on a pseudo-terminal for the tests of one describe block (started in
 * beforeAll, stopped and its folder removed in afterAll): `pty` is the port, `dir` its folder.
 */
export function useServedModem(prefix: string, modem = 'quectel'): { dir: string; pty: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const pty = join(dir, 'modem');
  let server: ChildProcess | undefined;
  beforeAll(async () => {
    server = (await startCli(['serve-modem', '--pty', pty, '--state', join(dir, 'euicc.json'), '--modem', modem], (o) => o.includes('ready on'))).child;
  });
  afterAll(async () => {
    await stopCli(server);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, pty };
}
