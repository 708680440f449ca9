/**
 * The local SM-DP+'s side of ES12 (SM-DP+ -> SM-DS): an order taken with the SM-DS flag registers
 * an event for its EID (event id = the order's matching id, SM-DP+ address = this server), and the
 * event is deleted once the eUICC reports the profile installed. Until then the event stays, so a
 * device whose download was interrupted (and cancelled) finds it again. In process: the SM-DS
 * passes its registrar to the SM-DP+ (src/sim/smds).
 */

import { LpaError } from '../../errors.js';
import type { OrderBook, OrderView } from './orders.js';
import type { SmdpInstallEvent } from './es9/context.js';

/** What an SM-DS offers the SM-DP+ (ES12 RegisterEvent / DeleteEvent). */
export interface SmdsRegistrar {
  /** The SM-DS address, for messages. */
  readonly address: string;
  registerEvent(event: { eventId: string; eid: string; rspServerAddress: string }): void;
  deleteEvent(eventId: string): void;
  /** The pending events (the admin interface shows them). */
  events?(): { eventId: string; eid: string; rspServerAddress: string }[];
}

/** Registers the event of an order just taken with the SM-DS flag. */
export function registerOrderEvent(registrar: SmdsRegistrar | undefined, order: OrderView, smdpAddress: string): void {
  if (order.smdsEventId === undefined) return;
  if (!registrar) throw new LpaError('USAGE', 'this SM-DP+ has no SM-DS to register the event at (start it with --smds)');
  registrar.registerEvent({ eventId: order.smdsEventId, eid: order.eid!, rspServerAddress: smdpAddress });
}

/** An install listener deleting the event of an order once its profile is installed. */
export function deleteOnInstall(registrar: SmdsRegistrar, orders: OrderBook): (e: SmdpInstallEvent) => void {
  return (e) => {
    if (e.state !== 'installed') return;
    const eventId = orders.get(e.orderId)?.smdsEventId;
    if (eventId !== undefined) registrar.deleteEvent(eventId);
  };
}
