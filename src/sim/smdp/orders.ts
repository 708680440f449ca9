/**
 * Download orders of the local SM-DP+.
 *
 * An order names one catalogue profile and is found either by its matching id (activation-code
 * method) or by the EID it is bound to (Default SM-DP+ method, empty matching id); an order may
 * have both, and an optional confirmation code. States:
 *   released   -> downloadable
 *   downloaded -> the BPP was handed out (a new attempt gets 8.2/3.7)
 *   installed  -> the eUICC's install notification reported success
 *   failed     -> the install notification reported an error (downloadable again)
 *   cancelled  -> a session was cancelled with the eUICC's signed answer (downloadable again)
 * By default every catalogue profile has one order whose matching id is the profile id; creating
 * another order for that profile withdraws the default one while it is untouched.
 */

import { randomBytes } from 'node:crypto';
import { LpaError } from '../../errors.js';
import { validateEid } from '../../ids/eid.js';
import type { CatalogueProfile } from './profiles.js';
import { es9Failure } from './status.js';

export type OrderState = 'released' | 'downloaded' | 'installed' | 'failed' | 'cancelled';

/** How many wrong confirmation codes an order accepts before refusing with 8.8.5/6.4. */
export const MAX_CC_ATTEMPTS = 3;
const MAX_MATCHING_ID = 255;

export interface Cancellation {
  transactionId: string;
  reason: string;
  at: string;
}

/** What the admin interface shows: no confirmation code, only whether one is required. */
export interface OrderView {
  id: string;
  /** Profile id (TS.48 file name without .der). */
  profile: string;
  iccid: string;
  matchingId?: string;
  eid?: string;
  state: OrderState;
  confirmationCodeRequired: boolean;
  ccFailures: number;
  /** Transaction of the last session that reached this order. */
  transactionId?: string;
  /** EID that downloaded it. */
  downloadedBy?: string;
  createdAt: string;
  updatedAt: string;
  cancellations: Cancellation[];
  /** Last install error (bppCommandId / errorReason) from a notification. */
  installError?: string;
  /** True for the order created at start for each profile. */
  isDefault: boolean;
  /** Event id registered at the SM-DS for this order (the matching id), when taken with the SM-DS flag. */
  smdsEventId?: string;
}

interface Order extends OrderView {
  confirmationCode?: string;
}

export interface CreateOrderInput {
  eid?: string;
  matchingId?: string;
  /** Profile id; default the first profile without an order in use. */
  profile?: string;
  confirmationCode?: string;
  /** Register an event at the SM-DS (needs an EID; the matching id, generated when absent, is the event id). */
  smds?: boolean;
}

const DOWNLOADABLE: ReadonlySet<OrderState> = new Set(['released', 'failed', 'cancelled']);

export function isDownloadable(state: OrderState): boolean {
  return DOWNLOADABLE.has(state);
}

export class OrderBook {
  readonly #orders: Order[] = [];
  readonly #profiles: readonly CatalogueProfile[];
  #next = 1;

  constructor(profiles: readonly CatalogueProfile[], options: { defaultOrders?: boolean } = {}) {
    this.#profiles = profiles;
    if (options.defaultOrders ?? true) {
      for (const p of profiles) this.#add({ profile: p, matchingId: p.id, isDefault: true });
    }
  }

  profiles(): readonly CatalogueProfile[] {
    return this.#profiles;
  }

  profile(id: string): CatalogueProfile | undefined {
    return this.#profiles.find((p) => p.id === id);
  }

  list(): OrderView[] {
    return this.#orders.map(view);
  }

  /** By order id or matching id. */
  get(idOrMatchingId: string): OrderView | undefined {
    const o = this.#find(idOrMatchingId);
    return o ? view(o) : undefined;
  }

