import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, type RunResult } from './run.js';

const EID = '89049032123451234512345678901235';

/** The run failed with `code` and one line on stderr matching `message`. */
const oneLine = (r: RunResult, code: number, message: RegExp): void => {
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

/**
 * Configuration applies to every command it makes sense for, through the real CLI: --config before
 * or after the command word, LPA_AGENT_* variables and config file keys for eid/profiles/...,
 * the same checks and "did you mean" everywhere, bad values refused at start.
 */
describe('configuration for every command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-cfg-'));
  const state = join(dir, 'euicc.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (obj: unknown, name = 'config.json'): string => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(obj));
    return p;
  };

  it('--config works before or after the command word, for any command', async () => {
    const file = config({ device: `virtual:${state}`, modem: 'quectel' });
    for (const args of [['--config', file, 'eid'], ['eid', '--config', file], [`--config=${file}`, 'info', '--json']]) {
      const r = await runCli(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(EID);
    }
    // the modem key of the file reached the virtual module of `info`
    const info = await runCli(['info', '--json', '--config', file]);
    expect((jsonLines(info.stdout).at(-1)!.data as { module: { vendor: string } }).module.vendor).toBe('quectel');
  });

  it('LPA_AGENT_DEVICE, LPA_AGENT_MODEM and LPA_AGENT_TRACE apply to profiles; the trace file is created 0600', async () => {
    const trace = join(dir, 'trace.log');
    const r = await runCli(['--json', 'profiles'], { env: { LPA_AGENT_DEVICE: `virtual:${state}`, LPA_AGENT_MODEM: 'simcom', LPA_AGENT_TRACE: trace, LPA_AGENT_CONFIG: '' } });
    expect(r.code).toBe(0);
    expect(statSync(trace).mode & 0o777).toBe(0o600);
    const lines = readFileSync(trace, 'utf8');
    expect(lines).toMatch(/>> AT\+CCHO=/);
    expect(lines).toMatch(/<< \+CCHO:1$/m); // SIMCom's answer shape: the simcom profile reached the virtual module
  });

  it('an existing trace file readable by others is tightened to 0600', async () => {
    const trace = join(dir, 'open-trace.log');
    writeFileSync(trace, '', { mode: 0o644 });
    const r = await runCli(['--device', `virtual:${state}`, '--trace', trace, 'eid']);
    expect(r.code).toBe(0);
    expect(statSync(trace).mode & 0o777).toBe(0o600);
  });

  it.each([
    [{ LPA_AGENT_BAUD: 'fast' }, ['eid'], 3, /^lpa-agent: LPA_AGENT_BAUD: "fast" is not a baud rate/],
    [{ LPA_AGENT_MODME: 'quectel' }, ['profiles'], 3, /LPA_AGENT_MODME is not a known setting \(did you mean LPA_AGENT_MODEM\?\)/],
    [{ LPA_AGENT_CONNECT_TO: 'foo' }, ['notifications', 'list'], 3, /LPA_AGENT_CONNECT_TO: "foo" is not HOST:PORT:HOST2:PORT2/],
    [{ LPA_AGENT_CA: '/nonexistent/ca.pem' }, ['download'], 3, /LPA_AGENT_CA: cannot read the certificate file \/nonexistent\/ca\.pem \(ENOENT\)/],
    // checked although --device overrides it: a typo never passes silently
    [{ LPA_AGENT_DEVICE: 'serial:/dev/x' }, ['eid'], 3, /LPA_AGENT_DEVICE: "serial:\/dev\/x" is not a device: unknown transport "serial"/],
    [{ LPA_AGENT_TIMEOUT: '10x' }, ['eid'], 3, /LPA_AGENT_TIMEOUT: "10x" is not a duration/],
  ])('bad environment %j fails %j at start (exit %i)', async (env, args, code, message) => {
    const r = await runCli(['--device', `virtual:${state}`, ...args], { env: { LPA_AGENT_CONFIG: '', ...env } });
    oneLine(r, code, message);
  });

  it('a config file key with a typo fails eid too, with a suggestion; unknown keys do not pass silently', async () => {
    const file = config({ device: `virtual:${state}`, fleeet: 'x' }, 'typo.json');
    const r = await runCli(['eid', '--config', file]);
    oneLine(r, 3, /config file .*typo\.json: key "fleeet" is unknown \(did you mean "fleet"\?\)/);
  });

  it('keys a command does not use are checked but ignored (one config file serves every command)', async () => {
    const file = config({ device: `virtual:${state}`, fleet: 'my-fleet', cloud: 'twilio', timeout: '20m' }, 'full.json');
    const r = await runCli(['--config', file, 'eid']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(EID);
  });

  it('an option of another command is named as such', async () => {
    const r = await runCli(['--device', `virtual:${state}`, 'eid', '--fleet', 'x']);
    oneLine(r, 2, /option --fleet is not used by eid \(it is an option of provision\)/);
  });

  describe('smds: one key for discover, download --from-smds and provision --cloud smds', () => {
    // every SM-DS name leads to a closed port on this machine: the error names the one asked
    const nowhere = ['--connect-to', 'x.example.com:443:127.0.0.1:1', '--connect-to', 'lpa.ds.gsma.com:443:127.0.0.1:1', '--connect-to', 'y.example.com:443:127.0.0.1:1'];

    it('LPA_AGENT_SMDS and config "smds" choose the SM-DS of discover and download --from-smds; --smds wins', async () => {
      const env = await runCli(['--device', `virtual:${state}`, ...nowhere, 'discover'], { env: { LPA_AGENT_SMDS: 'x.example.com' } });
      expect(env.code).toBe(6);
      expect(env.stderr).toMatch(/==> SM-DS x\.example\.com$/m);
      expect(env.stderr).toMatch(/cannot reach SM-DS x\.example\.com/);
      expect(env.stderr).not.toMatch(/lpa\.ds\.gsma\.com/);
      const file = config({ smds: 'x.example.com' }, 'smds.json');
      const fromFile = await runCli(['--config', file, '--device', `virtual:${state}`, ...nowhere, 'download', '--from-smds']);
      expect(fromFile.code).toBe(6);
      expect(fromFile.stderr).toMatch(/cannot reach SM-DS x\.example\.com/);
      const flag = await runCli(['--config', file, '--device', `virtual:${state}`, ...nowhere, 'discover', '--smds', 'y.example.com']);
      expect(flag.stderr).toMatch(/cannot reach SM-DS y\.example\.com/);
    });

    it('a configured SM-DS does not disturb a plain download; --smds on its command line without --from-smds is a usage error', async () => {
      const plain = await runCli(['--device', `virtual:${state}`, ...nowhere, 'download', '--smdp', 'y.example.com', '--matching-id', 'X'], { env: { LPA_AGENT_SMDS: 'x.example.com' } });
      expect(plain.code).toBe(6);
      expect(plain.stderr).toMatch(/cannot reach SM-DP\+ y\.example\.com/);
      oneLine(await runCli(['--device', `virtual:${state}`, 'download', '--smds', 'x.example.com']), 2, /--smds goes with --from-smds/);
    });

    it('eid --smds names the commands that use it', async () => {
      oneLine(await runCli(['--device', `virtual:${state}`, 'eid', '--smds', 'x.example.com']), 2, /option --smds is not used by eid \(it is an option of discover, download, provision\)/);
    });
  });

  it('a single-valued option given twice with different values is a usage error naming it; the same value twice passes', async () => {
    oneLine(
      await runCli(['--device', `virtual:${state}`, '--device', `virtual:${join(dir, 'other.json')}`, 'eid']),
      2,
      /^lpa-agent: option --device given twice with different values \(".*euicc\.json" and ".*other\.json"\): give it once$/m,
    );
    oneLine(await runCli(['--device', `virtual:${state}`, 'eid', '--apdu-size', '120', '--apdu-size=100']), 2, /option --apdu-size given twice with different values \("120" and "100"\)/);
    oneLine(await runCli(['--device', `virtual:${state}`, 'disable', '8988307000000000016', '--notify', '--no-notify']), 2, /option --notify given twice with different values \(--notify and --no-notify\)/);
    const same = await runCli(['--device', `virtual:${state}`, 'eid', '--device', `virtual:${state}`, '-q', '--quiet']);
    expect(same.code).toBe(0);
    expect(same.stdout.trim()).toBe(EID);
  });

  it('a command word where an option\'s value belongs: the option needs a value, not "no command given"', async () => {
    oneLine(await runCli(['--config', 'eid']), 2, /^lpa-agent: option --config needs a value <file> \("eid" is the command, not its value\)$/m);
    oneLine(await runCli(['--apdu-size', 'eid']), 2, /^lpa-agent: option --apdu-size needs a value <1\.\.255> \("eid" is the command, not its value\)$/m);
    oneLine(await runCli(['--device', `virtual:${state}`, '--trace', 'profiles']), 2, /option --trace needs a value <file>/);
    // a command word further on: the word before it is the option's value, as written
    const valued = await runCli(['--device', `virtual:${state}`, '--apdu-size', 'eid', 'eid']);
    oneLine(valued, 2, /--apdu-size: "eid" is not a whole number/);
  });

  it('options may come before the command word, command options included', async () => {
    const r = await runCli(['--device', `virtual:${state}`, '--smdp', 'not a host!', 'download']);
    oneLine(r, 2, /not a host/);
  });
});

