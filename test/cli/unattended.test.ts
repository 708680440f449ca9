import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLockPath } from '../../src/agent/lock.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { BIN, jsonLines, ROOT, runCli, startCli } from './run.js';

const EID = '89049032123451234512345678901235';

/** Waits for a child to exit; resolves its exit code (-1 when killed by a signal). */
const exited = (child: ChildProcess): Promise<number> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code ?? -1));
  });

/** Stops a child: SIGTERM (it releases its lock), SIGKILL if it does not go within 5 s; `hard`: SIGKILL at once. */
async function stop(child: ChildProcess | undefined, hard = false): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill(hard ? 'SIGKILL' : 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await done;
  clearTimeout(timer);
}

/**
 * Unattended operation, as a gateway image runs the agent: signals (SIGHUP like SIGTERM, the profile
 * load acknowledged and finished), closed output pipes, a crash in the middle of a plain download,
 * the device lock between two agents, and serve-modem restarted after being killed. Every case is a
 * real lpa-agent process.
 */
describe('unattended: signals, pipes, crashes and locks through the real CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-unat-'));
  let smdp: SmdpServer;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    smdp = await startSmdp();
  });
  afterAll(async () => {
    for (const c of children) await stop(c, true);
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const peers = (device: string): string[] => ['--device', device, '--ca', smdp.caFile, '--connect-to', smdp.connectTo];
  const installed = async (device: string): Promise<string[]> => {
    const r = await runCli(['--json', '--device', device, 'profiles']);
    return ((jsonLines(r.stdout).at(-1)!.data as { profiles: { iccid: string }[] }).profiles).map((p) => p.iccid);
  };

  it('a closed stdout (download | head -c 1) does not stop the download: the profile is installed, exit 0', async () => {
    const device = `virtual:${join(dir, 'pipe.json')}`;
    const id = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
    const child = spawn(process.execPath, [BIN, '--json', ...peers(device), 'download', '--smdp', smdp.address, '--matching-id', id, '--journal', join(dir, 'pipe-{eid}.json')], {
      cwd: ROOT,
      env: { ...process.env, LPA_AGENT_DEVICE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // like `head -c 1`: read the first byte, then close our end of the pipe
    child.stdout!.once('data', () => child.stdout!.destroy());
    const code = await exited(child);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(await installed(device)).toContain('8949449999999990049');
    expect(smdp.admin.getOrder(id)!.state).toBe('installed');
  });

  it('a closed stderr (a log reader that died) does not stop the download either', async () => {
    const device = `virtual:${join(dir, 'pipe2.json')}`;
    const id = 'TS48V2-SAIP2-1-NOBERTLV-UNIQUE';
    const child = spawn(process.execPath, [BIN, ...peers(device), 'download', '--smdp', smdp.address, '--matching-id', id, '--journal', join(dir, 'pipe2-{eid}.json')], {
      cwd: ROOT,
      env: { ...process.env, LPA_AGENT_DEVICE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.once('data', () => child.stderr!.destroy());
    expect(await exited(child)).toBe(0);
    expect(stdout).toMatch(/^Profile 8949449999999990007 .* installed\.$/m);
    expect(smdp.admin.getOrder(id)!.state).toBe('installed');
  });

  it('SIGHUP during the profile load is acknowledged at once, the load finishes, exit 8; the notification stays queued', async () => {
    const pty = join(dir, 'slow-modem');
    // a slow profile load (30 ms per APDU, 100 ms per STORE DATA series) so it is still running when the signal comes
    const link = 'baud=0,latency=1,apdu=30,auth=0,prepare=0,bpp=100,install=0';
    const modem = await startCli(['serve-modem', '--pty', pty, '--state', join(dir, 'slow.json'), '--link', link], (o) => o.includes('ready on'));
    children.push(modem.child);
    const id = 'TS48V3-SAIP2-1-BERTLV-UNIQUE';
    const journal = join(dir, 'hup-{eid}.json');
    const agent = await startCli(['--json', ...peers(pty), 'download', '--smdp', smdp.address, '--matching-id', id, '--journal', journal], (o) =>
      o.includes('"step":"loadBoundProfilePackage"'),
    );
    children.push(agent.child);
    agent.child.kill('SIGHUP');
    expect(await exited(agent.child)).toBe(8);
    const lines = jsonLines(agent.output());
    const ack = lines.findIndex((l) => l.type === 'notice' && l.message === 'interrupt received: finishing the profile load, then stopping');
    const done = lines.findIndex((l) => l.type === 'progress' && l.step === 'installed');
    expect(ack).toBeGreaterThan(-1);
    expect(done).toBeGreaterThan(ack); // acknowledged before the load ended
    expect(lines.at(-1)).toMatchObject({ type: 'result', ok: false, error: { code: 'INTERRUPTED' } });
    expect((lines.at(-1)!.error as { message: string }).message).toMatch(/^interrupted by SIGHUP: profile 8949449999999990064 is installed; its install notification stays queued/);
    expect(await installed(pty)).toContain('8949449999999990064');
    const pending = jsonLines((await runCli(['--json', '--device', pty, 'notifications', 'list'])).stdout).at(-1)!.data as { notifications: { operation: string; iccid: string }[] };
    expect(pending.notifications).toContainEqual(expect.objectContaining({ operation: 'notificationInstall', iccid: '8949449999999990064' }));
    expect(JSON.parse(readFileSync(journal.replace('{eid}', EID), 'utf8')).transactionId).toBeUndefined();
    // what was left is done later
    const sent = await runCli([...peers(pty), 'notifications', 'send', '--all']);
    expect(sent.code).toBe(0);
    expect(smdp.admin.getOrder(id)!.state).toBe('installed');
    await stop(modem.child);
  });

  it('SIGTERM before the load cancels the session on both sides, exit 8; the rerun gets the profile', async () => {
    const device = `virtual:${join(dir, 'term.json')}`;
    const id = 'TS48V2-SAIP2-3-BERTLV-UNIQUE';
    const journal = join(dir, 'term-{eid}.json');
    const args = ['--json', ...peers(device), 'download', '--smdp', smdp.address, '--matching-id', id, '--journal', journal];
    const agent = await startCli(args, (o) => o.includes('"step":"authenticateServer"'));
    children.push(agent.child);
    agent.child.kill('SIGTERM');
    expect(await exited(agent.child)).toBe(8);
    const lines = jsonLines(agent.output());
    expect(lines.some((l) => l.type === 'notice' && /^interrupt received \(SIGTERM\): stopping after the current step$/.test(String(l.message)))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ ok: false, error: { code: 'INTERRUPTED' } });
    expect(smdp.admin.getOrder(id)!.state).toBe('cancelled');
    const rerun = await runCli(args);
    expect(rerun.code).toBe(0);
    expect(smdp.admin.getOrder(id)!.state).toBe('installed');
  });

  it('a plain download killed mid-way journals its transaction: the rerun cancels the stale session on both sides first', async () => {
    // the module (and its eUICC, which keeps the session) lives on while the agent dies, as on hardware
    const device = join(dir, 'crash-modem');
    const modem = await startCli(['serve-modem', '--pty', device, '--state', join(dir, 'crash.json')], (o) => o.includes('ready on'));
    children.push(modem.child);
    const id = 'TS48V2-SAIP2-3-NOBERTLV-UNIQUE';
    const journal = join(dir, 'crash-{eid}.json');
    const args = ['--json', ...peers(device), 'download', '--smdp', smdp.address, '--matching-id', id, '--journal', journal];
    const crashed = await runCli(args, { env: { LPA_AGENT_TEST_CRASH_AT: 'loadBoundProfilePackage#1' }, timeoutMs: 60_000 });
    expect(crashed.code).toBe(-1); // SIGKILL: no cleanup at all
    const j = JSON.parse(readFileSync(journal.replace('{eid}', EID), 'utf8')) as { transactionId?: string; transactionSmdpAddress?: string };
    expect(j.transactionId).toMatch(/^[0-9A-F]+$/);
    expect(j.transactionSmdpAddress).toBe(smdp.address);
    expect(smdp.admin.getOrder(id)!.state).toBe('downloaded'); // held by the dead session
    const rerun = await runCli(args, { timeoutMs: 60_000 });
    const lines = jsonLines(rerun.stdout);
    expect(rerun.code).toBe(0);
    expect(lines.filter((l) => l.step === 'recover').map((l) => l.message)).toContain('old session cancelled on the eUICC and the SM-DP+');
    expect(smdp.admin.getOrder(id)!.state).toBe('installed');
    expect(JSON.parse(readFileSync(journal.replace('{eid}', EID), 'utf8')).transactionId).toBeUndefined();
    await stop(modem.child);
  });

  it('when the eUICC lost the stale session (reset), the rerun says so once, clearly, and what the operator must do', async () => {
    // the in-process virtual module keeps no session across processes, like a module power-cycled
    const device = `virtual:${join(dir, 'lost.json')}`;
    const id = 'TS48V4-SAIP2-1A-NOBERTLV-UNIQUE';
    const args = ['--json', ...peers(device), 'download', '--smdp', smdp.address, '--matching-id', id, '--journal', join(dir, 'lost-{eid}.json')];
    expect((await runCli(args, { env: { LPA_AGENT_TEST_CRASH_AT: 'loadBoundProfilePackage#1' } })).code).toBe(-1);
    const rerun = await runCli(args);
    const lines = jsonLines(rerun.stdout);
    const recover = lines.filter((l) => l.step === 'recover').map((l) => String(l.message));
    expect(recover.join('\n')).toMatch(/could not cancel the old session \((the eUICC refused CancelSession \(\w+\)|eUICC CancelSession failed: [^;]*)/);
    expect(recover.join('\n')).not.toMatch(/CancelSession failed: CancelSession failed/);
    expect(rerun.code).toBe(6);
    expect((lines.at(-1)!.error as { code: string; message: string })).toMatchObject({
      code: 'PROFILE_ALREADY_DOWNLOADED',
      message: expect.stringMatching(/the SM-DP\+ operator must release the profile$/),
    });
  });

  it('download --matching-id without --smdp says which address it uses (the eUICC default); LPA_AGENT_CA/_CONNECT_TO/_JOURNAL apply', async () => {
    const device = `virtual:${join(dir, 'default.json')}`;
    expect((await runCli(['--device', device, 'default-smdp', smdp.address])).code).toBe(0);
    // device, trust, routing and journal from the environment this time: they apply to download as to provision
    const r = await runCli(['download', '--matching-id', 'TS48V4-SAIP2-3-NOBERTLV-UNIQUE'], {
      env: { LPA_AGENT_DEVICE: device, LPA_AGENT_CA: smdp.caFile, LPA_AGENT_CONNECT_TO: smdp.connectTo, LPA_AGENT_JOURNAL: join(dir, 'default-{eid}.json'), LPA_AGENT_CONFIG: '' },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`note: no --smdp given: using the eUICC's default SM-DP\\+ address ${smdp.address.replaceAll('.', '\\.')}`));
    expect(smdp.admin.getOrder('TS48V4-SAIP2-3-NOBERTLV-UNIQUE')!.state).toBe('installed');
  });

  it('provision --timeout while the cloud keeps saying "not ready": CLOUD_TIMEOUT, exit 7 (as the README says)', async () => {
    const backend = createHttpServer((_req, res) => res.writeHead(202, { 'retry-after': '1' }).end());
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/devices/{eid}/esim`;
      const r = await runCli(['--json', '--device', `virtual:${join(dir, 'wait.json')}`, 'provision', '--backend-url', url, '--timeout', '2s', '--journal', join(dir, 'wait-{eid}.json')], {
        env: { LPA_AGENT_CONFIG: '' },
      });
      expect(r.code).toBe(7);
      expect(jsonLines(r.stdout).at(-1)).toMatchObject({ ok: false, error: { code: 'CLOUD_TIMEOUT', message: expect.stringMatching(/no profile ready for this eUICC within 2s \(--timeout\)/) } });
    } finally {
      backend.closeAllConnections();
      await new Promise((r) => backend.close(r));
    }
  });

  describe('the device lock', () => {
    let stalled: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      // an "SM-DP+" that accepts connections and never answers: the first download waits there
      stalled = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => stalled.close(r));
    });

    it('two downloads on one (virtual) device: the second is refused while the first runs', async () => {
      const device = `virtual:${join(dir, 'locked.json')}`;
      const port = (stalled.address() as AddressInfo).port;
      const first = await startCli(
        ['--json', '--device', device, '--ca', smdp.caFile, '--connect-to', `${smdp.address}:443:127.0.0.1:${port}`, 'download', '--smdp', smdp.address, '--matching-id', 'TS48V1-A-UNIQUE', '--journal', join(dir, 'l1-{eid}.json')],
        (o) => o.includes('"step":"initiateAuthentication"'),
      );
      children.push(first.child);
      const second = await runCli(['--json', ...peers(device), 'download', '--smdp', smdp.address, '--matching-id', 'TS48V1-B-UNIQUE', '--journal', join(dir, 'l2-{eid}.json')]);
      expect(second.code).toBe(8);
      expect(jsonLines(second.stdout).at(-1)).toMatchObject({ ok: false, error: { code: 'LOCKED', details: { pid: first.child.pid } } });
      // every command that touches the device, not just download
      const eid = await runCli(['--device', device, 'eid']);
      expect(eid.code).toBe(8);
      expect(eid.stderr).toMatch(new RegExp(`another lpa-agent \\(pid ${first.child.pid}\\) is working on this module`));
      expect(smdp.admin.getOrder('TS48V1-B-UNIQUE')!.state).toBe('released');
      await stop(first.child, true);
      // the killed holder's lock is taken over
      const after = await runCli(['--device', device, 'eid']);
      expect(after.code).toBe(0);
      expect(after.stdout.trim()).toBe(EID);
    });

    it('a virtual device held by a live process (the default lock path, keyed by the state file) is refused', async () => {
      const state = join(dir, 'held.json');
      const lock = defaultLockPath(`virtual:${state}`);
      writeFileSync(lock, `${process.pid}\n`);
      try {
        const r = await runCli(['--device', `virtual:${state}`, 'profiles']);
        expect(r.code).toBe(8);
        expect(r.stderr).toMatch(/another lpa-agent \(pid \d+\) is working on this module/);
      } finally {
        rmSync(lock, { force: true });
      }
    });
  });

  it('serve-modem restarts cleanly after being killed (its stale link and lock are taken over)', async () => {
    const pty = join(dir, 'restart-modem');
    const args = ['serve-modem', '--pty', pty, '--state', join(dir, 'restart.json')];
    const first = await startCli(args, (o) => o.includes('ready on'));
    children.push(first.child);
    await stop(first.child, true); // SIGKILL: no cleanup
    const second = await startCli(args, (o) => o.includes('ready on'));
    children.push(second.child);
    const eid = await runCli(['--device', pty, 'eid']);
    expect(eid.code).toBe(0);
    expect(eid.stdout.trim()).toBe(EID);
    const done = exited(second.child);
    second.child.kill('SIGTERM');
    expect(await done).toBe(0);
  });
});
