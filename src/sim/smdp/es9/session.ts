/** Session lookup and ending for the ES9+ handlers. */

import { es9Failure } from '../status.js';
import type { Session, SessionStage } from '../sessions.js';
import type { RspServerContext } from './context.js';

/** The session of `transactionId` at `stage`, else 8.10.1/3.9. */
export function activeSession(ctx: Pick<RspServerContext, 'sessions'>, transactionId: string, stage: SessionStage): Session {
  const s = ctx.sessions.get(transactionId);
  if (!s) throw es9Failure('8.10.1', '3.9', `transaction ${transactionId} is unknown`);
  if (s.stage !== stage) throw es9Failure('8.10.1', '3.9', `transaction ${transactionId} is ${s.stage}, not ${stage}`);
  return s;
}

/** Runs a step; any refusal ends the session (it can still be cancelled). */
export function endOnFailure<T>(session: Session, step: () => T): T {
  try {
    return step();
  } catch (e) {
    session.stage = 'ended';
    throw e;
  }
}
