import { openAtModem, type AtModem } from '../../drivers/at/modem.js';
import { createVirtualBinding } from '../../drivers/virtual/binding.js';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import type { VendorName } from '../../drivers/virtual/vendors.js';
import { Es10Client } from '../../src/es10/client.js';
import { Es9Pool } from '../../src/lpa/es9.js';
import { openVirtualEuicc } from '../../src/sim/euicc/index.js';
import { startSmdp, type SmdpServer } from '../../src/sim/smdp/index.js';

/**
 * The simulated peers in the test process: the virtual module with a factory-fresh virtual eUICC
 * behind the real AT engine (serialport stream over the virtual binding), the local SM-DP+ over
 * TLS on 127.0.0.1, and an ES9+ pool that trusts its test CI.
 */
export interface InProcessPeers {
  smdp: SmdpServer;
  modem: VirtualModem;
  at: AtModem;
  es10: Es10Client;
  pool: Es9Pool;
  close(): Promise<void>;
}

export async function startInProcessPeers(vendor: VendorName = 'generic'): Promise<InProcessPeers> {
  const smdp = await startSmdp();
  const modem = new VirtualModem({ card: openVirtualEuicc(), vendor });
  const at = await openAtModem({ path: 'virtual', binding: createVirtualBinding(() => modem), vendor });
  await at.channel.open();
  const pool = new Es9Pool({ caFiles: [smdp.caFile], connectTo: [smdp.connectTo] });
  return {
    smdp,
    modem,
    at,
    es10: new Es10Client(at.channel),
    pool,
    async close() {
      await pool.close();
      await at.close();
      modem.dispose();
      await smdp.close();
    },
  };
}
