import { describe, expect, it } from 'vitest';
import { openAtModem } from '../../../drivers/at/modem.js';
import { createVirtualBinding } from '../../../drivers/virtual/binding.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { VENDOR_NAMES } from '../../../drivers/virtual/vendors.js';
import { Es10Client } from '../../../src/es10/client.js';
import { BOOTSTRAP_ICCID, openVirtualEuicc } from '../../../src/sim/euicc/index.js';

/**
 * After EnableProfile/DisableProfile with REFRESH the module resets the SIM and every logical
 * channel is gone. settleAfterSwitch must see the reset through (URC, or the reset URC arriving as
 * the answer to its own AT+CPIN? poll) and the next APDU must run on a freshly opened channel.
 */
describe.each(VENDOR_NAMES)('profile switch on a %s module', (vendor) => {
  it('rides out the SIM reset and reopens the channel', async () => {
    const card = openVirtualEuicc();
    const modem = new VirtualModem({ card, vendor, quirks: { simResetMs: 30 } });
    const at = await openAtModem({ path: 'virtual', binding: createVirtualBinding(() => modem), vendor });
    try {
      await at.channel.open();
      const es10 = new Es10Client(at.channel);
      await es10.disableProfile(BOOTSTRAP_ICCID, true);
      await at.channel.settleAfterSwitch(10_000);
      expect(at.channel.isLost).toBe(true);
      // the first APDU after the reset reopens the channel and works
      expect(await es10.getEid()).toBe('89049032123451234512345678901235');
      expect(at.channel.isLost).toBe(false);
      await es10.enableProfile(BOOTSTRAP_ICCID, true);
      await at.channel.settleAfterSwitch(10_000);
      const profiles = await es10.listProfiles();
      expect(profiles[0]?.state).toBe('enabled');
    } finally {
      await at.close();
      modem.dispose();
    }
  });
});
