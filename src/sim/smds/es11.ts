/**
 * ES11 of the local SM-DS (SGP.22 event retrieval): initiateAuthentication exactly as the SM-DP+
 * (signed with DSauth), then authenticateClient: the eUICC is verified the same way, and the answer
 * lists the EID's pending events (`eventEntries`: event id and SM-DP+ address), possibly none. With
 * a matching id in ctxParams1 only that event is listed. The session ends with the answer.
 */

import { SUCCESS_HEADER, type Es9Body } from '../smdp/status.js';
import type { RspServerContext } from '../smdp/es9/context.js';
import { verifyClient } from '../smdp/es9/authenticateClient.js';
import { initiateAuthentication } from '../smdp/es9/initiateAuthentication.js';
import type { RspRoutes } from '../smdp/router.js';
import type { EventStore } from './events.js';

export interface SmdsContext extends RspServerContext {
  events: EventStore;
  /** Told every retrieval (EID and how many events), for logs. */
  onRetrieval?: (eid: string, events: number) => void;
}

export function authenticateClientEs11(ctx: SmdsContext, body: Es9Body): Es9Body {
  return verifyClient(ctx, body, ({ session, eid, matchingId }) => {
    session.stage = 'ended';
    ctx.sessions.delete(session.transactionId);
    const events = ctx.events.forEid(eid).filter((e) => matchingId === undefined || matchingId === '' || e.eventId === matchingId);
    ctx.onRetrieval?.(eid, events.length);
    return {
      transactionId: session.transactionId,
      eventEntries: events.map((e) => ({ eventId: e.eventId, rspServerAddress: e.rspServerAddress })),
      header: SUCCESS_HEADER,
    };
  });
}

/** Real clients call the SM-DS on the ES9+ paths; the ES11 paths are answered too. */
export const SMDS_ROUTES: RspRoutes<SmdsContext> = {
  prefixes: ['/gsma/rsp2/es9plus/', '/gsma/rsp2/es11/'],
  handlers: { initiateAuthentication, authenticateClient: authenticateClientEs11 },
  name: 'ES11',
};
