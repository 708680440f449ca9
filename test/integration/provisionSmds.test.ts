/**
 * `provision --cloud smds` end to end, no cloud at all: the virtual module on a real pty (its eUICC's
 * root SM-DS is the local SM-DS), the local SM-DP+ taking an order with the SM-DS flag, the agent as
 * its own process. It polls until the event appears, downloads with matching id = event id, enables
 * and delivers the notifications; killed at any step (SIGKILL) a rerun finishes with one copy of the
 * profile, the event deleted and nothing left queued.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import { serveModemOnPty, type PtyServer } from '../../drivers/virtual/pty.js';
import { openVirtualEuicc, VIRTUAL_EID, type VirtualEuicc } from '../../src/sim/euicc/index.js';
import { startSmdp, type OrderView, type SmdpServer } from '../../src/sim/smdp/index.js';
import { startSmds, type SmdsServer } from '../../src/sim/smds/index.js';
import { jsonLines, runCli, startCli, type RunResult } from '../cli/run.js';
import { describeCrashResume, resultLine as result } from './helpers.js';

const PROFILE = 'TS48V2-SAIP2-3-BERTLV-UNIQUE';

class SmdsBench {
  dir = mkdtempSync(join(tmpdir(), 'lpa-prov-smds-'));
  pty = join(this.dir, 'modem');
  card!: VirtualEuicc;
  modem!: VirtualModem;
  server!: PtyServer;
  smdp!: SmdpServer;
  smds!: SmdsServer;
  order?: OrderView;

  async start(withOrder = true): Promise<this> {
    this.smds = await startSmds();
    this.smdp = await startSmdp({ smds: this.smds.registrar });
    this.card = openVirtualEuicc({ statePath: join(this.dir, 'euicc.json'), quirks: { rootDsAddress: this.smds.address } });
    this.modem = new VirtualModem({ card: this.card, vendor: 'quectel', quirks: { simResetMs: 50 } });
    this.server = await serveModemOnPty({ ptyPath: this.pty, modem: this.modem });
    if (withOrder) this.placeOrder();
    return this;
  }

  placeOrder(): OrderView {
    this.order = this.smdp.admin.createOrder({ eid: VIRTUAL_EID, profile: PROFILE, smds: true });
    return this.order;
  }

  args(...extra: string[]): string[] {
    return [
      '--json',
      '--device', this.pty,
      '--ca', this.smdp.caFile,
      '--connect-to', this.smdp.connectTo,
      '--connect-to', this.smds.connectTo,
      'provision',
      '--cloud', 'smds',
      '--journal', join(this.dir, 'journal-{eid}.json'),
      '--lock-file', join(this.dir, 'agent.lock'),
      ...extra,
    ];
  }

  provision(env: Record<string, string> = {}, ...extra: string[]): Promise<RunResult> {
    // no credentials anywhere: an empty environment for the clouds
    return runCli(this.args(...extra), { env: { LPA_AGENT_CONFIG: '', TWILIO_ACCOUNT_SID: '', KORE_CLIENT_ID: '', ...env }, timeoutMs: 60_000 });
  }

  /** One copy of the profile, enabled; the order installed, its event deleted; nothing queued, no stale channel. */
  checkProvisioned(): void {
    const o = this.smdp.admin.getOrder(this.order!.id)!;
    expect(o.state).toBe('installed');
    const copies = this.card.state.profiles.filter((p) => p.iccid === o.iccid);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.state).toBe('enabled');
    expect(this.smds.events()).toEqual([]);
    expect(this.smds.deletedEvents().map((e) => e.eventId)).toEqual([o.smdsEventId]);
    expect(this.card.state.notifications).toEqual([]);
    expect(this.modem.sessions().size).toBe(0);
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.modem?.dispose();
    await this.smdp?.close();
    await this.smds?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}


describe('provision --cloud smds', () => {
  const bench = new SmdsBench();
  beforeAll(() => bench.start());
  afterAll(() => bench.stop());

  it('finds the event at the root SM-DS, downloads, enables, delivers; a rerun is "already provisioned"', async () => {
    const r = await bench.provision();
    const res = result(r);
    expect(res.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(res.data).toMatchObject({
      status: 'provisioned',
      eid: VIRTUAL_EID,
      enabled: true,
      done: ['cloud', 'download', 'enable', 'notifications'],
      smdsAddress: bench.smds.address,
      eventId: bench.order!.smdsEventId,
      smdpAddress: bench.smdp.address,
      esimProfileSid: null,
    });
    bench.checkProvisioned();
    const journal = JSON.parse(readFileSync(join(bench.dir, `journal-${VIRTUAL_EID}.json`), 'utf8')) as Record<string, unknown>;
    expect(journal).toMatchObject({ smdsAddress: bench.smds.address, eventId: bench.order!.smdsEventId, matchingId: bench.order!.smdsEventId });

    const again = await bench.provision();
    expect(result(again).data).toMatchObject({ status: 'already-provisioned', skipped: ['cloud', 'download', 'enable', 'notifications'] });
  });
});

describe('provision --cloud smds before the profile is announced', () => {
  const bench = new SmdsBench();
  beforeAll(() => bench.start(false));
  afterAll(() => bench.stop());

  it('gives up at --timeout with exit 8 while no event comes, saying why', async () => {
    const r = await bench.provision({}, '--timeout', '2s');
    expect(r.code).toBe(8);
    expect(result(r).error).toMatchObject({ code: 'INTERRUPTED', message: 'gave up after 2s (--timeout); rerun to continue where it stopped' });
    expect(jsonLines(r.stdout).some((l) => l.step === 'cloud' && /^no event for this eUICC at testsmds1\.example\.com yet; asking again in \d+ s$/.test(String(l.message)))).toBe(true);
  });

  it('polls with backoff until the event appears, then provisions', async () => {
    const { child, output } = await startCli(bench.args(), (o) => o.includes('asking again in'), { env: { LPA_AGENT_CONFIG: '' } });
    bench.placeOrder();
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const lines = jsonLines(output());
    expect((lines.at(-1) as { error?: unknown }).error).toBeUndefined();
    expect(code).toBe(0);
    expect(bench.smds.stats().retrievals).toBeGreaterThanOrEqual(2);
    bench.checkProvisioned();
  });
});

/** SIGKILL at every step boundary, in the SM-DS poll and in the middle of the BPP load, then a plain rerun. */
const CRASH_POINTS = [
  'cloud#2',
  'done:cloud',
  'authenticateServer#1',
  'getBoundProfilePackage#1',
  'loadBoundProfilePackage#3',
  'installed#1',
  'done:download',
  'enable#2',
  'done:enable',
];

describeCrashResume('provision --cloud smds killed at %s', CRASH_POINTS, 'a rerun finishes the job from the same event', () => new SmdsBench());
