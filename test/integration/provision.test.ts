import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import { serveModemOnPty, type PtyServer } from '../../drivers/virtual/pty.js';
import { openVirtualEuicc, type VirtualEuicc } from '../../src/sim/euicc/index.js';
import { startCloudDouble, type CloudDouble } from '../../src/sim/cloud/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { jsonLines, runCli, startCli, type RunResult } from '../cli/run.js';
import { describeCrashResume, resultLine as result } from './helpers.js';

const EID = '89049032123451234512345678901235';

/** One device on a bench: the virtual module on a pty (real serialport binding), SM-DP+ over TLS, cloud over HTTP. */
class Bench {
  dir = mkdtempSync(join(tmpdir(), 'lpa-prov-'));
  pty = join(this.dir, 'modem');
  card!: VirtualEuicc;
  modem!: VirtualModem;
  server!: PtyServer;
  smdp!: SmdpServer;
  cloud!: CloudDouble;

  async start(): Promise<this> {
    this.smdp = await startSmdp();
    this.cloud = await startCloudDouble({ smdpHook: this.smdp.hook, reserveDelayMs: 20 });
    this.card = openVirtualEuicc({ statePath: join(this.dir, 'euicc.json') });
    this.modem = new VirtualModem({ card: this.card, vendor: 'quectel', quirks: { simResetMs: 50 } });
    this.server = await serveModemOnPty({ ptyPath: this.pty, modem: this.modem });
    return this;
  }

  args(...extra: string[]): string[] {
    return [
        '--json',
        '--device', this.pty,
        '--ca', this.smdp.caFile,
        '--connect-to', this.smdp.connectTo,
        'provision',
        // a test that names its own cloud gives it once (a single-valued option given twice is refused)
        ...(extra.includes('--cloud') ? [] : ['--cloud', 'twilio']),
        '--cloud-url', this.cloud.url,
        '--fleet', 'demo-fleet',
        '--journal', join(this.dir, 'journal-{eid}.json'),
        '--lock-file', join(this.dir, 'agent.lock'),
        ...extra,
      ];
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { TWILIO_ACCOUNT_SID: this.cloud.credentials.accountSid, TWILIO_AUTH_TOKEN: this.cloud.credentials.authToken, LPA_AGENT_CONFIG: '', ...extra };
  }

  provision(extraEnv: Record<string, string> = {}, ...extra: string[]): Promise<RunResult> {
    return runCli(this.args(...extra), { env: this.env(extraEnv), timeoutMs: 60_000 });
  }

  /** The eUICC holds exactly one copy of the reserved profile, enabled; the cloud shows it installed and the Sim active. */
  checkProvisioned(): void {
    const profiles = this.cloud.profiles();
    expect(profiles).toHaveLength(1); // never a second reservation
    const p = profiles[0]!;
    expect(p.status).toBe('installed');
    const copies = this.card.state.profiles.filter((x) => x.iccid === p.iccid);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.state).toBe('enabled');
    const sim = this.cloud.sims().find((s) => s.sid === p.sim_sid)!;
    expect(sim.status).toBe('active');
    expect(sim.fleet_sid).toMatch(/^HF/);
    expect(this.card.state.notifications).toEqual([]);
    expect(this.modem.sessions().size).toBe(0); // no stale logical channel
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.modem?.dispose();
    await this.cloud?.close();
    await this.smdp?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}


