/**
 * What an ES10 handler of the virtual eUICC sees: persistent state, credentials, the volatile RSP
 * session, and hooks into the ISO 7816 layer (REFRESH, multi-sequence commands).
 */

import type { EuiccIdentity } from '../identity.js';
import type { EuiccQuirks } from '../quirks.js';
import type { EuiccStateStore } from '../state.js';

/** Volatile session state: cleared by a card reset. Download handlers add their fields here. */
export interface EuiccSession {
  /** Last GetEUICCChallenge answer; AuthenticateServer checks serverSigned1 against it. */
  euiccChallenge?: Uint8Array;
}

/**
 * Handles the next complete STORE DATA sequence on the same channel (used by functions sent as
 * several sequences, such as LoadBoundProfilePackage). Returns the response DER (may be empty), or
 * `undefined` for "not mine": the dispatcher then drops the continuation and dispatches by tag.
 */
export type Es10Continuation = (data: Uint8Array, ctx: Es10Context) => Uint8Array | undefined;

export interface Es10Context {
  readonly store: EuiccStateStore;
  readonly identity: EuiccIdentity;
  readonly session: EuiccSession;
  /** The card's quirk switches (RAT, malformed answers, ...). */
  readonly quirks: EuiccQuirks;
  /** Logical channel the command arrived on. */
  readonly channel: number;
  /** Asks the module for a REFRESH once the current response has been built. */
  requestRefresh(): void;
  /** Routes the next STORE DATA sequence on this channel to `next` before tag dispatch. */
  continueWith(next: Es10Continuation): void;
}

/** One ES10 function, found by the tag of its request (e.g. 0xBF2E GetEUICCChallenge). */
export interface Es10Handler {
  /** SGP.22 function name, for logs and errors. */
  readonly name: string;
  readonly tag: number;
  /**
   * Takes the complete request (all STORE DATA blocks of one sequence, as received) and returns the
   * response DER. Throws LpaError ASN1_DECODE for a malformed request (answered 6A80).
   */
  handle(request: Uint8Array, ctx: Es10Context): Uint8Array;
}
