import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startCli } from '../cli/run.js';

const run = promisify(execFile);
const EID = '89049032123451234512345678901235';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TOP = `lpa-agent-${VERSION}`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with exactly `env` (no inherited npm_* variables, PATH as given). */
function exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * The release bundle as a device gets it: built by scripts/bundle.mjs, unpacked with the system
 * tar into a temporary folder, run by its launcher with a PATH that holds only `node` (no npm,
 * no node_modules/.bin, no repository node_modules above it).
 */
describe('release bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-bundle-'));
  const out = join(dir, 'out');
  const unpacked = join(dir, 'x');
  const home = join(unpacked, TOP);
  const launcher = join(home, 'bin', 'lpa-agent');
  const nodeOnly = join(dir, 'path-node'); // PATH with node alone
  const pty = join(dir, 'm');
  let tarball = '';
  let server: ChildProcess | undefined;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: nodeOnly, HOME: dir, ...extra });

  beforeAll(async () => {
    const built = await run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--out-dir', out], { cwd: ROOT });
    tarball = built.stdout.trim();
    mkdirSync(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    mkdirSync(nodeOnly);
    symlinkSync(process.execPath, join(nodeOnly, 'node'));
    const s = await startCli(['serve-modem', '--pty', pty], (o) => o.includes('ready on'));
    server = s.child;
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one versioned tarball holding one folder', async () => {
    expect(relative(out, tarball)).toBe(`${TOP}-linux.tar.gz`);
    expect(readdirSync(unpacked)).toEqual([TOP]);
    const listed = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n');
    expect(listed.every((p) => p === `${TOP}/` || p.startsWith(`${TOP}/`))).toBe(true);
  });

  it('holds one JavaScript bundle, the linux prebuilds, launcher, unit, README and data, nothing else', () => {
    const files = walk(home).map((f) => relative(home, f));
    const js = files.filter((f) => /\.(c|m)?js$/.test(f)).sort();
    expect(js).toEqual(['lib/lpa-agent.cjs', 'lib/node-check.cjs']);
    const prebuilds = join(home, 'lib', 'node_modules', '@serialport', 'bindings-cpp', 'prebuilds');
    expect(readdirSync(prebuilds).sort()).toEqual(['linux-arm', 'linux-arm64', 'linux-x64']);
    for (const arch of ['linux-arm', 'linux-arm64', 'linux-x64']) {
      const nodes = readdirSync(join(prebuilds, arch));
      expect(nodes.some((f) => f.endsWith('.glibc.node'))).toBe(true);
      expect(nodes.every((f) => f.endsWith('.node'))).toBe(true);
    }
    expect(readdirSync(join(prebuilds, 'linux-arm')).every((f) => f.includes('armv7'))).toBe(true);
    expect(files).toContain('lib/node_modules/@serialport/bindings-cpp/package.json');
    expect(files).toContain('systemd/lpa-agent.service');
    expect(files).toContain('README.md');
    expect(files).toContain('lib/THIRD-PARTY-NOTICES.txt');
    expect(files.some((f) => f.startsWith('data/pki/sgp26/'))).toBe(true);
    expect(files.some((f) => f.startsWith('data/pki/gsma-ci/'))).toBe(true);
    expect(files.some((f) => /^data\/upp\/.+\.der$/.test(f))).toBe(true);
    // no sources, tests, type declarations, maps, other platforms or dev packages
    expect(files.filter((f) => /\.ts$|\.map$|(^|\/)test\/|darwin|win32|android|vitest|esbuild|typescript/.test(f))).toEqual([]);
    expect(statSync(launcher).mode & 0o111).toBe(0o111);
    expect(readFileSync(launcher, 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
    expect(readFileSync(join(home, 'README.md'), 'utf8')).toContain(`lpa-agent ${VERSION}`);
    expect(readFileSync(join(home, 'README.md'), 'utf8')).not.toContain('@VERSION@');
  });

  it('says whether PC/SC is included, and carries the native binding where it is', () => {
    const readme = readFileSync(join(home, 'README.md'), 'utf8');
    expect(readme).not.toContain('@PCSC@');
    const installed = (() => {
      try {
        return readdirSync(join(ROOT, 'node_modules', '@pcsc-mini'));
      } catch {
        return [];
      }
    })();
    if (installed.length === 0) {
      expect(readme).toMatch(/PC\/SC card readers \(`--device pcsc`\): \*\*not included\*\*/);
      return;
    }
    expect(readme).toMatch(/PC\/SC card readers \(`--device pcsc`\): \*\*included\*\* for linux /);
    expect(readme).toContain('apt-get install libpcsclite1 pcscd');
    for (const name of installed) {
      expect(statSync(join(home, 'lib', 'node_modules', '@pcsc-mini', name, 'addon.node')).size).toBeGreaterThan(1000);
      expect(readFileSync(join(home, 'lib', 'THIRD-PARTY-NOTICES.txt'), 'utf8')).toContain(`@pcsc-mini/${name}@`);
    }
  });

  it('--device pcsc loads the bundled binding: a clear one-line answer, never a missing module', async () => {
    const r = await exec(launcher, ['--device', 'pcsc:no such reader', 'eid'], env());
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/Cannot find|require\(/);
    expect(r.stderr).toMatch(/no reader named "no such reader"|pcscd is not running|libpcsclite|PC\/SC support is not installed|no prebuilt PC\/SC binding/);
  });

  it('--version runs from the bundle with only node on PATH', async () => {
    const r = await exec(launcher, ['--version'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('eid over the virtual modem on a pseudo-terminal, through the bundled native serial binding', async () => {
    const r = await exec(launcher, ['--device', pty, 'eid'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(EID);
  });

  it('eid on the in-process virtual module, with data/ found next to the bundle', async () => {
    const r = await exec(launcher, ['--device', `virtual:${join(dir, 's.json')}`, 'eid'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(EID);
    expect(lstatSync(join(dir, 's.json')).isFile()).toBe(true);
  });

  it('works through a symlink to the launcher (e.g. /usr/local/bin/lpa-agent)', async () => {
    const bin = join(dir, 'path-link');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    // the launcher follows symlinks with readlink: give it the system one
    const readlink = (await run('sh', ['-c', 'command -v readlink'])).stdout.trim();
    symlinkSync(readlink, join(bin, 'readlink'));
    symlinkSync(launcher, join(bin, 'lpa-agent'));
    const r = await exec(join(bin, 'lpa-agent'), ['--version'], { PATH: bin, HOME: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('says clearly when Node.js is missing', async () => {
    const r = await exec(launcher, ['--version'], { PATH: join(dir, 'nowhere'), HOME: dir });
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/Node\.js is missing: it needs Node\.js \d+\.\d+\.\d+ or newer/);
    expect(r.stdout).toBe('');
    const bad = await exec(launcher, ['--version'], env({ LPA_AGENT_NODE: join(dir, 'no-node') }));
    expect(bad.code).toBe(127);
    expect(bad.stderr).toContain('LPA_AGENT_NODE');
  });

  it('LPA_AGENT_NODE picks the node to use', async () => {
    const r = await exec(launcher, ['--version'], { PATH: join(dir, 'nowhere'), HOME: dir, LPA_AGENT_NODE: process.execPath });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('the preloaded check stops a too old Node.js with a clear message', async () => {
    const check = readFileSync(join(home, 'lib', 'node-check.cjs'), 'utf8');
    const min = /var MIN = '(\d+\.\d+\.\d+)'/.exec(check)?.[1];
    expect(min).toBe(/(\d+\.\d+\.\d+)/.exec((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node)?.[1]);
    const ok = await exec(process.execPath, [join(home, 'lib', 'node-check.cjs')], env());
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });
    // the same guard against a requirement this node cannot meet
    const future = join(dir, 'node-check-future.cjs');
    writeFileSync(future, check.replace(`'${min}'`, "'999.0.0'"));
    chmodSync(future, 0o644);
    const old = await exec(process.execPath, [future], env());
    expect(old.code).toBe(127);
    expect(old.stderr).toContain(`Node.js 999.0.0 or newer is needed; ${process.execPath} is ${process.version}`);
  });

  it('ships the first-boot systemd unit', () => {
    const unit = readFileSync(join(home, 'systemd', 'lpa-agent.service'), 'utf8');
    const lines = unit.split('\n').map((l) => l.trim());
    for (const want of [
      'Type=oneshot',
      'RemainAfterExit=yes',
      'After=network-online.target',
      'Wants=network-online.target',
      'ConditionPathExists=!/var/lib/lpa-agent/provisioned',
      'ExecStart=/opt/lpa-agent/bin/lpa-agent --config /etc/lpa-agent/config.json provision',
      'ExecStartPost=/bin/touch /var/lib/lpa-agent/provisioned',
      'EnvironmentFile=-/etc/lpa-agent/env',
      'User=root',
      'CapabilityBoundingSet=',
      'Restart=on-failure',
      'StateDirectory=lpa-agent',
    ]) {
      expect(lines).toContain(want);
    }
    expect(lines.filter((l) => l.startsWith('DeviceAllow=')).length).toBeGreaterThan(0);
    expect(lines).not.toContain('PrivateDevices=yes'); // would hide the serial port
  });
});
