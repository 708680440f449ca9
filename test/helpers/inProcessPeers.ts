import { openAtModem, type AtModem } from '../../drivers/at/modem.js';
import { createVirtualBinding } from '../../drivers/virtual/binding.js';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import type { VendorName } from '../../drivers/virtual/vendors.js';
import { Es10Client } from '../../src/es10/client.js';
import { Es9Pool } from '../../src/lpa/es9.js';
import { EuiccStateStore, VirtualEuicc, type Es10Handler, type EuiccQuirks } from '../../src/sim/euicc/index.js';
import { startSmdp, type SmdpOptions, type SmdpServer } from '../../src/sim/smdp/index.js';
import { startSmds, type SmdsOptions, type SmdsServer } from '../../src/sim/smds/index.js';

/**
 * The simulated peers in the test process: the virtual module with a factory-fresh virtual eUICC
 * behind the real AT engine (serialport stream over the virtual binding), the local SM-DP+ over
 * TLS on 127.0.0.1, and an ES9+ pool that trusts its test CI.
 */
export interface InProcessPeers {
  smdp: SmdpServer;
  /** The local SM-DS (with `smds` in the options): the SM-DP+ registers at it, the eUICC's root SM-DS. */
  smds?: SmdsServer;
  modem: VirtualModem;
  card: VirtualEuicc;
  at: AtModem;
  es10: Es10Client;
  pool: Es9Pool;
  close(): Promise<void>;
}

export interface PeerOptions {
  /** The eUICC's ES10 handlers (default: all of them); tests swap one for a misbehaving card. */
  handlers?: readonly Es10Handler[];
  quirks?: Partial<EuiccQuirks>;
  smdp?: SmdpOptions;
  /** Also run the local SM-DS, attached to the SM-DP+ and set as the eUICC's root SM-DS. */
  smds?: SmdsOptions | true;
}

export async function startInProcessPeers(vendor: VendorName = 'generic', options: PeerOptions = {}): Promise<InProcessPeers> {
  const smds = options.smds ? await startSmds(options.smds === true ? {} : options.smds) : undefined;
  const smdp = await startSmdp({ ...options.smdp, ...(smds ? { smds: smds.registrar } : {}) });
  const quirks = { ...(smds ? { rootDsAddress: smds.address } : {}), ...options.quirks };
  const card = new VirtualEuicc({
    store: EuiccStateStore.open(),
    ...(options.handlers ? { handlers: options.handlers } : {}),
    quirks,
  });
  const modem = new VirtualModem({ card, vendor });
  const at = await openAtModem({ path: 'virtual', binding: createVirtualBinding(() => modem), vendor });
  await at.channel.open();
  const pool = new Es9Pool({ caFiles: [smdp.caFile], connectTo: [smdp.connectTo, ...(smds ? [smds.connectTo] : [])] });
  return {
    smdp,
    ...(smds ? { smds } : {}),
    modem,
    card,
    at,
    es10: new Es10Client(at.channel),
    pool,
    async close() {
      await pool.close();
      await at.close();
      modem.dispose();
      await smdp.close();
      await smds?.close();
    },
  };
}
