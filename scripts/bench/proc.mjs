// Child processes for the bench: the lpa-agent binary, run to completion or kept running.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

/** The lpa-agent entry point the simulators run with (the built CLI). */
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.cjs');
/** The one the measured agent runs: the built CLI, or `--bin` (e.g. an unpacked release bundle's lib/lpa-agent.cjs). */
let measuredBin = BIN;
export function setMeasuredBin(path) {
  measuredBin = path;
}
const USAGE_PRELOAD = join(ROOT, 'scripts', 'bench', 'usage.cjs');

/**
 * NODE_EXTRA_CA_CERTS makes every Node process parse that file and Node's whole root list at start
 * (about 60 ms of CPU per start on the bench machine, where it names the OS bundle). lpa-agent never
 * uses Node's default CA store (every TLS connection has its own trust store: GSMA CI, Node's
 * roots, the OS bundle, --ca), and a device's service has no such variable, so the measured
 * processes run without it unless `--keep-env` keeps it (`keepCallerEnv(true)`).
 */
const UNUSED_ENV = ['NODE_EXTRA_CA_CERTS'];
let keepEnv = false;
export function keepCallerEnv(keep) {
  keepEnv = keep;
}
/** The variables the measured processes do not get (empty with --keep-env). */
export const removedEnv = () => (keepEnv ? [] : UNUSED_ENV.filter((k) => process.env[k] !== undefined));

export function cleanEnv() {
  const env = { ...process.env };
  for (const k of removedEnv()) delete env[k];
  return env;
}

const baseEnv = () => ({ ...cleanEnv(), LPA_AGENT_DEVICE: '', LPA_AGENT_CONFIG: '' });

/**
 * Runs `lpa-agent <args>` to completion: exit code, output, wall time (ms, spawn to exit), and
 * `startedAt` / `exitAt` (ms since the epoch).
 * `usageFile`: preload usage.cjs so the process reports its CPU time and peak RSS there;
 * `nodeOptions`: node flags before the script (e.g. --max-semi-space-size=1); `env`: extra variables.
 */
export function runAgent(args, { usageFile, timeoutMs = 120_000, cwd = ROOT, nodeOptions = [], env: extraEnv = {} } = {}) {
  const nodeArgs = [...nodeOptions, ...(usageFile ? ['--require', USAGE_PRELOAD] : []), measuredBin, ...args];
  const env = { ...(usageFile ? { ...baseEnv(), LPA_BENCH_USAGE: usageFile } : baseEnv()), ...extraEnv };
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const startedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, nodeArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lpa-agent ${args.join(' ')}: no exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const exitAt = performance.timeOrigin + performance.now();
      clearTimeout(timer);
      child.on('close', () => resolve({ code: code ?? -1, stdout, stderr, wallMs, startedAt, exitAt }));
    });
  });
}

/** Starts a long-running `lpa-agent <args>`; resolves once `ready(output)`; `stop()` sends SIGTERM and resolves with the output. */
export function startAgent(args, ready, { timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const closed = new Promise((r) => child.on('close', () => r(out)));
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return closed;
    };
    const check = (d) => {
      out += d;
      if (!done && ready(out)) {
        done = true;
        clearTimeout(timer);
        resolve({ child, stop, output: () => out });
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', () => {
      if (!done) {
        clearTimeout(timer);
        reject(new Error(`lpa-agent ${args.join(' ')} exited before ready: ${out}`));
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lpa-agent ${args.join(' ')} not ready in ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
  });
}

/** JSON lines of `--json` output (other lines skipped). */
export function jsonLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t));
    } catch {
      // not a JSON line
    }
  }
  return out;
}