describe('lpa-agent provision end to end', () => {
  const bench = new Bench();
  beforeAll(() => bench.start());
  afterAll(() => bench.stop());

  it('goes from a bare eUICC to an enabled profile, then reports "already provisioned"', async () => {
    const r = await bench.provision();
    expect(r.stderr).toBe('');
    const res = result(r);
    expect(res.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(res.data).toMatchObject({ status: 'provisioned', eid: EID, enabled: true, done: ['cloud', 'download', 'enable', 'notifications'] });
    expect(res.data.esimProfileSid).toMatch(/^HP/);
    expect(res.data.simSid).toMatch(/^HS/);
    expect(res.data.counts.tlsHandshakes).toBe(1);
    bench.checkProvisioned();
    const journal = join(bench.dir, `journal-${EID}.json`);
    expect(statSync(journal).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(journal, 'utf8'))).toMatchObject({ eid: EID, iccid: res.data.iccid, esimProfileSid: res.data.esimProfileSid });
    expect(existsSync(join(bench.dir, 'agent.lock'))).toBe(false);

    const again = await bench.provision();
    expect(again.code).toBe(0);
    expect(result(again).data).toMatchObject({ status: 'already-provisioned', iccid: res.data.iccid, skipped: ['cloud', 'download', 'enable', 'notifications'] });
    bench.checkProvisioned();
  });

  it('a second agent on the same module is refused while another holds the lock; a dead holder is taken over', async () => {
    const lock = join(bench.dir, 'agent.lock');
    writeFileSync(lock, `${process.pid}\n`); // a live process (this test) holds the module
    const refused = await bench.provision();
    expect(refused.code).toBe(8);
    expect(result(refused).error).toMatchObject({ code: 'LOCKED', details: { pid: process.pid } });
    writeFileSync(lock, '999999999\n'); // a crashed agent's lock: no such process
    const taken = await bench.provision();
    expect(taken.code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('SIGINT during the download', () => {
  const bench = new Bench();
  beforeAll(() => bench.start());
  afterAll(() => bench.stop());

  it('cancels the session cleanly, records it, exits 8; a rerun finishes', async () => {
    const { child, output } = await startCli(bench.args(), (o) => o.includes('"step":"authenticateClient"'), { env: bench.env() });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(8);
    const last = jsonLines(output()).at(-1) as { error: { code: string } };
    expect(last.error.code).toBe('INTERRUPTED');
    const journal = JSON.parse(readFileSync(join(bench.dir, `journal-${EID}.json`), 'utf8')) as { history: string[]; transactionId?: string };
    expect(journal.history.some((h) => h.includes('interrupted'))).toBe(true);
    expect(journal.transactionId).toBeUndefined(); // cancelled on both sides, nothing in flight
    expect(existsSync(join(bench.dir, 'agent.lock'))).toBe(false);
    const rerun = await bench.provision();
    expect(result(rerun).error).toBeUndefined();
    bench.checkProvisioned();
  });
});

/**
 * SIGKILL at every step boundary and in the middle of the BPP load, then a plain rerun: it must
 * finish with the same reservation, one copy of the profile, enabled, nothing left queued and no
 * stale logical channel.
 */
const CRASH_POINTS = [
  'done:module',
  'cloud#1',
  'done:cloud',
  'authenticateServer#1',
  'prepareDownload#1',
  'getBoundProfilePackage#1',
  'loadBoundProfilePackage#1',
  'loadBoundProfilePackage#3',
  'installed#1',
  'done:download',
  'enable#2',
  'done:enable',
  'notifications#1',
];

describeCrashResume('killed at %s', CRASH_POINTS, 'a rerun finishes the job with the same reservation', () => new Bench());

describe('maker backend without an ICCID, killed right after the eUICC installed the profile', () => {
  const bench = new Bench();
  let backend: ReturnType<typeof createServer>;
  let backendUrl = '';
  beforeAll(async () => {
    await bench.start();
    backend = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ smdpAddress: bench.smdp.address, matchingId: 'TS48V2-SAIP2-1-NOBERTLV-UNIQUE' }));
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/devices/{eid}/esim`;
  });
  afterAll(async () => {
    await new Promise((r) => backend.close(r));
    await bench.stop();
  });

  it('the rerun finds the installed profile by its pending install notification instead of downloading again', async () => {
    const args = ['--cloud', 'backend', '--backend-url', backendUrl];
    const crashed = await bench.provision({ LPA_AGENT_TEST_CRASH_AT: 'installed#1' }, ...args);
    expect(crashed.code).toBe(-1);
    const rerun = await bench.provision({}, ...args);
    const res = result(rerun);
    expect(res.error).toBeUndefined();
    expect(res.data).toMatchObject({ enabled: true, skipped: expect.arrayContaining(['download']) });
    const iccid = res.data.iccid as string;
    expect(bench.card.state.profiles.filter((p) => p.iccid === iccid)).toHaveLength(1);
    expect(bench.smdp.admin.getOrder('TS48V2-SAIP2-1-NOBERTLV-UNIQUE')!.state).toBe('installed');
  });
});