describe('clear errors instead of confusing ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-err-'));
  const device = `virtual:${join(dir, 'euicc.json')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--device', '/etc/hostname', 'eid'], 4, /\/etc\/hostname is not a serial port \(it is a regular file\)/],
    [['--device', '/tmp', 'eid'], 4, /\/tmp is not a serial port \(it is a folder\)/],
    [['--device', '/dev/null', 'eid'], 4, /\/dev\/null is not a serial port \(a device without terminal settings\)/],
    [['--device', 'DEV', 'enable', '8988307000000000017'], 2, /invalid ICCID "8988307000000000017": the check digit \(last digit\) should be 6; a typo\?/],
    [['--device', 'DEV', 'nickname', '8949449999999990048', 'x'], 2, /the check digit \(last digit\) should be 9/],
    [['--device', 'DEV', 'eid', 'extra-arg'], 2, /eid takes no arguments; unexpected "extra-arg"/],
    [['--device', 'DEV', '--connect-to', 'foo', 'download'], 2, /--connect-to: "foo" is not HOST:PORT:HOST2:PORT2/],
    [['--device', 'DEV', '--json', '--output', 'human', 'eid'], 2, /--json and --output human contradict each other/],
    [['--device', 'DEV', '--ca', '/nonexistent/ca.pem', 'download'], 2, /--ca: cannot read the certificate file \/nonexistent\/ca\.pem \(ENOENT\)/],
    [['--device', 'DEV', '--ca', '/etc/hostname', 'notifications', 'send', '--all'], 2, /--ca: \/etc\/hostname is not a PEM or DER X\.509 certificate/],
    [['--device', 'DEV', 'download', '--matching-id', 'AB\u0001CD'], 2, /--matching-id "AB\\u0001CD" has characters other than letters, digits and "-"/],
    [['--device', 'DEV', 'download', '--matching-id', 'A'.repeat(300)], 2, /--matching-id "A{40}\.\.\." is longer than 255 characters \(300\)/],
    [['--device', 'DEV', '--backend-url', 'http://backend.example/{eid}', 'provision'], 2, /plain http:\/\/, which is allowed only for loopback addresses/],
    [['--device', 'DEV', '-v', '-q', 'eid'], 2, /--verbose and --quiet contradict each other/],
  ])('%j: exit %i, one line', async (args, code, message) => {
    const r = await runCli((args as string[]).map((a) => (a === 'DEV' ? device : a)));
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(code);
  });

  it('--json with --output lpac is a contradiction too (a usage error as a JSON result, nothing else)', async () => {
    const r = await runCli(['--device', device, '--json', '--output', 'lpac', 'eid']);
    expect(r.code).toBe(2);
    expect(jsonLines(r.stdout)).toEqual([{ type: 'result', ok: false, command: 'eid', error: { code: 'USAGE', message: '--json and --output lpac contradict each other: give one' } }]);
  });

  it('--device virtual:/nonexistent/dir/x.json is an error and creates no folder', async () => {
    const missing = join(dir, 'no', 'such', 'dir');
    const r = await runCli(['--device', `virtual:${join(missing, 'x.json')}`, 'eid']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the folder .*no\/such\/dir does not exist/);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it.each([
    [['serve-modem', '--pty', 'PTY']],
    [['serve-card', '--vpcd', '127.0.0.1:1']],
  ])('%j --state in a missing folder is an error before serving and creates no folder', async (args) => {
    const missing = join(dir, 'gone', 'dir');
    const r = await runCli([...(args as string[]).map((a) => (a === 'PTY' ? join(dir, 'pty-never') : a)), '--state', join(missing, 's.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^lpa-agent: --state .*: the folder .*gone\/dir does not exist/);
    expect(existsSync(join(dir, 'gone'))).toBe(false);
    expect(existsSync(join(dir, 'pty-never'))).toBe(false);
  });

  it('a journal the user names in a missing folder: JOURNAL (exit 8) naming the folder, which is not created', async () => {
    const missing = join(dir, 'no-journal-dir');
    const dl = await runCli(['--device', device, '--connect-to', 'a.example:443:127.0.0.1:1', 'download', '--smdp', 'a.example', '--matching-id', 'X'], {
      env: { LPA_AGENT_JOURNAL: join(missing, 'j.json') },
    });
    oneLine(dl, 8, /^lpa-agent: the folder .*no-journal-dir of the journal .*no-journal-dir\/j\.json does not exist \(a journal given with --journal, LPA_AGENT_JOURNAL or "journal" is created, its folder is not\)/m);
    const prov = await runCli(['--device', device, 'provision', '--cloud', 'smds', '--smds', 'a.example', '--journal', join(missing, 'sub', '{eid}.json')]);
    expect(prov.code).toBe(8);
    expect(prov.stderr).toMatch(/lpa-agent: the folder .*no-journal-dir\/sub of the journal .*does not exist/);
    expect(existsSync(missing)).toBe(false);
  });

  it('a lock file in a missing folder: a configuration error (exit 3) naming the folder, from any source', async () => {
    const lock = join(dir, 'no-lock-dir', 'agent.lock');
    const flag = await runCli(['--device', device, '--lock-file', lock, 'eid']);
    oneLine(flag, 3, /^lpa-agent: --lock-file: the folder .*no-lock-dir of the lock file .*no-lock-dir\/agent\.lock does not exist$/m);
    oneLine(await runCli(['--device', device, 'eid'], { env: { LPA_AGENT_LOCK_FILE: lock } }), 3, /^lpa-agent: LPA_AGENT_LOCK_FILE: the folder .*no-lock-dir of the lock file/m);
    expect(existsSync(join(dir, 'no-lock-dir'))).toBe(false);
  });

  it.each(['--pty', '--qmi', '--mbim'])('serve-modem %s in a missing folder: a usage error naming the folder, nothing served', async (option) => {
    const r = await runCli(['serve-modem', option, join(dir, 'no-pty-dir', 'port')]);
    oneLine(r, 2, new RegExp(`^lpa-agent: ${option} .*no-pty-dir/port: the folder .*no-pty-dir of the pty link does not exist`, 'm'));
    expect(existsSync(join(dir, 'no-pty-dir'))).toBe(false);
  });

  it('notifications remove of an unknown sequence number is an error, nothing removed', async () => {
    expect((await runCli(['--device', device, 'disable', '8988307000000000016', '--no-notify'])).code).toBe(0);
    const before = jsonLines((await runCli(['--json', '--device', device, 'notifications', 'list'])).stdout).at(-1)!.data as { notifications: { seqNumber: number }[] };
    expect(before.notifications.length).toBeGreaterThan(0);
    const r = await runCli(['--device', device, 'notifications', 'remove', '999', String(before.notifications[0]!.seqNumber)]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/no pending notification with sequence number 999 .*nothing removed/);
    expect(r.stdout).not.toMatch(/Removed/);
    const after = jsonLines((await runCli(['--json', '--device', device, 'notifications', 'list'])).stdout).at(-1)!.data;
    expect(after).toEqual(before);
  });

  it('enable of the profile already enabled succeeds as a no-op', async () => {
    expect((await runCli(['--device', device, 'enable', '8988307000000000016', '--no-notify'])).code).toBe(0);
    const r = await runCli(['--json', '--device', device, 'enable', '8988307000000000016', '--no-notify']);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ ok: true, data: { iccid: '8988307000000000016', alreadyEnabled: true } });
    const human = await runCli(['--device', device, 'enable', '8988307000000000016']);
    expect(human.code).toBe(0);
    expect(human.stdout.trim()).toBe('Profile 8988307000000000016 is already enabled; nothing to do.');
  });

  it('a journal of another eUICC is a clear error, and is left as it was', async () => {
    const journal = join(dir, 'journal.json');
    const other = { version: 1, eid: '89049032000000000000000000000017', completed: {}, transactionId: 'AB', history: [], updatedAt: new Date().toISOString() };
    writeFileSync(journal, JSON.stringify(other));
    const r = await runCli(['--device', device, 'download', '--journal', journal, '--smdp', 'smdp.example', '--matching-id', 'X']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/journal .*journal\.json belongs to the eUICC 89049032000000000000000000000017, not to this one \(89049032123451234512345678901235\)/);
    expect(JSON.parse(readFileSync(journal, 'utf8'))).toEqual(other);
  });
});

describe('log output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-log-'));
  const device = `virtual:${join(dir, 'euicc.json')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('progress lines carry a timestamp when stderr is not a terminal; -q drops them; no colour codes', async () => {
    const r = await runCli(['--device', device, 'disable', '8988307000000000016', '--no-notify']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ==> disable profile 8988307000000000016$/m);
    expect(r.stdout + r.stderr).not.toContain('\u001b[');
    const quiet = await runCli(['-q', '--device', device, 'enable', '8988307000000000016', '--no-notify']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/Profile 8988307000000000016 enabled/);
  });
});
