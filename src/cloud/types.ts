/**
 * Resource shapes of the Super SIM API (Twilio and KORE serve the same documents) and the
 * `AddressProvider` contract the provisioning agent calls.
 *
 * Field names are snake_case exactly as the API returns them. Every field may be null (the OpenAPI
 * documents mark them all nullable) and unknown fields are kept, never rejected.
 */

export type ESimProfileStatus = 'new' | 'reserving' | 'available' | 'downloaded' | 'installed' | 'failed';
export const ESIM_PROFILE_STATUSES: readonly ESimProfileStatus[] = [
  'new',
  'reserving',
  'available',
  'downloaded',
  'installed',
  'failed',
];

export type SimStatus = 'new' | 'ready' | 'active' | 'inactive' | 'scheduled';
export const SIM_STATUSES: readonly SimStatus[] = ['new', 'ready', 'active', 'inactive', 'scheduled'];

/** Values accepted by `Status` when updating a Sim. */
export type SimStatusUpdate = 'ready' | 'active' | 'inactive';
export const SIM_STATUS_UPDATES: readonly SimStatusUpdate[] = ['ready', 'active', 'inactive'];

export type CallbackMethod = 'GET' | 'POST';

/** An ESimProfile resource (`HP...`). */
export interface ESimProfile {
  sid: string | null;
  account_sid: string | null;
  iccid: string | null;
  sim_sid: string | null;
  /** One of ESIM_PROFILE_STATUSES; a value the API adds later is kept as it is. */
  status: ESimProfileStatus | (string & {}) | null;
  eid: string | null;
  /** A bare host name such as `sm-dp-plus.twilio.com` (the spec's `format: uri` is not what it returns). */
  smdp_plus_address: string | null;
  matching_id: string | null;
  activation_code: string | null;
  error_code: string | null;
  error_message: string | null;
  date_created: string | null;
  date_updated: string | null;
  url: string | null;
  [field: string]: unknown;
}

/** A Sim resource (`HS...`). */
export interface Sim {
  sid: string | null;
  unique_name: string | null;
  account_sid: string | null;
  iccid: string | null;
  status: SimStatus | (string & {}) | null;
  fleet_sid: string | null;
  date_created: string | null;
  date_updated: string | null;
  url: string | null;
  links: Record<string, unknown> | null;
  [field: string]: unknown;
}

/** A Fleet resource (`HF...`). */
export interface Fleet {
  sid: string | null;
  account_sid: string | null;
  unique_name: string | null;
  data_enabled: boolean | null;
  data_limit: number | null;
  data_metering: string | null;
  network_access_profile_sid: string | null;
  date_created: string | null;
  date_updated: string | null;
  url: string | null;
  [field: string]: unknown;
}

/** The `meta` object of a list page. */
export interface ListMeta {
  page: number | null;
  page_size: number | null;
  first_page_url: string | null;
  next_page_url: string | null;
  previous_page_url: string | null;
  key: string | null;
  url: string | null;
}

/** Where the LPA gets its profile: what every address provider returns. */
export interface CloudAddress {
  /** SM-DP+ address as a host name (optionally `:port`), without scheme. */
  smdpAddress: string;
  matchingId?: string;
  /** Activation code as the cloud gave it (`1$HOST$MATCHING-ID`, no `LPA:` prefix). */
  activationCode?: string;
  iccid?: string;
  simSid?: string;
  esimProfileSid?: string;
  /** SM-DS event retrieval: the SM-DS that announced the profile and the event id (the matching id). */
  smdsAddress?: string;
  eventId?: string;
}

export type CloudProgressStep =
  | 'lookup' // looking for a live ESimProfile of this EID
  | 'reuse' // found one, reusing it
  | 'create' // creating (reserving) a new one
  | 'wait' // waiting for `available`
  | 'callback' // a callback arrived (hint to re-fetch)
  | 'assign' // assigning the Sim to the fleet and activating it
  | 'request' // maker backend: asking
  | 'not-ready' // maker backend: not ready yet, waiting
  | 'done';

/** A progress report, for "waiting for reservation (12 s)" lines. */
export interface CloudProgress {
  step: CloudProgressStep;
  message: string;
  /** Milliseconds since getAddress started. */
  elapsedMs: number;
  esimProfileSid?: string;
  status?: string;
}

export interface GetAddressOptions {
  /** Fleet SID (`HF...`) or unique name to assign the Sim to (Super SIM only). */
  fleet?: string;
  signal?: AbortSignal;
  onProgress?: (progress: CloudProgress) => void;
}

/** What the provisioning agent calls to learn the SM-DP+ address for an EID. */
export interface AddressProvider {
  getAddress(eid: string, opts?: GetAddressOptions): Promise<CloudAddress>;
}
