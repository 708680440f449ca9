import { describe, expect, it } from 'vitest';
import type { ChannelStats, ModemControl } from '../../src/apdu/channel.js';
import { Es10Client } from '../../src/es10/client.js';
import { Es9Pool } from '../../src/lpa/es9.js';
import { changeProfile } from '../../src/lpa/profileOps.js';
import { concatBytes, fromHex } from '../../src/util/hex.js';
import { FakeChannel, SW_OK } from '../apdu/fakeChannel.js';

const ICCID = '8949449999999990049';

/** A module whose SIM comes back, or not. */
function modem(settle: () => Promise<void>): ModemControl {
  return {
    waitSimReady: async () => undefined,
    restartSim: async () => undefined,
    settleAfterSwitch: settle,
    readIccid: async () => undefined,
    stats: (): ChannelStats => ({ atCommands: 0, apdus: 0, storeDataBlocks: 0, bytesToModule: 0, bytesFromModule: 0 }),
  };
}

/** EnableProfile/DisableProfile/DeleteProfile answer ok (with 91xx, as real cards do); RetrieveNotificationsList fails with `retrieveSw`. */
function card(retrieveSw: string): FakeChannel {
  return new FakeChannel((apdu) => {
    const tag = apdu[5]! === 0xbf ? apdu[6]! : 0;
    if (tag === 0x2b) return fromHex(retrieveSw);
    if (tag === 0x31 || tag === 0x32 || tag === 0x33) return concatBytes(fromHex(`BF${tag.toString(16)}03800100`), fromHex('910B'));
    return SW_OK;
  });
}

describe('changeProfile: the operation counts once the eUICC did it', () => {
  it('enable, disable and delete succeed with warnings when the notifications cannot be read', async () => {
    for (const op of ['enable', 'disable', 'delete'] as const) {
      const pool = new Es9Pool();
      const r = await changeProfile(new Es10Client(card('6A88')), modem(async () => undefined), op, ICCID, { notify: pool });
      expect(r.operation).toBe(op);
      expect(r.notifications).toEqual([]);
      expect(r.warnings.join()).toMatch(/could not be read/);
      await pool.close();
    }
  });

  it('a SIM that does not come back in time is a warning, not a failure of the enable', async () => {
    const r = await changeProfile(new Es10Client(card('6A88')), modem(async () => Promise.reject(new Error('SIM not ready after 60000 ms'))), 'enable', ICCID);
    expect(r.warnings).toEqual([expect.stringMatching(/was enabled, but the module did not report the SIM back in time \(SIM not ready/)]);
  });

  it('a refusal by the eUICC still fails', async () => {
    const ch = new FakeChannel(() => fromHex('BF320380010 29000'.replace(' ', '')));
    await expect(changeProfile(new Es10Client(ch), modem(async () => undefined), 'disable', ICCID)).rejects.toThrow(/not in enabled state/);
  });
});
