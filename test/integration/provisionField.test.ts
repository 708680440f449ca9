import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCloudDouble, type CloudDouble } from '../../src/sim/cloud/index.js';
import type { EuiccQuirks, VirtualEuicc } from '../../src/sim/euicc/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { jsonLines, runCli } from '../cli/run.js';
import { serveCardOnPty, type PtyCard } from './helpers.js';

/**
 * provision against field behaviour: the virtual module with its eUICC on a pty (quirks set per
 * test), the local SM-DP+ over TLS and the Super SIM double, the agent as its own process.
 */
describe('provision with field behaviour (pty)', () => {
  let dir: string;
  let peer: PtyCard;
  let card: VirtualEuicc;
  let smdp: SmdpServer;
  let cloud: CloudDouble;

  const start = async (quirks: Partial<EuiccQuirks> = {}) => {
    dir = mkdtempSync(join(tmpdir(), 'lpa-provf-'));
    smdp = await startSmdp();
    cloud = await startCloudDouble({ smdpHook: smdp.hook, reserveDelayMs: 20 });
    peer = await serveCardOnPty(dir, 'quectel', quirks);
    card = peer.card;
  };
  afterEach(async () => {
    await peer?.close();
    await cloud?.close();
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const provision = async (...extra: string[]) => {
    const args = ['--json', '--device', join(dir, 'modem'), '--ca', smdp.caFile, '--connect-to', smdp.connectTo, 'provision', '--cloud', 'twilio', '--cloud-url', cloud.url,
      '--journal', join(dir, 'journal-{eid}.json'), '--lock-file', join(dir, 'agent.lock'), ...extra];
    const r = await runCli(args, { env: { TWILIO_ACCOUNT_SID: cloud.credentials.accountSid, TWILIO_AUTH_TOKEN: cloud.credentials.authToken, LPA_AGENT_CONFIG: '' }, timeoutMs: 60_000 });
    const lines = jsonLines(r.stdout);
    return { code: r.code, lines, last: lines.at(-1) as { data: Record<string, any>; error?: Record<string, any> } };
  };

  it('sends the install result right after the load, before the profile switch; then the enable notifications', async () => {
    await start();
    const r = await provision();
    expect(r.last.error).toBeUndefined();
    expect(r.code).toBe(0);
    const steps = r.lines.filter((l) => l.type === 'progress').map((l) => `${l.step}:${l.message}`);
    const installSent = steps.findIndex((s) => /^notifications:sending notificationInstall notification/.test(s));
    const enableStarted = steps.findIndex((s) => s.startsWith('enable:'));
    const enableSent = steps.findIndex((s) => /^notifications:sending notificationEnable notification/.test(s));
    expect(installSent).toBeGreaterThan(-1);
    expect(installSent).toBeLessThan(enableStarted);
    expect(enableSent).toBeGreaterThan(enableStarted);
    expect(r.last.data.notifications).toEqual({ delivered: 3, failed: 0 });
    expect(card.state.notifications).toEqual([]);
  });

  it('with 91xx on every eUICC answer (sw91xx=all) the whole provision succeeds', async () => {
    await start({ sw91xx: 'all' });
    const r = await provision();
    expect(r.last.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.last.data).toMatchObject({ status: 'provisioned', enabled: true });
  });
});
