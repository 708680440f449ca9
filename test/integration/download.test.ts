import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { jsonLines, runCli, startCli } from '../cli/run.js';

const EID = '89049032123451234512345678901235';
const PROFILE = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
const PROFILE_ICCID = '8949449999999990049';

/**
 * The whole SGP.22 download for real: the CLI (a separate process) drives the virtual module served
 * on a pseudo-terminal by another process (real serialport binding), and talks ES9+ over TLS to the
 * local SM-DP+ on 127.0.0.1 with the SGP.26 test PKI.
 */
describe('download through serve-modem on a pty from the local SM-DP+ over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-dl-'));
  const pty = join(dir, 'modem');
  const journal = join(dir, 'journal-{eid}.json');
  let modem: ChildProcess;
  let smdp: SmdpServer;

  beforeAll(async () => {
    smdp = await startSmdp({ confirmationCodes: { 'TS48V3-SAIP2-1-BERTLV-UNIQUE': '1234' } });
    modem = (await startCli(['serve-modem', '--pty', pty, '--state', join(dir, 'euicc.json'), '--modem', 'quectel'], (o) => o.includes('ready on'))).child;
  });

  afterAll(async () => {
    if (modem && modem.exitCode === null) {
      const exited = new Promise((r) => modem.once('exit', r));
      modem.kill('SIGTERM');
      await exited;
    }
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const r = await runCli(['--json', '--device', pty, '--ca', smdp.caFile, '--connect-to', smdp.connectTo, ...args], { timeoutMs: 60_000, env: { LPA_AGENT_JOURNAL: journal } });
    const lines = jsonLines(r.stdout);
    const last = lines.at(-1)!;
    return { code: r.code, lines, data: last.data as Record<string, any>, error: last.error as Record<string, any> | undefined, stderr: r.stderr };
  };

  it('downloads a TS.48 profile by matching id, enables it, and the SM-DP+ records the install', async () => {
    const trace = join(dir, 'trace.log');
    const r = await cli('--trace', trace, 'download', '--smdp', smdp.address, '--matching-id', PROFILE, '--enable');
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.data).toMatchObject({ iccid: PROFILE_ICCID, enabled: true, method: 'address', profile: { profileName: expect.any(String) } });
    // progress for each step, metadata before the load
    const steps = r.lines.filter((l) => l.type === 'progress').map((l) => l.step);
    for (const s of ['initiateAuthentication', 'authenticateServer', 'authenticateClient', 'metadata', 'prepareDownload', 'getBoundProfilePackage', 'loadBoundProfilePackage', 'installed']) {
      expect(steps).toContain(s);
    }
    expect(steps.indexOf('metadata')).toBeLessThan(steps.indexOf('loadBoundProfilePackage'));
    // one TLS handshake for the whole download, notifications included
    expect(r.data.stats.tlsHandshakes).toBe(1);
    expect(r.data.stats.storeDataBlocks).toBeGreaterThan(60);
    expect(r.data.notifications.every((n: { delivered: boolean }) => n.delivered)).toBe(true);
    const order = smdp.admin.getOrder(PROFILE)!;
    expect(order.state).toBe('installed');
    // the AT trace holds every line with a timestamp
    const traceText = readFileSync(trace, 'utf8');
    expect(traceText).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z >> AT\+CGLA=/m);
    // ES9+ metadata in the same trace: exactly one TLS handshake, never a body
    expect(traceText.match(/## es9 tls-handshake /g)).toHaveLength(1);
    expect(traceText).toMatch(/## es9 request .*function=getBoundProfilePackage .*status=200/);
    expect(traceText).not.toMatch(/serverSigned1|boundProfilePackage"/);

    const profiles = (await cli('profiles')).data.profiles as { iccid: string; state: string }[];
    expect(profiles.find((p) => p.iccid === PROFILE_ICCID)?.state).toBe('enabled');
    expect(profiles.find((p) => p.iccid === '8988307000000000016')?.state).toBe('disabled');
    // install, enable and disable notifications all reached the SM-DP+ and left the eUICC
    expect((await cli('notifications', 'list')).data.notifications).toEqual([]);
    expect(smdp.admin.notifications().length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a second download of the same profile (8.2/3.7) and leaves the eUICC as it was', async () => {
    const r = await cli('download', '--smdp', smdp.address, '--matching-id', PROFILE);
    expect(r.code).toBe(6);
    expect(r.error).toMatchObject({ code: 'PROFILE_ALREADY_DOWNLOADED', details: { subjectCode: '8.2', reasonCode: '3.7' } });
    const profiles = (await cli('profiles')).data.profiles as { iccid: string }[];
    expect(profiles.filter((p) => p.iccid === PROFILE_ICCID)).toHaveLength(1);
  });

  it('SM-DP+ Default method: address stored with default-smdp, profile bound to the EID, no matching id', async () => {
    const order = smdp.admin.createOrder({ eid: EID, profile: 'TS48V1-A-UNIQUE' });
    expect((await cli('default-smdp', smdp.address)).code).toBe(0);
    const r = await cli('download');
    expect(r.error).toBeUndefined();
    expect(r.data).toMatchObject({ method: 'default', matchingId: '', iccid: order.iccid });
    expect(smdp.admin.getOrder(order.id)!.state).toBe('installed');
  });

  it('activation code with a confirmation code: missing and wrong are refused, right works', async () => {
    const ac = `LPA:1$${smdp.address}$TS48V3-SAIP2-1-BERTLV-UNIQUE$$1`;
    const missing = await cli('download', '--activation-code', ac);
    expect(missing.code).toBe(2);
    expect(missing.error?.message).toMatch(/confirmation code/);
    const wrong = await cli('download', '--activation-code', ac, '--confirmation-code', '9999');
    expect(wrong.code).toBe(6);
    expect(wrong.error).toMatchObject({ code: 'ES9_FAILED', details: { subjectCode: '8.2.7', reasonCode: '3.8' } });
    const right = await cli('download', '--activation-code', ac, '--confirmation-code', '1234');
    expect(right.error).toBeUndefined();
    expect(right.data.method).toBe('activation-code');
  });

  it('--output lpac prints the lpac JSON lines for download and profiles', async () => {
    const r = await runCli(['--output', 'lpac', '--device', pty, '--ca', smdp.caFile, '--connect-to', smdp.connectTo, 'download', '--smdp', smdp.address, '--matching-id', 'TS48V2-SAIP2-3-BERTLV-UNIQUE'], { timeoutMs: 60_000, env: { LPA_AGENT_JOURNAL: journal } });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    for (const l of lines) expect(Object.keys(l)).toEqual(['type', 'payload']);
    const messages = lines.filter((l) => l.type === 'progress').map((l) => (l.payload as { message: string }).message);
    expect(messages).toEqual(expect.arrayContaining(['es9p_initiate_authentication', 'es10b_authenticate_server', 'es9p_authenticate_client', 'es10b_prepare_download', 'es9p_get_bound_profile_package', 'es10b_load_bound_profile_package']));
    expect(lines.at(-1)).toMatchObject({ type: 'lpa', payload: { code: 0, message: 'success' } });
    const list = await runCli(['--output', 'lpac', '--device', pty, 'profiles']);
    const last = jsonLines(list.stdout).at(-1) as { type: string; payload: { code: number; data: Record<string, unknown>[] } };
    expect(last.type).toBe('lpa');
    expect(last.payload.code).toBe(0);
    expect(last.payload.data[0]).toEqual(
      expect.objectContaining({ iccid: expect.any(String), isdpAid: expect.any(String), profileState: expect.stringMatching(/^(enabled|disabled)$/), profileClass: expect.any(String) }),
    );
  });

  it('an unknown matching id is refused with the SM-DP+ reason, nothing installed', async () => {
    const r = await cli('download', '--smdp', smdp.address, '--matching-id', 'NO-SUCH-PROFILE');
    expect(r.code).toBe(6);
    expect(r.error).toMatchObject({ code: 'ES9_FAILED', details: { subjectCode: '8.2.6', reasonCode: '3.8' } });
  });
});
