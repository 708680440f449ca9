/**
 * SM-DS from the command line, every process real: `serve-smdp --smds --bind <eid>=<profile>` (the
 * local SM-DP+ and SM-DS), then `discover` (human, --json, --output lpac), `download --from-smds`
 * (every event, with its journal: killed mid-load, a rerun cancels the old session and finishes),
 * against the virtual module on a pseudo-terminal (`serve-modem --quirk root-ds=...`: its eUICC's
 * root SM-DS is the local one, and it outlives an agent that is killed).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EuiccStateStore, VIRTUAL_EID } from '../../src/sim/euicc/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { jsonLines, runCli, startCli, stopCli } from './run.js';

const P1 = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
const P2 = 'TS48V3-SAIP2-1-BERTLV-UNIQUE';
const P3 = 'TS48V4-SAIP2-1A-NOBERTLV-UNIQUE';

describe('serve-smdp --smds, discover, download --from-smds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-smds-cli-'));
  const state = join(dir, 'euicc.json');
  const pty = join(dir, 'modem');
  let server: ChildProcess | undefined;
  let modem: ChildProcess | undefined;
  let output: () => string;
  let peers: string[] = [];
  let admin = '';

  beforeAll(async () => {
    // the virtual eUICC's root SM-DS is the local one (set at manufacturing on a real card)
    modem = (await startCli(['serve-modem', '--pty', pty, '--state', state, '--modem', 'quectel', '--quirk', 'root-ds=testsmds1.example.com', '--quirk', 'sim-reset-ms=50'], (o) => o.includes('ready on'))).child;
    ({ child: server, output } = await startCli(['serve-smdp', '--smds', '--bind', `${VIRTUAL_EID}=${P1}`, '--bind', `${VIRTUAL_EID}=${P2}`], (o) => o.includes('profiles; each can be ordered')));
    const out = output();
    const use = [...out.matchAll(/use: --(?:smdp|smds) \S+ --connect-to (\S+) --ca (\S+)/g)];
    expect(use).toHaveLength(2);
    peers = ['--ca', use[0]![2]!, '--connect-to', use[0]![1]!, '--connect-to', use[1]![1]!];
    admin = /events: (http:\/\/127\.0\.0\.1:\d+)\/admin\/events/.exec(out)![1]!;
  });
  afterAll(async () => {
    await stopCli(server);
    await stopCli(modem);
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(['--device', pty, ...peers, ...args], { timeoutMs: 60_000 });
  // download --from-smds journals; its default is /var/lib/lpa-agent for a real port: keep it here
  const journal = ['--journal', join(dir, 'dl-{eid}.json')];
  const events = async () => (await (await fetch(`${admin}/admin/events`)).json()) as { eventId: string; rspServerAddress: string }[];

  it('serve-smdp prints both servers and each order\'s SM-DS event', () => {
    expect(output()).toMatch(/SM-DS listening on https:\/\/127\.0\.0\.1:\d+/);
    expect(output()).toMatch(new RegExp(`order \\S+: ${P1} \\(ICCID \\d+\\) bound to EID ${VIRTUAL_EID} matching id (EV-[0-9A-F]{16}), SM-DS event \\1`));
  });

  it('discover lists the events from the root SM-DS: human, --json and lpac', async () => {
    const human = await cli('discover');
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EVENT ID\s+SM-DP\+ ADDRESS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['testsmdpplus1.example.com', 'testsmdpplus1.example.com']);
    expect(human.stderr).toContain("==> SM-DS testsmds1.example.com (the eUICC's root SM-DS)");

    const json = await cli('--json', 'discover', '--smds', 'testsmds1.example.com');
    const res = jsonLines(json.stdout).at(-1) as { ok: boolean; data: { smdsAddress: string; events: { eventId: string }[] } };
    expect(res.ok).toBe(true);
    expect(res.data.smdsAddress).toBe('testsmds1.example.com');
    expect(res.data.events.map((e) => e.eventId)).toEqual((await events()).map((e) => e.eventId));

    const lpac = await cli('--output', 'lpac', 'discover');
    expect(lpac.code).toBe(0);
    expect(lpac.stdout.trim().split('\n')).toEqual([
      '{"type":"progress","payload":{"code":0,"message":"es10b_get_euicc_challenge_and_info","data":"testsmds1.example.com"}}',
      '{"type":"progress","payload":{"code":0,"message":"es9p_initiate_authentication","data":"testsmds1.example.com"}}',
      '{"type":"progress","payload":{"code":0,"message":"es10b_authenticate_server","data":"testsmds1.example.com"}}',
      '{"type":"progress","payload":{"code":0,"message":"es11_authenticate_client","data":"testsmds1.example.com"}}',
      '{"type":"lpa","payload":{"code":0,"message":"success","data":["testsmdpplus1.example.com","testsmdpplus1.example.com"]}}',
    ]);
  });

  it('download --from-smds installs every event\'s profile and enables the last; then no event is left (exit 0)', async () => {
    const r = await cli('--json', 'download', '--from-smds', '--enable', ...journal);
    const res = jsonLines(r.stdout).at(-1) as { ok: boolean; data: Record<string, any>; error?: unknown };
    expect(res.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(res.data.downloads.map((d: { profile: { profileName: string } }) => d.profile.profileName)).toEqual([P1, P2]);
    expect(res.data.enabled).toBe(true);
    expect(await events()).toEqual([]);
    const store = EuiccStateStore.open(state);
    expect(store.state.profiles.filter((p) => p.profileName === P1 || p.profileName === P2)).toHaveLength(2);
    expect(store.state.profiles.find((p) => p.profileName === P2)!.state).toBe('enabled');
    expect(store.state.notifications).toEqual([]);

    const again = await cli('download', '--from-smds', ...journal);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('No events for this eUICC at testsmds1.example.com: nothing to download.');
    const none = await cli('discover');
    expect(none.stdout.trim()).toBe('No events for this eUICC at testsmds1.example.com.');
  });

  it('killed in the middle of the load, a rerun cancels the session it left and downloads the event again', async () => {
    const order = (await (await fetch(`${admin}/admin/orders`, { method: 'POST', body: JSON.stringify({ eid: VIRTUAL_EID, profile: P3, smds: true }) })).json()) as { id: string; smdsEventId: string };
    const crashed = await runCli(['--device', pty, ...peers, '--json', 'download', '--from-smds', ...journal], {
      env: { LPA_AGENT_TEST_CRASH_AT: 'loadBoundProfilePackage#3' },
      timeoutMs: 60_000,
    });
    expect(crashed.code).toBe(-1); // SIGKILL
    const written = JSON.parse(readFileSync(join(dir, `dl-${VIRTUAL_EID}.json`), 'utf8')) as { transactionId?: string };
    expect(written.transactionId).toMatch(/^[0-9A-F]{32}$/);
    expect((await events()).map((e) => e.eventId)).toEqual([order.smdsEventId]);

    const rerun = await cli('--json', 'download', '--from-smds', ...journal);
    const lines = jsonLines(rerun.stdout);
    expect((lines.at(-1) as { error?: unknown }).error).toBeUndefined();
    expect(lines.some((l) => l.step === 'recover' && String(l.message).includes('old session cancelled on the eUICC and the SM-DP+'))).toBe(true);
    const o = (await (await fetch(`${admin}/admin/orders/${order.id}`)).json()) as { state: string; cancellations: unknown[] };
    expect(o.state).toBe('installed');
    expect(o.cancellations).toHaveLength(1);
    expect(await events()).toEqual([]);
    expect(EuiccStateStore.open(state).state.profiles.filter((p) => p.profileName === P3)).toHaveLength(1);
    expect(EuiccStateStore.open(state).state.notifications).toEqual([]);
  });

  it('--help of the new commands and options', async () => {
    expect((await runCli(['discover', '--help'])).stdout).toContain('Usage: lpa-agent [global options] discover [--smds <address>]');
    const dl = (await runCli(['download', '--help'])).stdout;
    expect(dl).toContain('--from-smds');
    expect(dl).toContain('--journal <file>');
    expect((await runCli(['serve-smdp', '--help'])).stdout).toContain('--smds-port <n>');
    expect((await runCli(['provision', '--help'])).stdout).toContain('--cloud smds needs no credentials');
  });
});

/** What was asked and what answered, in words: an SM-DP+ given where an SM-DS belongs, a download without a matching id. */
describe('an SM-DP+ at an SM-DS address; --smdp without a matching id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-notsmds-'));
  let smdp: SmdpServer;
  beforeAll(async () => {
    smdp = await startSmdp(); // no order for the virtual eUICC
  });
  afterAll(async () => {
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (...args: string[]) => runCli(['--device', `virtual:${join(dir, 'euicc.json')}`, '--ca', smdp.caFile, '--connect-to', smdp.connectTo, ...args], { timeoutMs: 60_000 });

  it('discover --smds <an SM-DP+>: the refusal keeps what the server said and hints that the address may not be an SM-DS', async () => {
    const r = await cli('--json', 'discover', '--smds', smdp.address);
    expect(r.code).toBe(6);
    const error = (jsonLines(r.stdout).at(-1) as { error: { code: string; message: string; details: Record<string, unknown> } }).error;
    expect(error.code).toBe('ES9_FAILED');
    expect(error.message).toMatch(/^SM-DS refused authenticateClient \(Failed, 8\.1\.1\/3\.8\): .*; the server said: "no profile is bound to EID \d{32}"/);
    expect(error.message).toMatch(
      /\(testsmdpplus1\.example\.com may not be an SM-DS: it signed with an SM-DP\+ certificate \(role dp-auth\), not an SM-DS one \(ds-auth\); a profile's SM-DP\+ address goes to "download --smdp"\)$/,
    );
    expect(error.details).toMatchObject({ server: 'SM-DS', smdsAddress: smdp.address, hint: `${smdp.address} may not be an SM-DS` });
  });

  it('download --smdp without --matching-id says what it asks for, not "default SM-DP+"', async () => {
    const r = await cli('download', '--smdp', smdp.address);
    expect(r.stderr).toMatch(/==> SM-DP\+ testsmdpplus1\.example\.com \(no matching id: the profile bound to this EID\)$/m);
    expect(r.stderr).not.toMatch(/default SM-DP\+/);
    const json = await cli('--json', 'download', '--smdp', smdp.address);
    expect(jsonLines(json.stdout).find((l) => l.step === 'target')).toMatchObject({ data: { smdpAddress: smdp.address, matchingId: '', method: 'address' } });
  });
});
