/**
 * Options, fault switches and hooks of the local Super SIM double.
 */

/** A local SM-DP+ that the double can create EID-bound orders on. */
export interface SmdpHook {
  /** Creates the order for this EID; returns the SM-DP+ address the profile reports. */
  createOrder(eid: string): Promise<{ smdpAddress: string; iccid?: string; matchingId?: string }>;
  /** Registers a listener the SM-DP+ calls when it records a download / install notification. */
  onInstalled?(cb: (event: SmdpInstallEvent) => void): void;
}

export interface SmdpInstallEvent {
  eid?: string;
  iccid?: string;
  matchingId?: string;
  /** Default `installed`. */
  state?: 'downloaded' | 'installed';
}

/** Switches a test (or a rehearsal) flips at any time; they apply to `/v1/...` requests. */
export interface CloudFaults {
  /** The next N requests answer 429 (code 20429). */
  rateLimit: number;
  /** Retry-After seconds sent with those 429s (none when undefined). */
  retryAfterSec?: number;
  /** The next N requests answer a 5xx before doing anything. */
  serverErrors: number;
  /** Status used for those; default 500. */
  serverErrorStatus?: number;
  /** Limit serverErrors to these methods; default all. */
  serverErrorMethods?: ('GET' | 'POST')[];
  /** The next N POSTs are carried out but answered with a 500 (an answer lost after the work). */
  lostPosts?: number;
  /** Delay every answer by this many ms. */
  slowMs: number;
  /** Reservations end in `failed` with this code and message (true: a default pair). */
  failReservations: boolean | { code: string; message: string };
}

export interface CloudDoubleOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Twilio Account SID accepted (AC + 32 hex); generated when absent. */
  accountSid?: string;
  /** Auth token for accountSid; generated when absent. Also signs Twilio-style callbacks. */
  authToken?: string;
  /** API keys accepted for the account; one is generated when absent. */
  apiKeys?: { sid: string; secret: string }[];
  /** KORE OAuth client accepted at the token endpoint; generated when absent. */
  kore?: { clientId: string; clientSecret: string; tokenTtlSec?: number };
  /** Time from creation to `available` (or `failed`). Default 50 ms. */
  reserveDelayMs?: number;
  /** smdp_plus_address reported without an SmdpHook. Default `sm-dp-plus.double.test`. */
  smdpAddress?: string;
  smdpHook?: SmdpHook;
  /** Sim updates answer 202 `scheduled` and apply after simScheduleDelayMs (default 20 ms). */
  scheduleSimUpdates?: boolean;
  simScheduleDelayMs?: number;
  /** Error body shape. Default legacy. */
  errorShape?: 'legacy' | 'rfc9457';
  /** Fleets created at start; default one with unique name `demo-fleet`. */
  fleets?: { uniqueName: string }[];
  faults?: Partial<CloudFaults>;
}

/** One request the double received and what it answered (for assertions and contract tests). */
export interface RecordedExchange {
  method: string;
  path: string;
  query: [string, string][];
  /** Form parameters of a POST body, in order. */
  form: [string, string][];
  contentType?: string;
  auth: 'basic-account' | 'basic-api-key' | 'bearer' | 'none' | 'invalid';
  status: number;
  body: unknown;
}

export interface SentCallback {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  status?: number;
  error?: string;
}
