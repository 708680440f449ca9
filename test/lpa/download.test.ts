import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtModem } from '../../drivers/at/modem.js';
import type { VirtualModem } from '../../drivers/virtual/modem.js';
import { isLpaError, type LpaError } from '../../src/errors.js';
import type { Es9Client } from '../../src/es9p/client.js';
import type { Es10Client } from '../../src/es10/client.js';
import { downloadProfile } from '../../src/lpa/download.js';
import { Es9Pool } from '../../src/lpa/es9.js';
import type { SmdpServer } from '../../src/sim/smdp/index.js';
import { startInProcessPeers, type InProcessPeers } from '../helpers/inProcessPeers.js';

/** Library-level download against the in-process virtual module (real AT engine) and the SM-DP+ over TLS. */
describe('downloadProfile failure handling', () => {
  let peers: InProcessPeers;
  let smdp: SmdpServer;
  let modem: VirtualModem;
  let at: AtModem;
  let es10: Es10Client;
  let pool: Es9Pool;

  beforeAll(async () => {
    peers = await startInProcessPeers('quectel');
    ({ smdp, modem, at, es10, pool } = peers);
  });

  afterAll(() => peers?.close());

  it('a failure mid-BPP cancels the session on the eUICC and the SM-DP+, and a retry succeeds', async () => {
    const matchingId = 'TS48V4-SAIP2-1A-NOBERTLV-UNIQUE';
    // Quectel EC20F fault, a quarter into the load: plain ERROR to the last STORE DATA block of a segment
    const steps: string[] = [];
    const onProgress = (s: string, m: string) => {
      steps.push(s);
      if (s === 'loadBoundProfilePackage' && m.startsWith('loaded 25%')) modem.setQuirks({ failLastStoreDataBlocks: 1 });
    };
    const err = await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId }, { onProgress }).catch((e: unknown) => e as LpaError);
    expect(isLpaError(err)).toBe(true);
    expect((err as LpaError).code).toBe('AT_ERROR'); // the original error, not the cancel's
    expect((err as LpaError).details.cancel).toBeUndefined(); // both cancels worked
    expect(steps).toContain('cancel');
    const order = smdp.admin.getOrder(matchingId)!;
    expect(order.state).toBe('cancelled');
    modem.setQuirks({ failLastStoreDataBlocks: 0 });
    const ok = await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId });
    expect(ok.iccid).toBe(order.iccid);
    const installed = (await es10.listProfiles()).filter((p) => p.iccid === ok.iccid);
    expect(installed).toHaveLength(1);
  });

  it('a ProfileInstallationResult error is reported with its bppCommandId and reason', async () => {
    const matchingId = 'TS48V1-B-UNIQUE';
    // corrupt one byte of the last profile segment on its way from the SM-DP+ to the eUICC
    const real = pool.get(smdp.address);
    const tampering = Object.create(real) as Es9Client;
    tampering.getBoundProfilePackage = async (req) => {
      const r = await real.getBoundProfilePackage(req);
      const bpp = r.boundProfilePackage.slice();
      bpp[bpp.length - 12] ^= 0x01;
      return { ...r, boundProfilePackage: bpp };
    };
    const tamperPool = Object.create(pool) as Es9Pool;
    tamperPool.get = () => tampering;
    const err = (await downloadProfile(es10, tamperPool, { smdpAddress: smdp.address, matchingId }).catch((e: unknown) => e)) as LpaError;
    expect(err.code).toBe('PROFILE_INSTALL_FAILED');
    expect(err.details).toMatchObject({ bppCommandId: 'loadProfileElements', errorReason: 'scp03tSecurityError' });
    expect(err.message).toMatch(/loadProfileElements: scp03tSecurityError/);
    // the eUICC queued the failed result as a notification; nothing was installed
    const n = await es10.listNotifications();
    expect(n.some((x) => x.seqNumber === err.details.notificationSeq && x.profileManagementOperation === 'notificationInstall')).toBe(true);
  });

  it('an SM-DP+ whose certificate does not chain to a trusted CI is refused before anything reaches the eUICC', async () => {
    const untrusting = new Es9Pool({ connectTo: [smdp.connectTo] }); // no --ca: the SGP.26 test CI is unknown
    const before = at.channel.stats();
    try {
      const err = (await downloadProfile(es10, untrusting, { smdpAddress: smdp.address, matchingId: 'TS48V3-SAIP2-3-NOBERTLV-UNIQUE' }).catch((e: unknown) => e)) as LpaError;
      expect(err.code).toBe('TLS_UNTRUSTED');
      expect(err.message).toMatch(/--ca/);
    } finally {
      await untrusting.close();
    }
    // only the local reads (challenge, EUICCInfo1, pending install notifications): no AuthenticateServer, no CancelSession
    expect(at.channel.stats().storeDataBlocks - before.storeDataBlocks).toBe(3);
    expect(smdp.admin.getOrder('TS48V3-SAIP2-3-NOBERTLV-UNIQUE')!.state).toBe('released');
  });

  it('refuses a confirmation-code order without a code before touching the eUICC beyond authentication', async () => {
    const matchingId = 'TS48V5-SAIP2-1A-NOBERTLV-UNIQUE';
    smdp.admin.setConfirmationCode(matchingId, '4711');
    const err = (await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId }).catch((e: unknown) => e)) as LpaError;
    expect(err.code).toBe('USAGE');
    expect(err.message).toMatch(/confirmation code/);
    expect(smdp.admin.getOrder(matchingId)!.state).toBe('cancelled');
  });
});