  /** Creates an order; bad input is USAGE / INVALID_EID, no free profile PROFILE_NOT_FOUND. */
  create(input: CreateOrderInput): OrderView {
    const eid = input.eid === undefined || input.eid === '' ? undefined : validateEid(input.eid);
    if (input.smds && eid === undefined) throw new LpaError('USAGE', 'an order registered at the SM-DS needs the EID the event is for');
    const given = input.matchingId === undefined || input.matchingId === '' ? undefined : input.matchingId;
    // the device downloads an SM-DS event with matching id = event id: the order needs one
    const matchingId = given ?? (input.smds ? `EV-${randomBytes(8).toString('hex').toUpperCase()}` : undefined);
    if (matchingId !== undefined && (matchingId.length > MAX_MATCHING_ID || !/^[\x21-\x7e]+$/.test(matchingId) || matchingId.includes('$'))) {
      throw new LpaError('USAGE', `matching id "${matchingId.slice(0, 40)}" must be 1-255 printable characters without "$" or spaces`);
    }
    if (eid === undefined && matchingId === undefined) {
      throw new LpaError('USAGE', 'an order needs an EID, a matching id, or both');
    }
    if (input.confirmationCode !== undefined && (input.confirmationCode.length === 0 || input.confirmationCode.length > 64)) {
      throw new LpaError('USAGE', 'a confirmation code must be 1-64 characters');
    }
    let profile: CatalogueProfile | undefined;
    if (input.profile !== undefined) {
      profile = this.profile(input.profile);
      if (!profile) throw new LpaError('USAGE', `unknown profile "${input.profile}" (available: ${this.#profiles.map((p) => p.id).join(', ')})`);
      const busy = this.#orders.find((o) => o.iccid === profile!.iccid && !this.#withdrawable(o));
      if (busy) throw new LpaError('USAGE', `profile ${profile.id} is already ordered (order ${busy.id}, ${busy.state})`);
    } else {
      profile = this.#profiles.find((p) => this.#orders.every((o) => o.iccid !== p.iccid || this.#withdrawable(o)));
      if (!profile) throw new LpaError('PROFILE_NOT_FOUND', 'no profile of the catalogue is free for a new order');
    }
    const chosen = profile;
    if (matchingId !== undefined && this.#orders.some((o) => o.matchingId === matchingId && !(o.iccid === chosen.iccid && this.#withdrawable(o)))) {
      throw new LpaError('USAGE', `matching id "${matchingId}" is already used by another order`);
    }
    // withdraw the untouched default order of that profile
    for (let i = this.#orders.length - 1; i >= 0; i--) {
      if (this.#orders[i]!.iccid === profile.iccid && this.#withdrawable(this.#orders[i]!)) this.#orders.splice(i, 1);
    }
    return view(this.#add({ profile, eid, matchingId, confirmationCode: input.confirmationCode, isDefault: false, smds: input.smds === true }));
  }

  /** Sets (or replaces) the confirmation code of an order (by id or matching id). */
  setConfirmationCode(idOrMatchingId: string, code: string): OrderView {
    const o = this.#find(idOrMatchingId);
    if (!o) throw new LpaError('USAGE', `no order with id or matching id "${idOrMatchingId}"`);
    if (code.length === 0 || code.length > 64) throw new LpaError('USAGE', 'a confirmation code must be 1-64 characters');
    o.confirmationCode = code;
    o.confirmationCodeRequired = true;
    o.isDefault = false;
    this.#touch(o);
    return view(o);
  }

  /**
   * The order an authenticated eUICC may download, or an ES9+ refusal:
   * 8.2.6/3.8 unknown matching id, 8.1.1/3.8 EID mismatch or no order for the EID,
   * 8.2/3.7 already downloaded, 8.8.5/6.4 confirmation code attempts exhausted.
   */
  findForDownload(eid: string, matchingId: string | undefined): OrderView {
    let order: Order | undefined;
    if (matchingId !== undefined && matchingId !== '') {
      order = this.#orders.find((o) => o.matchingId === matchingId);
      if (!order) throw es9Failure('8.2.6', '3.8', `matching id "${matchingId.slice(0, 64)}" is unknown`);
      if (order.eid !== undefined && order.eid !== eid) {
        throw es9Failure('8.1.1', '3.8', `matching id "${matchingId.slice(0, 64)}" is bound to another EID`);
      }
    } else {
      const bound = this.#orders.filter((o) => o.eid === eid);
      if (bound.length === 0) throw es9Failure('8.1.1', '3.8', `no profile is bound to EID ${eid}`);
      order = bound.find((o) => isDownloadable(o.state)) ?? bound[0]!;
    }
    if (!isDownloadable(order.state)) throw es9Failure('8.2', '3.7', `the profile of order ${order.id} was already downloaded (${order.state})`);
    if (order.confirmationCode !== undefined && order.ccFailures >= MAX_CC_ATTEMPTS) {
      throw es9Failure('8.8.5', '6.4', `order ${order.id}: too many wrong confirmation codes`);
    }
    return view(order);
  }

  /** The confirmation code of an order (server side only; never shown). */
  confirmationCode(id: string): string | undefined {
    return this.#byId(id).confirmationCode;
  }

  /** Counts a wrong confirmation code; returns the attempts left. */
  recordCcFailure(id: string): number {
    const o = this.#byId(id);
    o.ccFailures += 1;
    this.#touch(o);
    return Math.max(0, MAX_CC_ATTEMPTS - o.ccFailures);
  }

  /** Links a session to the order (it is no longer an untouched default). */
  attach(id: string, transactionId: string): void {
    const o = this.#byId(id);
    o.transactionId = transactionId;
    o.isDefault = false;
    this.#touch(o);
  }

  markDownloaded(id: string, transactionId: string, eid: string): OrderView {
    const o = this.#byId(id);
    if (!isDownloadable(o.state)) throw es9Failure('8.2', '3.7', `the profile of order ${o.id} was already downloaded (${o.state})`);
    o.state = 'downloaded';
    o.transactionId = transactionId;
    o.downloadedBy = eid;
    delete o.installError;
    this.#touch(o);
    return view(o);
  }

  /** Install result for the order downloaded in `transactionId`; undefined (ignored) unless it was downloaded. */
  markInstallResult(transactionId: string, success: boolean, error?: string): OrderView | undefined {
    const o = this.#orders.find((x) => x.transactionId === transactionId);
    if (!o || o.state !== 'downloaded') return undefined;
    o.state = success ? 'installed' : 'failed';
    if (!success && error) o.installError = error;
    this.#touch(o);
    return view(o);
  }

  /** A session of this order was cancelled: the profile is released again unless installed. */
  cancel(transactionId: string, reason: string): OrderView | undefined {
    const o = this.#orders.find((x) => x.transactionId === transactionId);
    if (!o) return undefined;
    o.cancellations.push({ transactionId, reason, at: new Date().toISOString() });
    if (o.state !== 'installed') o.state = 'cancelled';
    this.#touch(o);
    return view(o);
  }

  #withdrawable(o: Order): boolean {
    return o.isDefault && o.state === 'released';
  }

  #find(idOrMatchingId: string): Order | undefined {
    return this.#orders.find((o) => o.id === idOrMatchingId) ?? this.#orders.find((o) => o.matchingId === idOrMatchingId);
  }

