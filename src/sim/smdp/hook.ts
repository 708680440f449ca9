/**
 * Adapter from the local SM-DP+ to the Super SIM double's `SmdpHook` (src/sim/cloud/types.ts):
 * each reservation with an EID becomes an EID-bound order with a generated matching id, so both
 * the activation code and the Default SM-DP+ method reach it; downloads and installs are reported
 * back.
 */

import { randomBytes } from 'node:crypto';
import type { SmdpHook, SmdpInstallEvent as CloudInstallEvent } from '../cloud/types.js';
import type { SmdpAdmin } from './admin.js';

export function createSmdpHook(admin: SmdpAdmin, address: string): SmdpHook {
  return {
    createOrder(eid: string) {
      try {
        const matchingId = `SS-${randomBytes(8).toString('hex').toUpperCase()}`;
        const order = admin.createOrder({ eid, matchingId });
        return Promise.resolve({ smdpAddress: address, iccid: order.iccid, matchingId });
      } catch (e) {
        return Promise.reject(e);
      }
    },
    onInstalled(cb: (event: CloudInstallEvent) => void) {
      admin.onInstalled((ev) => {
        if (ev.state === 'failed') return;
        const out: CloudInstallEvent = { iccid: ev.iccid, state: ev.state };
        if (ev.eid !== undefined) out.eid = ev.eid;
        if (ev.matchingId !== undefined) out.matchingId = ev.matchingId;
        cb(out);
      });
    },
  };
}
