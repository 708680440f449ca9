/**
 * What users of other LPAs expect, from the command line (the agent a real process, the virtual
 * module on a real pty, the local SM-DP+ over TLS receiving the notifications): profiles named by
 * ISD-P AID, `profiles --json` with icon and policy rules, `info` with the module and free memory,
 * `reset` (memory reset: --yes, the options, notifications, nothing to delete), `--isdr-aid`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import { serveModemOnPty, type PtyServer } from '../../drivers/virtual/pty.js';
import type { Quirks } from '../../drivers/virtual/quirks.js';
import { BOOTSTRAP_ICCID, EuiccStateStore, openVirtualEuicc, type EuiccQuirks, type StoredProfile, type VirtualEuicc } from '../../src/sim/euicc/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { jsonLines, runCli, startCli, stopCli } from './run.js';

const OP = '8949449999999990049';
const OP_AID = 'A0000005591010FFFFFFFF8900001100';
const TEST = '8949449999999990031';
const TEST_AID = 'A0000005591010FFFFFFFF8900001200';
const ICON = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex').toString('base64');

function profile(iccid: string, isdpAid: string, profileClass: StoredProfile['profileClass'], extra: Partial<StoredProfile> = {}): StoredProfile {
  const addr = 'testsmdpplus1.example.com';
  return {
    iccid,
    isdpAid,
    state: 'disabled',
    serviceProviderName: 'GSMA Test',
    profileName: `profile ${iccid.slice(-4)}`,
    profileClass,
    notificationConfigurationInfo: { install: addr, enable: addr, disable: addr, delete: addr },
    ...extra,
  };
}

class Rig {
  dir = mkdtempSync(join(tmpdir(), 'lpa-manage-'));
  pty = join(this.dir, 'modem');
  card!: VirtualEuicc;
  modem!: VirtualModem;
  server!: PtyServer;
  smdp!: SmdpServer;

  async start(quirks: Partial<EuiccQuirks> = {}, modemQuirks: Partial<Quirks> = {}): Promise<this> {
    const statePath = join(this.dir, 'euicc.json');
    const store = EuiccStateStore.open(statePath);
    store.state.profiles.push(profile(OP, OP_AID, 'operational', { iconType: 'png', icon: ICON, profilePolicyRules: ['ppr2'] }), profile(TEST, TEST_AID, 'test'));
    store.state.defaultDpAddress = 'testsmdpplus1.example.com';
    store.save();
    this.smdp = await startSmdp();
    this.card = openVirtualEuicc({ statePath, quirks });
    this.modem = new VirtualModem({ card: this.card, vendor: 'quectel', quirks: { simResetMs: 50, ...modemQuirks } });
    this.server = await serveModemOnPty({ ptyPath: this.pty, modem: this.modem });
    return this;
  }

  cli(...args: string[]) {
    return runCli(['--device', this.pty, '--ca', this.smdp.caFile, '--connect-to', this.smdp.connectTo, ...args], { timeoutMs: 60_000 });
  }

  async json(...args: string[]): Promise<{ code: number; data: Record<string, any>; error?: Record<string, any>; lines: Record<string, any>[] }> {
    const r = await this.cli('--json', ...args);
    const lines = jsonLines(r.stdout);
    const last = lines.at(-1) as { data: Record<string, any>; error?: Record<string, any> };
    return { code: r.code, data: last.data, ...(last.error ? { error: last.error } : {}), lines };
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.modem?.dispose();
    await this.smdp?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('profiles by ISD-P AID, icons, info, reset', () => {
  const rig = new Rig();
  beforeAll(() => rig.start());
  afterAll(() => rig.stop());

  it('profiles --json has the ISD-P AID, policy rules, icon type and icon; lpac too', async () => {
    const r = await rig.json('profiles');
    const op = r.data.profiles.find((p: { iccid: string }) => p.iccid === OP);
    expect(op).toMatchObject({ isdpAid: OP_AID, ppr: ['ppr2'], iconType: 'png', icon: ICON, profileClass: 'operational' });
    expect(r.data.profiles.find((p: { iccid: string }) => p.iccid === TEST)).toMatchObject({ iconType: null, icon: null, ppr: [] });
    const lpac = await rig.cli('--output', 'lpac', 'profiles');
    const data = JSON.parse(lpac.stdout.trim()).payload.data as Record<string, unknown>[];
    expect(data.find((p) => p.iccid === OP)).toMatchObject({ isdpAid: OP_AID.toLowerCase(), iconType: 'png', icon: ICON });
  });

  it('nickname, enable and notifications --profile take an ISD-P AID', async () => {
    const nick = await rig.json('nickname', OP_AID.toLowerCase(), 'fleet A');
    expect(nick.data).toEqual({ iccid: OP, nickname: 'fleet A' });
    expect(rig.card.state.profiles.find((p) => p.iccid === OP)!.nickname).toBe('fleet A');

    const en = await rig.json('enable', OP_AID, '--no-notify');
    expect(en.error).toBeUndefined();
    expect(en.data).toMatchObject({ iccid: OP, isdpAid: OP_AID, profile: `${OP} (ISD-P ${OP_AID})`, operation: 'enable' });
    expect(rig.card.activeIccid()).toBe(OP);

    const mine = await rig.json('notifications', 'list', '--profile', OP_AID);
    expect(mine.data.notifications.map((n: { operation: string; iccid: string }) => [n.operation, n.iccid])).toEqual([['notificationEnable', OP]]);
    const all = await rig.json('notifications', 'list');
    expect(all.data.notifications).toHaveLength(2); // the bootstrap's disable too
    const sent = await rig.json('notifications', 'send', '--profile', OP);
    expect(sent.data.notifications).toEqual([expect.objectContaining({ iccid: OP, delivered: true, removed: true })]);
    expect(rig.card.state.notifications.map((n) => n.iccid)).toEqual([BOOTSTRAP_ICCID]);
    expect((await rig.json('notifications', 'remove', '--profile', BOOTSTRAP_ICCID)).data.removed).toHaveLength(1);

    const unknown = await rig.json('disable', 'A0000005591010FFFFFFFF8900009900');
    expect(unknown.code).toBe(5);
    expect(unknown.error).toMatchObject({ details: { result: 'iccidOrAidNotFound' } });
    const nobody = await rig.json('nickname', 'A0000005591010FFFFFFFF8900009900', 'x');
    expect(nobody.error).toMatchObject({ code: 'PROFILE_NOT_FOUND', message: 'no profile in ISD-P A0000005591010FFFFFFFF8900009900 on the eUICC' });
  });

  it('info shows the module, the radio, and the free memory decoded from EUICCInfo2', async () => {
    const r = await rig.json('info');
    expect(r.data.module).toMatchObject({ transport: 'at', manufacturer: expect.any(String), model: expect.any(String), firmware: expect.any(String), imei: expect.stringMatching(/^\d{15}$/) });
    expect(r.data.module.radioAccess).toEqual(expect.arrayContaining(['eutran']));
    expect(r.data.memory).toEqual({ installedApplications: 3, freeNonVolatileMemory: expect.any(Number), freeVolatileMemory: expect.any(Number) });
    expect(r.data.euiccInfo2.extCardResource).toMatch(/^8101/); // the raw TLVs stay as they were
    const human = await rig.cli('info');
    expect(human.stdout).toMatch(/^Free memory: {9}\d+(\.\d)? KiB \(\d+ bytes\) non-volatile, \d+(\.\d)? KiB \(\d+ bytes\) volatile, 3 application\(s\) installed$/m);
    expect(human.stdout).toMatch(/^Radio: {15}.*eutran/m);
    expect(human.stdout).toMatch(/^IMEI: {16}\d{15}$/m);
  });

  it('reset: --yes needed; the options; deleting the enabled profile rides out the REFRESH and delivers the notifications', async () => {
    rig.card.quirks.memoryResetNotifies = true; // a card that reports what the reset deleted
    const refused = await rig.cli('reset');
    expect(refused.code).toBe(2);
    expect(rig.card.state.profiles).toHaveLength(3);

    const ops = await rig.json('reset', '--yes', '--operational');
    expect(ops.error).toBeUndefined();
    expect(ops.data).toMatchObject({ result: 'ok', resetOptions: ['deleteOperationalProfiles'], deletedProfiles: [OP] });
    expect(ops.data.notifications).toEqual([expect.objectContaining({ operation: 'notificationDelete', iccid: OP, delivered: true })]);
    expect(ops.lines.some((l) => l.message === 'the enabled profile was deleted: waiting for the module to restart the SIM')).toBe(true);
    expect(rig.smdp.admin.notifications().some((n) => n.operation === 'notificationDelete' && n.iccid === OP)).toBe(true);
    expect(rig.card.state.profiles.map((p) => p.iccid).sort()).toEqual([BOOTSTRAP_ICCID, TEST].sort());
    expect(rig.card.state.defaultDpAddress).toBe('testsmdpplus1.example.com');

    const rest = await rig.cli('reset', '--yes');
    expect(rest.code).toBe(0);
    expect(rest.stdout.trim()).toMatch(new RegExp(`^eUICC memory reset done: deleted ${TEST}\\. 1 notification\\(s\\) delivered\\.$`));
    expect(rig.card.state.profiles.map((p) => p.iccid)).toEqual([BOOTSTRAP_ICCID]); // provisioning profiles stay
    expect(rig.card.state.defaultDpAddress).toBe('');

    const lpac = await rig.cli('--output', 'lpac', 'reset', '--yes', '--no-notify');
    expect(lpac.code).toBe(0);
    expect(lpac.stdout).toBe('{"type":"lpa","payload":{"code":0,"message":"success","data":null}}\n');
    const again = await rig.cli('reset', '--yes');
    expect(again.stdout.trim()).toBe('Nothing to delete: the eUICC holds nothing the reset options name.');
    expect((await runCli(['reset', '--help'])).stdout).toContain('Usage: lpa-agent [global options] reset --yes [--operational] [--test] [--default-smdp] [--no-notify]');
  });
});

describe('--isdr-aid: an eUICC whose ISD-R is not at the standard AID', () => {
  const AID = 'A0000005591010FFFFFFFF8900000200';
  for (const via of ['+CCHO', '+CSIM'] as const) {
    describe(`over ${via}`, () => {
      const rig = new Rig();
      beforeAll(() => rig.start({ isdrAid: AID }, via === '+CSIM' ? { csimOnly: true } : {}));
      afterAll(() => rig.stop());

      it('the standard AID finds nothing (with a hint); --isdr-aid, LPA_AGENT_ISDR_AID reach it', async () => {
        const plain = await rig.cli('eid');
        expect(plain.code).toBe(4);
        expect(plain.stderr).toContain('--isdr-aid');
        const trace = join(rig.dir, 'trace.log');
        const given = await rig.cli('--isdr-aid', AID.toLowerCase(), '--trace', trace, 'eid');
        expect(given.stderr).toBe('');
        expect(given.stdout.trim()).toBe(rig.card.eid);
        if (via === '+CCHO') expect(readFileSync(trace, 'utf8')).toContain(`>> AT+CCHO="${AID}"`);
        else expect(readFileSync(trace, 'utf8')).toMatch(new RegExp(`>> AT\\+CSIM=\\d+,"0[1-3]A4040010${AID}"`));
        const env = await runCli(['--device', rig.pty, 'eid'], { env: { LPA_AGENT_ISDR_AID: AID } });
        expect(env.stdout.trim()).toBe(rig.card.eid);
      });
    });
  }
});

describe('--isdr-aid over QMI and MBIM (the virtual module\'s ports, serve-modem --quirk isdr-aid)', () => {
  const AID = 'A0000005591010FFFFFFFF8900000300';
  const dir = mkdtempSync(join(tmpdir(), 'lpa-isdr-wwan-'));
  let server: import('node:child_process').ChildProcess | undefined;
  beforeAll(async () => {
    const args = ['serve-modem', '--qmi', join(dir, 'qmi'), '--mbim', join(dir, 'mbim'), '--state', join(dir, 'euicc.json'), '--quirk', `isdr-aid=${AID}`];
    server = (await startCli(args, (o) => o.includes('ready on'))).child;
  });
  afterAll(async () => {
    await stopCli(server);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['qmi', 'mbim'] as const) {
    it(`${kind}: the standard AID finds nothing; --isdr-aid reaches the eUICC`, async () => {
      const env = { LPA_AGENT_WWAN_PROXY: 'never' };
      const plain = await runCli(['--device', `${kind}:${join(dir, kind)}`, 'eid'], { env });
      expect(plain.code).not.toBe(0);
      const given = await runCli(['--device', `${kind}:${join(dir, kind)}`, '--isdr-aid', AID, 'eid'], { env });
      expect(given.stderr).toBe('');
      expect(given.stdout.trim()).toMatch(/^\d{32}$/);
    });
  }
});
