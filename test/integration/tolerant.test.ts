import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { runCli } from '../cli/run.js';
import { cliJson, serveModem, type ServedModem } from './helpers.js';

const BOOTSTRAP = '8988307000000000016';
const CJK_SPN = '中国移动通信集团有限公司测试运营商服务提供者名称二三四五六七八九'; // 32 characters, 96 bytes

/** What real cards and servers send, over a real pty: long UTF-8 names, terminal control characters. */
describe('tolerant decoding and printing (serve-modem on a pty)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-tol-'));
  let m: ServedModem;
  let cjk: SmdpServer;
  let evil: SmdpServer;

  beforeAll(async () => {
    [cjk, evil] = await Promise.all([startSmdp({ serviceProviderName: CJK_SPN }), startSmdp({ serviceProviderName: 'Evil\u001b[2J\u001b]0;pwned\u0007Corp\u009b31m' })]);
    m = await serveModem(dir, 'modem', [], 'simcom');
  });

  afterAll(async () => {
    await m?.stop();
    await Promise.all([cjk?.close(), evil?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 40-character CJK nickname is set and lists; 64 emoji too; 65 characters are refused', async () => {
    const nick = '漢字かな交じりの長い名前を付けてみましょう。これは四十文字のニックネームです！。';
    expect([...nick]).toHaveLength(40);
    expect((await cliJson(m.pty, undefined, 'nickname', BOOTSTRAP, nick)).code).toBe(0);
    const list = await cliJson(m.pty, undefined, 'profiles');
    expect(list.code).toBe(0);
    expect(list.data.profiles[0]).toMatchObject({ iccid: BOOTSTRAP, nickname: nick });
    const human = await runCli(['--device', m.pty, 'profiles']);
    expect(human.stdout).toContain(nick);
    const emoji = '🛰'.repeat(64);
    expect((await cliJson(m.pty, undefined, 'nickname', BOOTSTRAP, emoji)).code).toBe(0);
    expect((await cliJson(m.pty, undefined, 'profiles')).data.profiles[0].nickname).toBe(emoji);
    expect((await cliJson(m.pty, undefined, 'nickname', BOOTSTRAP, `${emoji}x`)).code).toBe(2);
  });

  it('a 32-character CJK provider name downloads and lists', async () => {
    expect([...CJK_SPN]).toHaveLength(32);
    const r = await cliJson(m.pty, cjk, 'download', '--smdp', cjk.address, '--matching-id', 'TS48V1-A-UNIQUE');
    expect(r.error).toBeUndefined();
    expect(r.data.profile.serviceProviderName).toBe(CJK_SPN);
    const list = await cliJson(m.pty, undefined, 'profiles');
    expect(list.data.profiles.some((p: { serviceProviderName: string }) => p.serviceProviderName === CJK_SPN)).toBe(true);
  });

  it('strings from the SM-DP+ and the eUICC are printed without terminal control characters', async () => {
    const r = await runCli(['--device', m.pty, '--ca', evil.caFile, '--connect-to', evil.connectTo, 'download', '--smdp', evil.address, '--matching-id', 'TS48V1-B-UNIQUE'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const list = await runCli(['--device', m.pty, 'profiles']);
    for (const out of [r.stdout, r.stderr, list.stdout]) {
      expect(out).not.toMatch(/[\u001b\u0007\u009b]/);
    }
    expect(list.stdout).toContain('Evil?[2J?]0;pwned?Corp?31m');
    // JSON keeps the exact string (escaped by JSON itself)
    const json = await cliJson(m.pty, undefined, 'profiles');
    expect(json.stdout).not.toMatch(/\u001b/);
    expect(json.data.profiles.some((p: { serviceProviderName: string }) => p.serviceProviderName.includes('\u001b[2J'))).toBe(true);
  });
});
