import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, startCli, stopCli } from './run.js';

const BOOTSTRAP = '8988307000000000016';

/**
 * One `serve-modem` process serving the same virtual module on its AT, QMI and MBIM ports: a
 * change made over one interface shows on the others (one card, one state file).
 */
describe('serve-modem --pty, --qmi and --mbim: one module, three interfaces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-srv-wwan-'));
  const at = join(dir, 'at');
  const qmi = join(dir, 'qmi');
  const mbim = join(dir, 'mbim');
  let server: ChildProcess;
  let ready = '';

  beforeAll(async () => {
    const s = await startCli(['serve-modem', '--pty', at, '--qmi', qmi, '--mbim', mbim, '--state', join(dir, 'euicc.json'), '--modem', 'quectel'], (o) => o.includes('ready on'));
    server = s.child;
    ready = s.output();
  });

  afterAll(async () => {
    await stopCli(server);
    rmSync(dir, { recursive: true, force: true });
  });

  const json = async (device: string, ...args: string[]) => {
    const r = await runCli(['--json', '--device', device, ...args], { env: { LPA_AGENT_WWAN_PROXY: 'never' } });
    const last = jsonLines(r.stdout).at(-1)!;
    return { code: r.code, data: last.data as Record<string, any>, error: last.error as Record<string, any> | undefined };
  };

  it('prints where each interface is served', () => {
    expect(ready).toContain(`${at} (AT)`);
    expect(ready).toContain(`${qmi} (QMI)`);
    expect(ready).toContain(`${mbim} (MBIM)`);
  });

  it('a profile disabled over QMI is disabled over AT and MBIM, and back', async () => {
    expect((await json(`qmi:${qmi}`, 'disable', BOOTSTRAP, '--no-notify')).error).toBeUndefined();
    expect((await json(at, 'profiles')).data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'disabled' });
    expect((await json(`mbim:${mbim}`, 'enable', BOOTSTRAP, '--no-notify')).error).toBeUndefined();
    expect((await json(`qmi:${qmi}`, 'profiles')).data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'enabled' });
    expect((await json(at, 'profiles')).data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'enabled' });
  });

  it('needs at least one interface', async () => {
    const r = await runCli(['serve-modem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pty <path> \(AT\), --qmi <path> and\/or --mbim <path>/);
  });
});
