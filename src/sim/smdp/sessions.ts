/**
 * RSP sessions of the local SM-DP+, keyed by transaction id (16 random bytes, upper-case hex as
 * sent in JSON). A session moves initiated -> authenticated -> downloaded; a refusal ends it
 * (`ended`), which still lets the LPA cancel it so the order is released. The store is bounded:
 * the oldest sessions are dropped beyond MAX_SESSIONS.
 */

import { randomBytes, type KeyObject } from 'node:crypto';
import { toHex } from '../../util/hex.js';

export const MAX_SESSIONS = 256;

export type SessionStage = 'initiated' | 'authenticated' | 'downloaded' | 'ended';

export interface Session {
  transactionId: string;
  tx: Uint8Array;
  stage: SessionStage;
  euiccChallenge: Uint8Array;
  serverChallenge: Uint8Array;
  /** Set by authenticateClient. */
  eid?: string;
  euiccKey?: KeyObject;
  /** 5F37 elements, raw. */
  euiccSignature1?: Uint8Array;
  smdpSignature2?: Uint8Array;
  orderId?: string;
  ccRequired?: boolean;
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  create(euiccChallenge: Uint8Array): Session {
    const tx = new Uint8Array(randomBytes(16));
    const s: Session = {
      transactionId: toHex(tx),
      tx,
      stage: 'initiated',
      euiccChallenge,
      serverChallenge: new Uint8Array(randomBytes(16)),
    };
    this.#sessions.set(s.transactionId, s);
    while (this.#sessions.size > MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
    }
    return s;
  }

  get(transactionId: string): Session | undefined {
    return this.#sessions.get(transactionId.toUpperCase());
  }

  delete(transactionId: string): void {
    this.#sessions.delete(transactionId.toUpperCase());
  }

  get size(): number {
    return this.#sessions.size;
  }
}
