/**
 * The local SM-DS's event records (SGP.22 ES12 RegisterEvent / DeleteEvent): one per event id, for
 * one EID, naming the SM-DP+ that holds the profile. Bounded: beyond MAX_EVENTS the oldest go.
 */

import { LpaError } from '../../errors.js';
import { parseSmdpAddress } from '../../es9p/address.js';
import { validateEid } from '../../ids/eid.js';

export const MAX_EVENTS = 10_000;

export interface EventRecord {
  eventId: string;
  eid: string;
  /** The SM-DP+ address the device downloads from (matching id = event id). */
  rspServerAddress: string;
  registeredAt: string;
}

export class EventStore {
  readonly #events = new Map<string, EventRecord>();
  /** Events deleted so far (the install reported), for the demo's and tests' summaries. */
  readonly deleted: EventRecord[] = [];

  /** ES12 RegisterEvent; registering an event id again replaces it. USAGE for bad input. */
  register(input: { eventId: string; eid: string; rspServerAddress: string }): EventRecord {
    if (!/^[\x21-\x7e]{1,255}$/.test(input.eventId)) throw new LpaError('USAGE', `event id "${input.eventId.slice(0, 40)}" must be 1-255 printable characters`);
    const record: EventRecord = {
      eventId: input.eventId,
      eid: validateEid(input.eid),
      rspServerAddress: parseSmdpAddress(input.rspServerAddress).value,
      registeredAt: new Date().toISOString(),
    };
    this.#events.delete(record.eventId);
    this.#events.set(record.eventId, record);
    while (this.#events.size > MAX_EVENTS) this.#events.delete(this.#events.keys().next().value as string);
    return { ...record };
  }

  /** ES12 DeleteEvent; false when there was no such event. */
  delete(eventId: string): boolean {
    const e = this.#events.get(eventId);
    if (!e) return false;
    this.#events.delete(eventId);
    this.deleted.push(e);
    if (this.deleted.length > 100) this.deleted.splice(0, this.deleted.length - 100);
    return true;
  }

  /** The pending events of an EID, oldest first. */
  forEid(eid: string): EventRecord[] {
    return [...this.#events.values()].filter((e) => e.eid === eid).map((e) => ({ ...e }));
  }

  list(): EventRecord[] {
    return [...this.#events.values()].map((e) => ({ ...e }));
  }
}
