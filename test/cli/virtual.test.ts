import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './run.js';

const EID = '89049032123451234512345678901235';
const BOOTSTRAP = '8988307000000000016';

const dir = mkdtempSync(join(tmpdir(), 'lpa-cli-'));
const device = `virtual:${join(dir, 'euicc.json')}`;
const cli = (...args: string[]) => runCli(['--device', device, ...args]);
const json = async (...args: string[]) => {
  const r = await runCli(['--json', '--device', device, ...args]);
  expect(r.stderr).toBe('');
  const last = jsonLines(r.stdout).at(-1)!;
  expect(last).toMatchObject({ type: 'result', ok: r.code === 0 });
  return { code: r.code, data: last.data as Record<string, any>, error: last.error as Record<string, any> | undefined };
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('profile management on the virtual module (in-process, real AT engine)', () => {
  it('eid prints the SGP.26 test EID', async () => {
    const r = await cli('eid');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(EID);
  });

  it('a factory-fresh eUICC holds one enabled bootstrap profile', async () => {
    const r = await json('profiles');
    expect(r.data.profiles).toEqual([expect.objectContaining({ iccid: BOOTSTRAP, state: 'enabled', profileClass: 'provisioning' })]);
    const text = await cli('profiles');
    expect(text.stdout).toMatch(new RegExp(`^${BOOTSTRAP}\\s+enabled\\s+provisioning`, 'm'));
  });

  it('info shows EID, EUICCInfo and addresses', async () => {
    const r = await json('info');
    expect(r.data.eid).toBe(EID);
    expect(r.data.euiccInfo1.euiccCiPKIdListForVerification).toContain('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
    expect(r.data.addresses.rootDsAddress).toBe('lpa.ds.gsma.com');
  });

  it('nickname, disable, enable and delete change what profiles shows and queue notifications', async () => {
    expect((await cli('nickname', BOOTSTRAP, 'bench #1')).code).toBe(0);
    expect((await json('profiles')).data.profiles[0].nickname).toBe('bench #1');

    expect((await cli('disable', BOOTSTRAP, '--no-notify')).code).toBe(0);
    expect((await json('profiles')).data.profiles[0].state).toBe('disabled');

    const again = await json('disable', BOOTSTRAP, '--no-notify');
    expect(again.code).toBe(5);
    expect(again.error).toMatchObject({ code: 'ES10_RESULT', details: { result: 'profileNotInEnabledState' } });

    expect((await cli('enable', BOOTSTRAP, '--no-notify')).code).toBe(0);
    expect((await json('profiles')).data.profiles[0].state).toBe('enabled');

    const deleteEnabled = await json('delete', BOOTSTRAP, '--no-notify');
    expect(deleteEnabled.code).toBe(5);
    expect(deleteEnabled.error?.details.result).toBe('profileNotInDisabledState');

    expect((await cli('disable', BOOTSTRAP, '--no-notify')).code).toBe(0);
    expect((await cli('delete', BOOTSTRAP, '--no-notify')).code).toBe(0);
    expect((await json('profiles')).data.profiles).toEqual([]);

    const list = (await json('notifications', 'list')).data.notifications as { operation: string; iccid: string }[];
    expect(list.map((n) => n.operation)).toEqual(['notificationDisable', 'notificationEnable', 'notificationDisable', 'notificationDelete']);
    expect(list.every((n) => n.iccid === BOOTSTRAP)).toBe(true);

    const unknown = await json('enable', '8949449999999990049', '--no-notify');
    expect(unknown.code).toBe(5);
    expect(unknown.error?.code).toBe('PROFILE_NOT_FOUND');
  });

  it('notifications remove drops them one by one or all', async () => {
    const before = (await json('notifications', 'list')).data.notifications as { seqNumber: number }[];
    const first = before[0]!.seqNumber;
    expect((await cli('notifications', 'remove', String(first))).code).toBe(0);
    const after = (await json('notifications', 'list')).data.notifications as { seqNumber: number }[];
    expect(after.map((n) => n.seqNumber)).toEqual(before.slice(1).map((n) => n.seqNumber));
    expect((await cli('notifications', 'remove', '--all')).code).toBe(0);
    expect((await json('notifications', 'list')).data.notifications).toEqual([]);
  });

  it('default-smdp sets, shows and clears the default SM-DP+ address', async () => {
    expect((await cli('default-smdp', 'smdp.example.com')).code).toBe(0);
    expect((await json('default-smdp')).data.defaultDpAddress).toBe('smdp.example.com');
    const bad = await cli('default-smdp', 'not a host!');
    expect(bad.code).toBe(2);
    expect((await cli('default-smdp', '--clear')).code).toBe(0);
    expect((await json('default-smdp')).data.defaultDpAddress).toBeNull();
  });
});
