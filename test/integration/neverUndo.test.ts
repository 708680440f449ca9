import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualModem } from '../../drivers/virtual/modem.js';
import type { VirtualEuicc } from '../../src/sim/euicc/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';
import { cliJson, serveCardOnPty, type PtyCard } from './helpers.js';

const BOOTSTRAP = '8988307000000000016';
const X = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
const X_ICCID = '8949449999999990049';

/**
 * "Never undo what the card did", notifications and the install result: the virtual module with the
 * virtual eUICC served on a real pty (its quirks switched between commands), the CLI as a separate
 * process with the native serialport binding, two local SM-DP+s over TLS (the same catalogue, so
 * the same ICCID can come from either).
 */
describe('never undo what the card did (pty)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-undo-'));
  let peer: PtyCard;
  let pty: string;
  let card: VirtualEuicc;
  let modem: VirtualModem;
  let a: SmdpServer;
  let b: SmdpServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startSmdp(), startSmdp()]);
    peer = await serveCardOnPty(dir);
    ({ pty, card, modem } = peer);
  });

  afterAll(async () => {
    await peer?.close();
    await Promise.all([a?.close(), b?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const pending = () => card.state.notifications.map((n) => `${n.operation}:${n.iccid}`);

  it('an install result that does not decode is the card\'s result: no cancel, the profile list confirms, the notification goes out', async () => {
    card.quirks.malformedInstallResult = 'garbage';
    try {
      const r = await cliJson(pty, a, 'download', '--smdp', a.address, '--matching-id', 'TS48V1-A-UNIQUE');
      expect(r.error).toBeUndefined();
      expect(r.code).toBe(0);
      expect(r.data).toMatchObject({ resultReadable: false, iccid: a.admin.getOrder('TS48V1-A-UNIQUE')!.iccid });
      expect(r.lines.some((l) => /result not readable/.test(String(l.message)))).toBe(true);
      expect(a.stats().requests.cancelSession).toBeUndefined();
      // the queued (well-formed) result reached the SM-DP+
      expect(a.admin.getOrder('TS48V1-A-UNIQUE')!.state).toBe('installed');
      expect(pending()).toEqual([]);
    } finally {
      card.quirks.malformedInstallResult = 'off';
    }
  });

  it('a truncated install result is still read for what it says', async () => {
    card.quirks.malformedInstallResult = 'truncated';
    try {
      const r = await cliJson(pty, a, 'download', '--smdp', a.address, '--matching-id', 'TS48V1-B-UNIQUE');
      expect(r.error).toBeUndefined();
      expect(r.data).toMatchObject({ resultReadable: true });
      expect(a.stats().requests.cancelSession).toBeUndefined();
    } finally {
      card.quirks.malformedInstallResult = 'off';
    }
  });

  it('an error install result is sent at once; a queued one goes before the next download, which then works', async () => {
    expect((await cliJson(pty, a, 'download', '--smdp', a.address, '--matching-id', X)).code).toBe(0);
    // the same ICCID from the second SM-DP+: the eUICC refuses it, and B hears it right away
    const refused = await cliJson(pty, b, 'download', '--smdp', b.address, '--matching-id', X);
    expect(refused.code).toBe(5);
    expect(refused.error).toMatchObject({ code: 'PROFILE_INSTALL_FAILED', details: { errorReason: 'installFailedDueToIccidAlreadyExistsOnEuicc' } });
    expect(b.admin.getOrder(X)!.state).toBe('failed');
    expect(b.stats().requests.cancelSession).toBeUndefined();
    expect(pending()).toEqual([]);
    // again without notifications: the result stays queued and B's one-shot order is "downloaded"
    expect((await cliJson(pty, b, 'download', '--smdp', b.address, '--matching-id', X, '--no-notify')).code).toBe(5);
    expect(b.admin.getOrder(X)!.state).toBe('downloaded');
    expect(pending()).toEqual([`install:${X_ICCID}`]);
    // the operator removes the old copy; the rerun delivers the queued result first and is not blocked
    expect((await cliJson(pty, undefined, 'delete', X_ICCID, '--no-notify')).code).toBe(0);
    const rerun = await cliJson(pty, b, 'download', '--smdp', b.address, '--matching-id', X);
    expect(rerun.error).toBeUndefined();
    expect(rerun.code).toBe(0);
    expect(rerun.lines.some((l) => /pending install notification/.test(String(l.message)))).toBe(true);
    expect(b.admin.getOrder(X)!.state).toBe('installed');
  });

  it('malformed notifications are listed and reported, never hide the others; a refusal is reported once and removed', async () => {
    expect((await cliJson(pty, undefined, 'notifications', 'remove', '--all')).code).toBe(0);
    card.quirks.malformedNotifications = 1;
    expect((await cliJson(pty, undefined, 'disable', BOOTSTRAP, '--no-notify')).code).toBe(0);
    expect((await cliJson(pty, undefined, 'enable', BOOTSTRAP, '--no-notify')).code).toBe(0);
    const list = await cliJson(pty, undefined, 'notifications', 'list');
    expect(list.code).toBe(0);
    expect((list.data.notifications as { operation: string }[]).map((n) => n.operation)).toEqual(['notificationDisable', 'notificationEnable']);
    // a disable whose own notification has two operation bits: the disable itself succeeds
    card.quirks.twoOperationBits = 1;
    const r = await cliJson(pty, a, 'disable', BOOTSTRAP);
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    const sent = r.data.notifications as { operation: string; delivered: boolean; refused?: boolean; removed: boolean }[];
    expect(sent.filter((n) => n.delivered).map((n) => n.operation)).toEqual(['notificationEnable']);
    // the SM-DP+ refused the two bad ones with a failure status: reported once, removed, not retried
    expect(sent.filter((n) => n.refused && n.removed)).toHaveLength(2);
    expect(r.lines.filter((l) => l.type === 'notice').length).toBeGreaterThanOrEqual(2);
    expect(pending()).toEqual([]);
    expect((await cliJson(pty, undefined, 'enable', BOOTSTRAP, '--no-notify')).code).toBe(0);
  });

  it('a busy SIM after a reset (CME 14 on +CCHO while +CPIN says READY) is waited for', async () => {
    modem.quirks.slowSimMs = 1500;
    try {
      expect((await cliJson(pty, undefined, 'nickname', BOOTSTRAP, 'slow')).code).toBe(0);
      modem.requestSimReset();
      await new Promise((r) => setTimeout(r, 100));
      const trace = join(dir, 'slow.trace');
      const r = await cliJson(pty, undefined, '--trace', trace, 'profiles');
      expect(r.error).toBeUndefined();
      expect(r.code).toBe(0);
      expect(readFileSync(trace, 'utf8')).toMatch(/<< \+CME ERROR: 14/);
    } finally {
      modem.quirks.slowSimMs = 0;
    }
  });

  it('a card without tag-list support is asked again without one', async () => {
    card.quirks.noTagList = true;
    try {
      const trace = join(dir, 'taglist.trace');
      const r = await cliJson(pty, undefined, '--trace', trace, 'profiles');
      expect(r.error).toBeUndefined();
      expect(r.data.profiles.length).toBeGreaterThan(1);
      const gets = readFileSync(trace, 'utf8').match(/>> AT\+CGLA=\d+,\d+,"80E29100[0-9A-F]{2}BF2D/g) ?? [];
      expect(gets.length).toBe(2);
    } finally {
      card.quirks.noTagList = false;
    }
  });
});