  #byId(id: string): Order {
    const o = this.#orders.find((x) => x.id === id);
    if (!o) throw new LpaError('INTERNAL', `SM-DP+ order ${id} vanished`);
    return o;
  }

  #touch(o: Order): void {
    o.updatedAt = new Date().toISOString();
  }

  #add(a: { profile: CatalogueProfile; eid?: string; matchingId?: string; confirmationCode?: string; isDefault: boolean; smds?: boolean }): Order {
    const now = new Date().toISOString();
    const o: Order = {
      id: `order-${this.#next++}-${randomBytes(3).toString('hex')}`,
      profile: a.profile.id,
      iccid: a.profile.iccid,
      state: 'released',
      confirmationCodeRequired: a.confirmationCode !== undefined,
      ccFailures: 0,
      createdAt: now,
      updatedAt: now,
      cancellations: [],
      isDefault: a.isDefault,
    };
    if (a.eid !== undefined) o.eid = a.eid;
    if (a.matchingId !== undefined) o.matchingId = a.matchingId;
    if (a.confirmationCode !== undefined) o.confirmationCode = a.confirmationCode;
    if (a.smds && a.matchingId !== undefined) o.smdsEventId = a.matchingId;
    this.#orders.push(o);
    return o;
  }
}

function view(o: Order): OrderView {
  const { confirmationCode: _cc, ...rest } = o;
  return { ...rest, cancellations: rest.cancellations.map((c) => ({ ...c })) };
}
