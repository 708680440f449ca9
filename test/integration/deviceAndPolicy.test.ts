import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRatSpec } from '../../drivers/virtual/quirkSpec.js';
import { decodeAuthenticateServerRequest } from '../../src/es10/authenticateServer.js';
import type { VirtualEuicc } from '../../src/sim/euicc/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { toHex } from '../../src/util/hex.js';
import { runCli } from '../cli/run.js';
import { cliJson, cliJsonEnv, es10Requests, serveCardOnPty, type PtyCard } from './helpers.js';

const PPR2 = 'TS48V3-SAIP2-1-BERTLV-UNIQUE';
const PPR1 = 'TS48V3-SAIP2-1-NOBERTLV-UNIQUE';

/**
 * deviceInfo, activation codes and Profile Policy Rules: the virtual module (generic dialect, which
 * reports NG-RAN in AT+WS46=?) on a real pty, the CLI as a separate process, the local SM-DP+ with
 * two profiles carrying PPRs.
 */
describe('device info, activation codes and policy rules (pty)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-ppr-'));
  let peer: PtyCard;
  let pty: string;
  let card: VirtualEuicc;
  let smdp: SmdpServer;

  beforeAll(async () => {
    smdp = await startSmdp({ policyRules: { [PPR2]: { ppr: ['ppr2'] }, [PPR1]: { ppr: ['ppr1'], owner: { mccMnc: Uint8Array.of(0x32, 0xf4, 0x10) } } } });
    peer = await serveCardOnPty(dir, 'generic');
    ({ pty, card } = peer);
  });

  afterAll(async () => {
    await peer?.close();
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctxOf = (trace: string) => {
    const req = es10Requests(readFileSync(trace, 'utf8')).find((r) => r[0] === 0xbf && r[1] === 0x38)!;
    return decodeAuthenticateServerRequest(req).ctxParams1;
  };

  it('deviceInfo: the TAC of the module\'s IMEI (AT+CGSN) and the capabilities it reports (AT+WS46=?, 5G included)', async () => {
    const trace = join(dir, 'di.trace');
    const r = await cliJson(pty, smdp, '--trace', trace, 'download', '--smdp', smdp.address, '--matching-id', 'TS48V1-A-UNIQUE');
    expect(r.error).toBeUndefined();
    const text = readFileSync(trace, 'utf8');
    expect(text).toMatch(/>> AT\+CGSN/);
    expect(text).toMatch(/>> AT\+WS46=\?/);
    const ctx = ctxOf(trace);
    expect(toHex(ctx.deviceInfo.tac)).toBe('35000000');
    expect(ctx.deviceInfo.deviceCapabilities).toMatchObject({
      gsmSupportedRelease: '15.0.0',
      eutranEpcSupportedRelease: '15.0.0',
      nrEpcSupportedRelease: '15.0.0',
      nr5gcSupportedRelease: '15.0.0',
      eutran5gcSupportedRelease: '15.0.0',
    });
  });

  it('--imei / LPA_AGENT_IMEI override the module\'s IMEI (and no AT+CGSN is sent)', async () => {
    const trace = join(dir, 'imei.trace');
    const r = await cliJsonEnv({ LPA_AGENT_IMEI: '490154203237518' }, pty, smdp, '--trace', trace, 'download', '--smdp', smdp.address, '--matching-id', 'TS48V1-B-UNIQUE');
    expect(r.error).toBeUndefined();
    expect(toHex(ctxOf(trace).deviceInfo.tac)).toBe('49015420');
    expect(readFileSync(trace, 'utf8')).not.toMatch(/>> AT\+CGSN/);
    const bad = await cliJson(pty, smdp, '--imei', '490154203237519', 'eid');
    expect(bad.code).toBe(2);
    expect(bad.error?.message).toMatch(/check digit/);
  });

  it('an activation code with the SM-DP+ OID: the right one downloads, a wrong one is refused before the eUICC sees anything', async () => {
    const wrong = await cliJson(pty, smdp, 'download', '--activation-code', `LPA:1$${smdp.address}$TS48V2-SAIP2-1-NOBERTLV-UNIQUE$2.999.99$0`);
    expect(wrong.code).toBe(6);
    expect(wrong.error).toMatchObject({ code: 'SMDP_MISMATCH', details: { expectedOid: '2.999.99' } });
    expect(smdp.stats().requests.authenticateClient ?? 0).toBe(2); // only the two downloads above
    const right = await cliJson(pty, smdp, 'download', '--activation-code', `LPA:1$${smdp.address}$TS48V2-SAIP2-1-NOBERTLV-UNIQUE$2.999.10$0`);
    expect(right.error).toBeUndefined();
    expect(right.code).toBe(0);
  });

  it('a profile whose PPRs the eUICC\'s RAT does not allow is refused before PrepareDownload and cancelled with pprNotAllowed', async () => {
    card.quirks.rat = [];
    const r = await cliJson(pty, smdp, 'download', '--smdp', smdp.address, '--matching-id', PPR2);
    expect(r.code).toBe(5);
    expect(r.error).toMatchObject({ code: 'PPR_NOT_ALLOWED', details: { cancelReason: 'pprNotAllowed', notAllowed: ['ppr2'] } });
    const order = smdp.admin.getOrder(PPR2)!;
    expect(order.state).toBe('cancelled');
    expect(order.cancellations.map((c) => c.reason)).toEqual(['pprNotAllowed (3)']);
  });

  it('consent: refused by default, downloaded with --accept-ppr; profiles shows the PPRs and info the RAT', async () => {
    card.quirks.rat = parseRatSpec('ppr1+ppr2/consent');
    const refused = await cliJson(pty, smdp, 'download', '--smdp', smdp.address, '--matching-id', PPR2);
    expect(refused.error).toMatchObject({ code: 'PPR_NOT_ALLOWED', details: { needConsent: ['ppr2'] } });
    expect(refused.error?.message).toMatch(/--accept-ppr/);
    const ok = await cliJson(pty, smdp, '--accept-ppr', 'download', '--smdp', smdp.address, '--matching-id', PPR2);
    expect(ok.error).toBeUndefined();
    expect(ok.data.profile.ppr).toEqual(['ppr2']);
    const list = await cliJson(pty, undefined, 'profiles');
    expect(list.data.profiles.find((p: { iccid: string }) => p.iccid === ok.data.iccid).ppr).toEqual(['ppr2']);
    const human = await runCli(['--device', pty, 'profiles']);
    expect(human.stdout).toMatch(/POLICY/);
    expect(human.stdout).toMatch(/ppr2/);
    const info = await runCli(['--device', pty, 'info']);
    expect(info.stdout).toMatch(/Policy rules \(RAT\): +ppr1\+ppr2 for any operator \(end-user consent\)/);
    // PPR2: the eUICC refuses to delete it
    expect((await cliJson(pty, undefined, 'delete', ok.data.iccid, '--no-notify')).error).toMatchObject({ details: { result: 'disallowedByPolicy' } });
  });

  it('the eUICC enforces its RAT itself: accepted by the operator, refused by the card (pprNotAllowed), no cancel', async () => {
    card.quirks.rat = parseRatSpec('ppr1@00F110');
    const cancels = smdp.stats().requests.cancelSession ?? 0;
    const r = await cliJsonEnv({ LPA_AGENT_ACCEPT_PPR: 'true' }, pty, smdp, 'download', '--smdp', smdp.address, '--matching-id', PPR1);
    expect(r.code).toBe(5);
    expect(r.error).toMatchObject({ code: 'PROFILE_INSTALL_FAILED', details: { errorReason: 'pprNotAllowed' } });
    expect(smdp.stats().requests.cancelSession ?? 0).toBe(cancels);
    expect(smdp.admin.getOrder(PPR1)!.state).toBe('failed');
  });
});
