import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.cjs';
import { jsonLines, ROOT, runCli } from './run.js';

describe('lpa-agent basics', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists every command and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['eid', 'info', 'profiles', 'enable', 'disable', 'delete', 'nickname', 'default-smdp', 'notifications', 'reset', 'discover', 'download', 'serve-modem']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
    expect(r.stdout).toContain('Exit codes');
    expect(r.stdout).toMatch(/^  --isdr-aid <hex> +AID of the eUICC's ISD-R/m);
  });

  it('command --help shows its usage', async () => {
    const r = await runCli(['enable', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: lpa-agent [global options] enable <iccid|isdp-aid>');
    expect(r.stdout).toContain('--no-notify');
  });

  it.each([
    [['bogus'], 2, /unknown command "bogus"/],
    [[], 2, /no command given/],
    [['--device', 'virtual', 'eid', '--frobnicate'], 2, /unknown option --frobnicate/],
    [['--device'], 2, /--device needs a value/],
    [['--device', 'virtual', 'enable', '12345'], 2, /invalid ICCID/],
    [['--device', 'virtual', 'nickname', '8988307000000000016'], 2, /usage: nickname/],
    [['--device', 'virtual', '--modem', 'nokia', 'eid'], 2, /--modem: "nokia" is not a known modem vendor/],
    [['--device', '/dev/lpa-agent-no-such-port', 'eid'], 4, /no such port/],
    [['--device', 'virtual', 'reset'], 2, /reset deletes the operational profiles, the test profiles and the default SM-DP\+ address from the eUICC; add --yes to confirm/],
    [['--device', 'virtual', 'reset', '--test'], 2, /reset deletes the test profiles from the eUICC; add --yes/],
    [['--device', 'virtual', '--isdr-aid', 'A0', 'eid'], 2, /--isdr-aid "A0" is not an AID/],
    [['--device', 'virtual', 'download', '--from-smds', '--smdp', 'x.example'], 2, /--from-smds takes the SM-DP\+ and matching id from the SM-DS events/],
    [['--device', 'virtual', 'download', '--smds', 'x.example'], 2, /--smds goes with --from-smds/],
    [['--device', 'virtual', 'discover', '--smds', 'ftp://x.example'], 2, /invalid SM-DS address "ftp:\/\/x.example"/],
    [['--device', 'virtual', 'notifications', 'send', '--all', '--profile', '8988307000000000016'], 2, /usage: notifications send/],
    [['serve-smdp', '--smds-port', '8444'], 2, /--smds-port needs --smds/],
    // a bad value on the command line is a usage error (exit 2); from the environment or the config file, exit 3
    [['--device', 'virtual', 'provision', '--cloud', 'sms'], 2, /--cloud: "sms" is not a cloud \(twilio, kore, backend or smds\)/],
  ])('%j fails with exit %i and one clear line', async (args, code, message) => {
    const r = await runCli(args as string[], { cwd: ROOT });
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--json failures end with a result object carrying the error code', async () => {
    const r = await runCli(['--json', '--device', '/dev/lpa-agent-no-such-port', 'eid']);
    expect(r.code).toBe(4);
    const last = jsonLines(r.stdout).at(-1)!;
    expect(last).toMatchObject({ type: 'result', ok: false, command: 'eid', error: { code: 'PORT_NOT_FOUND' } });
  });
});
