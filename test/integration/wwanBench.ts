/**
 * End to end over QMI / MBIM: the virtual module (in this process, so the test can check what the
 * agent left allocated) serves its QMI and MBIM ports on ptys; the CLI runs as a separate process
 * with `--device qmi:<pty>` / `mbim:<pty>`, directly or through the real proxies; the local SM-DP+
 * over TLS and the Super SIM double serve download and provision.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { QmiService } from '../../drivers/qmi/codec.js';
import { startCloudDouble, type CloudDouble } from '../../src/sim/cloud/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import type { VirtualEuicc } from '../../src/sim/euicc/index.js';
import { jsonLines, runCli, type RunResult } from '../cli/run.js';
import { tempDir, virtualPorts, type VirtualPorts } from '../drivers/wwan/rig.js';

export const EID = '89049032123451234512345678901235';
export const BOOTSTRAP = '8988307000000000016';

export type WwanTransport = 'qmi' | 'mbim';
export type Route = 'direct' | 'proxy';

export class WwanBench {
  readonly tmp = tempDir('lpa-wwan-e2e-');
  ports!: VirtualPorts;
  smdp!: SmdpServer;
  cloud!: CloudDouble;

  async start(): Promise<this> {
    this.smdp = await startSmdp();
    this.cloud = await startCloudDouble({ smdpHook: this.smdp.hook, reserveDelayMs: 20 });
    this.ports = await virtualPorts({ dir: this.tmp.dir, statePath: join(this.tmp.dir, 'euicc.json'), quirks: { simResetMs: 50 } });
    return this;
  }

  get euicc(): VirtualEuicc {
    return this.ports.euicc!;
  }

  device(t: WwanTransport): string {
    return `${t}:${t === 'qmi' ? this.ports.qmiPath : this.ports.mbimPath}`;
  }

  env(route: Route): Record<string, string> {
    return {
      LPA_AGENT_WWAN_PROXY: route === 'proxy' ? 'always' : 'never',
      LPA_AGENT_CONFIG: '',
      TWILIO_ACCOUNT_SID: this.cloud.credentials.accountSid,
      TWILIO_AUTH_TOKEN: this.cloud.credentials.authToken,
    };
  }

  async cli(t: WwanTransport, route: Route, ...args: string[]): Promise<{ r: RunResult; data: Record<string, any>; error?: Record<string, any> }> {
    const r = await runCli(['--json', '--device', this.device(t), '--ca', this.smdp.caFile, '--connect-to', this.smdp.connectTo, ...args], { env: this.env(route), timeoutMs: 90_000 });
    const last = jsonLines(r.stdout).at(-1) as { data: Record<string, any>; error?: Record<string, any> } | undefined;
    return { r, data: last?.data ?? {}, ...(last?.error ? { error: last.error } : {}) };
  }

  /** Nothing left behind on the module: client ids, logical channels, the MBIM session (mbim-proxy keeps its own open). */
  expectReleased(t: WwanTransport, route: Route): void {
    if (t === 'qmi') {
      expect(this.ports.qmi.allocated(QmiService.UIM)).toEqual([]);
      expect(this.ports.qmi.allocated(QmiService.DMS)).toEqual([]);
      expect(this.ports.qmi.openChannels()).toEqual([]);
    } else {
      expect(this.ports.mbim.openChannels()).toEqual([]);
      if (route === 'direct') expect(this.ports.mbim.isOpen).toBe(false);
    }
  }

  async stop(): Promise<void> {
    await this.ports?.close();
    await this.cloud?.close();
    await this.smdp?.close();
    this.tmp.remove();
  }
}

/** The `it`s every transport and route runs, in order, on one bench. */
export function endToEnd(bench: () => WwanBench, t: WwanTransport, route: Route): void {
  const label = route === 'proxy' ? new RegExp(`^${t}:.* \\(via ${t}-proxy\\)$`) : new RegExp(`^${t}:[^ ]+$`);

  it(`eid and info over ${t} (${route})`, async () => {
    const b = bench();
    const eid = await b.cli(t, route, 'eid');
    expect(eid.error).toBeUndefined();
    expect(eid.data.eid ?? eid.r.stdout).toContain(EID);
    const info = await b.cli(t, route, 'info');
    expect(info.error).toBeUndefined();
    expect(info.data.eid).toBe(EID);
    expect(info.data.module.device).toMatch(label);
    b.expectReleased(t, route);
  });

  it(`profiles, disable and enable (riding out the SIM reset) over ${t} (${route})`, async () => {
    const b = bench();
    expect((await b.cli(t, route, 'profiles')).data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'enabled' });
    const resets: string[] = [];
    const onReset = (): void => void resets.push('reset');
    b.ports.modem.on('sim-not-ready', onReset);
    expect((await b.cli(t, route, 'disable', BOOTSTRAP, '--no-notify')).error).toBeUndefined();
    const en = await b.cli(t, route, 'enable', BOOTSTRAP, '--no-notify');
    expect(en.error).toBeUndefined();
    b.ports.modem.off('sim-not-ready', onReset);
    expect(resets).toHaveLength(2);
    expect((await b.cli(t, route, 'profiles')).data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'enabled' });
    b.expectReleased(t, route);
  });

  it(`download --enable from the local SM-DP+ over ${t} (${route})`, async () => {
    const b = bench();
    const dl = await b.cli(t, route, 'download', '--smdp', b.smdp.address, '--matching-id', 'TS48V2-SAIP2-1-BERTLV-UNIQUE', '--enable');
    expect(dl.error).toBeUndefined();
    expect(dl.data).toMatchObject({ iccid: '8949449999999990049', enabled: true });
    expect(dl.data.stats.atCommands).toBe(0);
    // the transport's messages: every APDU plus client ids / session, channel and card state
    expect(dl.data.stats.requests).toBeGreaterThan(dl.data.stats.apdus);
    expect(dl.data.stats.storeDataBlocks).toBeGreaterThan(60);
    expect(b.euicc.state.profiles.find((p) => p.iccid === '8949449999999990049')?.state).toBe('enabled');
    b.expectReleased(t, route);
  });

  it(`provision (Super SIM double) over ${t} (${route})`, async () => {
    const b = bench();
    const p = await b.cli(t, route, 'provision', '--cloud', 'twilio', '--cloud-url', b.cloud.url, '--fleet', 'demo-fleet', '--journal', join(b.tmp.dir, `journal-${t}-${route}-{eid}.json`), '--lock-file', join(b.tmp.dir, 'agent.lock'));
    expect(p.error).toBeUndefined();
    expect(p.data).toMatchObject({ status: 'provisioned', eid: EID, enabled: true });
    const iccid = p.data.iccid as string;
    expect(b.euicc.state.profiles.find((x) => x.iccid === iccid)?.state).toBe('enabled');
    b.expectReleased(t, route);
  });
}
