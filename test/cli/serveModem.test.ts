import { describe, expect, it } from 'vitest';
import { jsonLines, runCli, useServedModem } from './run.js';

const EID = '89049032123451234512345678901235';
const BOOTSTRAP = '8988307000000000016';

/**
 * The same commands through `serve-modem` on a real pseudo-terminal (node-pty), opened by a second
 * lpa-agent process with the native serialport binding: the way a bench tool or another LPA sees it.
 */
describe('serve-modem on a pseudo-terminal', () => {
  const { pty } = useServedModem('lpa-pty-');

  const json = async (...args: string[]) => {
    const r = await runCli(['--json', '--device', pty, ...args]);
    const last = jsonLines(r.stdout).at(-1)!;
    return { code: r.code, data: last.data as Record<string, any>, error: last.error as Record<string, any> | undefined, stderr: r.stderr };
  };

  it('eid, profiles, disable/enable, nickname and notifications work over the pty', async () => {
    const eid = await runCli(['--device', pty, 'eid']);
    expect(eid.stderr).toBe('');
    expect(eid.code).toBe(0);
    expect(eid.stdout.trim()).toBe(EID);

    const info = await json('info');
    expect(info.data.module.vendor).toBe('quectel');

    expect((await json('profiles')).data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'enabled' });
    expect((await json('nickname', BOOTSTRAP, 'pty')).code).toBe(0);
    expect((await json('disable', BOOTSTRAP, '--no-notify')).code).toBe(0);
    expect((await json('profiles')).data.profiles[0]).toMatchObject({ state: 'disabled', nickname: 'pty' });
    // the SIM reset of the disable is over by now; enable rides out another one
    expect((await json('enable', BOOTSTRAP, '--no-notify')).code).toBe(0);
    expect((await json('profiles')).data.profiles[0].state).toBe('enabled');
    const n = (await json('notifications', 'list')).data.notifications as { operation: string }[];
    expect(n.map((x) => x.operation)).toEqual(['notificationDisable', 'notificationEnable']);
  });

  it('a second agent on the same port while one holds it gets a clear error', async () => {
    // serve-modem itself holds the other end; two clients on the client end: serialport locks it
    const first = runCli(['--device', pty, 'profiles']);
    const second = runCli(['--device', pty, 'profiles']);
    const results = await Promise.all([first, second]);
    // at least one succeeds; a failing one names the lock, never hangs
    expect(results.some((r) => r.code === 0)).toBe(true);
    for (const r of results.filter((x) => x.code !== 0)) expect(r.stderr).toMatch(/busy|lock|in use/i);
  });
});
