import { describe, expect, it } from 'vitest';
import { startCli } from './run.js';

/** The simulated peers as commands: they print how to use them when ready and stop cleanly on SIGTERM. */
describe('serve-cloud and serve-smdp', () => {
  it('serve-cloud prints its URL and accepted credentials, answers with Basic auth, stops on SIGTERM', async () => {
    const sid = `AC${'0123456789abcdef'.repeat(2)}`;
    const { child, output } = await startCli(['serve-cloud', '--account-sid', sid, '--auth-token', 'tok-123'], (o) => o.includes('--cloud-url'));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output())![1]!;
    expect(output()).toContain(`TWILIO_ACCOUNT_SID=${sid} TWILIO_AUTH_TOKEN=tok-123`);
    const auth = `Basic ${Buffer.from(`${sid}:tok-123`).toString('base64')}`;
    const ok = await fetch(`${url}/v1/ESimProfiles`, { headers: { authorization: auth } });
    expect(ok.status).toBe(200);
    const denied = await fetch(`${url}/v1/ESimProfiles`, { headers: { authorization: `Basic ${Buffer.from(`${sid}:wrong`).toString('base64')}` } });
    expect(denied.status).toBe(401);
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('serve-smdp prints the options to reach it and refuses a bad --bind before listening', async () => {
    const { child, output } = await startCli(['serve-smdp', '--bind', '89049032123451234512345678901235=TS48V1-A-UNIQUE'], (o) => o.includes('each can be ordered once'));
    expect(output()).toMatch(/--smdp testsmdpplus1\.example\.com --connect-to testsmdpplus1\.example\.com:443:127\.0\.0\.1:\d+ --ca \S+CERT_CI_ECDSA_NIST\.pem/);
    expect(output()).toMatch(/bound to EID 89049032123451234512345678901235/);
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const bad = startCli(['serve-smdp', '--bind', '1234=TS48V1-A-UNIQUE'], () => false);
    await expect(bad).rejects.toThrow(/exited with 2/);
  });
});
