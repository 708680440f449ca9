import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { runCli } from '../cli/run.js';
import { cliJson, cliJsonEnv, serveModem, storeDataLcs, type ServedModem } from './helpers.js';

const BOOTSTRAP = '8988307000000000016';

/**
 * Status words and block sizes over a real pseudo-terminal: `serve-modem --quirk ...` in its own
 * process, the CLI in another with the native serialport binding, the local SM-DP+ over TLS.
 */
describe('91xx status words and STORE DATA block sizes (serve-modem on a pty)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-sw-'));
  let smdp: SmdpServer;
  const modems: ServedModem[] = [];

  beforeAll(async () => {
    smdp = await startSmdp();
  });

  afterAll(async () => {
    await Promise.all(modems.map((m) => m.stop()));
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const serve = async (name: string, quirks: string[], vendor?: string) => {
    const m = await serveModem(dir, name, quirks, vendor);
    modems.push(m);
    return m;
  };

  it('--quirk sw91xx: disable and enable succeed although the eUICC ends them with 91xx', async () => {
    const m = await serve('sw91xx', ['sw91xx']);
    const trace = join(dir, 'sw91xx.trace');
    const off = await cliJson(m.pty, undefined, '--trace', trace, 'disable', BOOTSTRAP, '--no-notify');
    expect(off.error).toBeUndefined();
    expect(off.code).toBe(0);
    expect(readFileSync(trace, 'utf8')).toMatch(/<< \+CGLA: \d+,"[0-9A-F]*910B"/);
    const on = await cliJson(m.pty, undefined, 'enable', BOOTSTRAP, '--no-notify');
    expect(on.error).toBeUndefined();
    expect(on.code).toBe(0);
    const profiles = await cliJson(m.pty, undefined, 'profiles');
    expect(profiles.data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'enabled' });
  });

  it('--quirk sw91xx=all: a download and its enable succeed with 91xx on every ES10 answer', async () => {
    const m = await serve('sw91xx-all', ['sw91xx=all']);
    const r = await cliJson(m.pty, smdp, 'download', '--smdp', smdp.address, '--matching-id', 'TS48V1-A-UNIQUE', '--enable');
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.data).toMatchObject({ enabled: true });
    expect(smdp.admin.getOrder('TS48V1-A-UNIQUE')!.state).toBe('installed');
  });

  it('--apdu-size 120: no STORE DATA line carries more than 120 data bytes, and the download works', async () => {
    const m = await serve('apdu120', []);
    const trace = join(dir, 'apdu120.trace');
    const r = await cliJson(m.pty, smdp, '--trace', trace, '--apdu-size', '120', 'download', '--smdp', smdp.address, '--matching-id', 'TS48V1-B-UNIQUE');
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    const lcs = storeDataLcs(readFileSync(trace, 'utf8'));
    expect(lcs.length).toBeGreaterThan(50);
    expect(Math.max(...lcs)).toBe(120);
  });

  it('LPA_AGENT_APDU_SIZE over +CSIM on a module that freezes on long lines', async () => {
    const m = await serve('csim-limit', ['csim-only', 'line-limit=128']);
    const trace = join(dir, 'csim.trace');
    const r = await cliJsonEnv({ LPA_AGENT_APDU_SIZE: '100' }, m.pty, smdp, '--trace', trace, 'download', '--smdp', smdp.address, '--matching-id', 'TS48V2-SAIP2-3-NOBERTLV-UNIQUE');
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    const text = readFileSync(trace, 'utf8');
    expect(text).toMatch(/>> AT\+CSIM=/);
    expect(Math.max(...storeDataLcs(text))).toBe(100);
  });

  it('a module that freezes on a long STORE DATA line: the AT timeout says to try --apdu-size 120 (the block is not resent)', { timeout: 120_000 }, async () => {
    const m = await serve('csim-freeze', ['csim-only', 'line-limit=128']);
    const trace = join(dir, 'csim-freeze.trace');
    const r = await cliJson(m.pty, smdp, '--trace', trace, 'download', '--smdp', smdp.address, '--matching-id', 'TS48V3-SAIP2-1-BERTLV-UNIQUE');
    expect(r.code).toBe(4);
    expect(r.error).toMatchObject({ code: 'AT_TIMEOUT', details: { hint: 'try smaller STORE DATA blocks with --apdu-size 120' } });
    expect(r.error?.message).toMatch(/^no answer from the module to AT\+CSIM=.* within \d+ ms \(the command carried a 2\d\d-byte STORE DATA block; .*try smaller STORE DATA blocks with --apdu-size 120\)$/);
    // the block that got no answer was sent once
    const longBlocks = readFileSync(trace, 'utf8').split('\n').filter((l) => />> AT\+CSIM=5\d\d,/.test(l));
    expect(longBlocks).toHaveLength(1);
  });

  it('serve-modem --help lists every quirk; a bad --quirk is a usage error', async () => {
    const help = await runCli(['serve-modem', '--help']);
    for (const q of ['sw91xx', 'line-limit=<bytes>', 'slow-sim=<ms>', 'no-tag-list', 'malformed-install-result', 'malformed-notification', 'rat=<rule>']) expect(help.stdout).toContain(q);
    const bad = await runCli(['serve-modem', '--pty', join(dir, 'never'), '--quirk', 'no-such-quirk']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown quirk "no-such-quirk"/);
  });

  it('--apdu-size is checked', async () => {
    const r = await cliJson('/nonexistent', undefined, '--apdu-size', '300', 'eid');
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/1 to 255/);
  });
});
