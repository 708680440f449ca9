/**
 * Checks the JSON the Super SIM API returns before anyone reads it: objects where objects belong,
 * strings/numbers/booleans or null in the known fields (a missing field becomes null), unknown
 * fields kept. Anything else is CLOUD_BAD_RESPONSE.
 */
import { LpaError } from '../errors.js';
import type { ESimProfile, Fleet, ListMeta, Sim } from './types.js';

type Kind = 'string' | 'number' | 'boolean' | 'object';

const PROFILE_FIELDS: Record<string, Kind> = {
  sid: 'string',
  account_sid: 'string',
  iccid: 'string',
  sim_sid: 'string',
  status: 'string',
  eid: 'string',
  smdp_plus_address: 'string',
  matching_id: 'string',
  activation_code: 'string',
  error_code: 'string',
  error_message: 'string',
  date_created: 'string',
  date_updated: 'string',
  url: 'string',
};

const SIM_FIELDS: Record<string, Kind> = {
  sid: 'string',
  unique_name: 'string',
  account_sid: 'string',
  iccid: 'string',
  status: 'string',
  fleet_sid: 'string',
  date_created: 'string',
  date_updated: 'string',
  url: 'string',
  links: 'object',
};

const FLEET_FIELDS: Record<string, Kind> = {
  sid: 'string',
  account_sid: 'string',
  unique_name: 'string',
  data_enabled: 'boolean',
  data_limit: 'number',
  data_metering: 'string',
  network_access_profile_sid: 'string',
  date_created: 'string',
  date_updated: 'string',
  url: 'string',
};

const META_FIELDS: Record<string, Kind> = {
  page: 'number',
  page_size: 'number',
  first_page_url: 'string',
  next_page_url: 'string',
  previous_page_url: 'string',
  key: 'string',
  url: 'string',
};

function bad(what: string, why: string): LpaError {
  return new LpaError('CLOUD_BAD_RESPONSE', `Super SIM API: ${what} in an unexpected shape: ${why}`, { resource: what });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checked<T>(json: unknown, fields: Record<string, Kind>, what: string): T {
  if (!isObject(json)) throw bad(what, 'not a JSON object');
  const out: Record<string, unknown> = { ...json };
  for (const [name, kind] of Object.entries(fields)) {
    const v = json[name];
    if (v === undefined || v === null) {
      out[name] = null;
      continue;
    }
    const ok = kind === 'object' ? isObject(v) : typeof v === kind;
    // error_code is documented as a string but is a number in spirit: accept both.
    const numericCode = name === 'error_code' && typeof v === 'number';
    if (!ok && !numericCode) throw bad(what, `field ${name} is ${typeof v}, expected ${kind}`);
    out[name] = numericCode ? String(v) : v;
  }
  return out as T;
}

export function parseESimProfile(json: unknown): ESimProfile {
  return checked<ESimProfile>(json, PROFILE_FIELDS, 'ESimProfile');
}

export function parseSim(json: unknown): Sim {
  return checked<Sim>(json, SIM_FIELDS, 'Sim');
}

export function parseFleet(json: unknown): Fleet {
  return checked<Fleet>(json, FLEET_FIELDS, 'Fleet');
}

/** A list page: the array under `key` and the `meta` object (which may be missing). */
export function parseListPage<T>(json: unknown, key: string, item: (v: unknown) => T): { items: T[]; meta: ListMeta } {
  if (!isObject(json)) throw bad(`${key} list`, 'not a JSON object');
  const arr = json[key];
  if (!Array.isArray(arr)) throw bad(`${key} list`, `no "${key}" array`);
  const meta = json.meta === undefined || json.meta === null ? ({} as Record<string, unknown>) : json.meta;
  return { items: arr.map(item), meta: checked<ListMeta>(meta, META_FIELDS, `${key} list meta`) };
}
