/**
 * What every ES9+ handler of the local SM-DP+ works with: its address and PKI, the catalogue and
 * orders, the sessions, the notification log, the install listeners and the BPP options.
 */

import type { OrderBook } from '../orders.js';
import type { RspCertificate } from '../../../crypto/certs.js';
import type { NotificationLog } from '../notifications.js';
import type { SigningIdentity, SmdpPki } from '../pki.js';
import type { SessionStore } from '../sessions.js';
import type { SmdsRegistrar } from '../smdsLink.js';
import type { Es9Body } from '../status.js';

export interface SmdpInstallEvent {
  orderId: string;
  eid?: string;
  iccid: string;
  matchingId?: string;
  profile: string;
  state: 'downloaded' | 'installed' | 'failed';
}

/**
 * What the authentication handlers the SM-DP+ and the SM-DS share need: the server address signed
 * into serverSigned1, the authentication identity (DPauth, or DSauth on the SM-DS), the CIs eUICC
 * chains may use, and the sessions.
 */
export interface RspServerContext {
  address: string;
  /** "SM-DP+" (default) or "SM-DS", for messages. */
  role?: string;
  pki: { dpAuth: SigningIdentity; ciPkId: Uint8Array; trustedCis: RspCertificate[] };
  sessions: SessionStore;
}

export interface SmdpContext extends RspServerContext {
  /** The SM-DP+ address this server signs into serverSigned1 (e.g. testsmdpplus1.example.com). */
  address: string;
  pki: SmdpPki;
  orders: OrderBook;
  sessions: SessionStore;
  notifications: NotificationLog;
  /** Calls the install listeners (never throws). */
  emit(event: SmdpInstallEvent): void;
  /** Send ReplaceSessionKeys in the BPP (default true, like the reference SM-DP+). */
  replaceSessionKeys: boolean;
  /** BSP host id (opaque, 1..16 bytes). */
  hostId: Uint8Array;
  /** The SM-DS orders with the SM-DS flag are registered at (ES12). */
  smds?: SmdsRegistrar;
}

/** An ES9+ function: JSON request body in, JSON answer out (`undefined` = 204 No Content). */
export type Es9Handler = (ctx: SmdpContext, body: Es9Body) => Es9Body | undefined;
