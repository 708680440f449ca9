/**
 * The one error type of lpa-agent.
 *
 * Every expected failure is an `LpaError` with a stable string `code` (scripts and tests branch on
 * it), a human message, optional structured `details` (SGP.22 subject/reason codes, CME numbers,
 * status words, result enums) and the underlying `cause`. The CLI prints `message` (never a stack
 * trace) and maps the code's category to an exit code.
 */

export type ErrorCode =
  // configuration and usage
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'INVALID_EID'
  | 'INVALID_ICCID'
  | 'INVALID_ADDRESS'
  | 'INVALID_ACTIVATION_CODE'
  | 'INVALID_HEX'
  // serial port and AT engine
  | 'PORT_NOT_FOUND'
  | 'PORT_BUSY'
  | 'PORT_MODEMMANAGER'
  | 'PORT_CLOSED'
  | 'PORT_IO'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_AMBIGUOUS'
  | 'AT_TIMEOUT'
  | 'AT_ERROR'
  | 'AT_CME_ERROR'
  | 'AT_CMS_ERROR'
  | 'AT_NOT_SUPPORTED'
  | 'AT_BAD_RESPONSE'
  | 'AT_BUSY'
  // QMI / MBIM transports
  | 'QMI_ERROR'
  | 'MBIM_ERROR'
  | 'TRANSPORT_TIMEOUT'
  | 'TRANSPORT_BAD_FRAME'
  // PC/SC (pcscd and card readers)
  | 'PCSC_UNAVAILABLE'
  | 'READER_NOT_FOUND'
  | 'CARD_ABSENT'
  // eUICC channel and APDUs
  | 'CHANNEL_OPEN_FAILED'
  | 'CHANNEL_CLOSED'
  | 'SIM_NOT_READY'
  | 'APDU_STATUS'
  | 'APDU_INVALID'
  // ES10 / ASN.1
  | 'ASN1_DECODE'
  | 'ASN1_ENCODE'
  | 'ES10_RESULT'
  | 'PROFILE_NOT_FOUND'
  | 'NOTIFICATION_NOT_FOUND'
  | 'PROFILE_INSTALL_FAILED'
  | 'PPR_NOT_ALLOWED'
  // ES9+ / TLS
  | 'ES9_FAILED'
  | 'ES9_HTTP'
  | 'ES9_BAD_RESPONSE'
  | 'ES9_TIMEOUT'
  | 'TLS_UNTRUSTED'
  | 'NETWORK'
  | 'PROFILE_ALREADY_DOWNLOADED'
  | 'SESSION_CANCELLED'
  | 'SMDP_MISMATCH'
  | 'SMDS_NO_EVENT'
  // cloud
  | 'CLOUD_HTTP'
  | 'CLOUD_AUTH'
  | 'CLOUD_NOT_FOUND'
  | 'CLOUD_RATE_LIMITED'
  | 'CLOUD_BAD_RESPONSE'
  | 'CLOUD_TIMEOUT'
  | 'CLOUD_PROFILE_FAILED'
  | 'CALLBACK_SIGNATURE'
  // agent
  | 'LOCKED'
  | 'JOURNAL'
  | 'INTERRUPTED'
  | 'CRYPTO'
  | 'INTERNAL';

/** Broad category of a code; the CLI turns it into an exit code. */
export type ErrorCategory = 'usage' | 'config' | 'module' | 'euicc' | 'smdp' | 'cloud' | 'agent' | 'internal';

const CATEGORY: Record<ErrorCode, ErrorCategory> = {
  USAGE: 'usage',
  CONFIG_INVALID: 'config',
  INVALID_EID: 'usage',
  INVALID_ICCID: 'usage',
  INVALID_ADDRESS: 'usage',
  INVALID_ACTIVATION_CODE: 'usage',
  INVALID_HEX: 'usage',
  PORT_NOT_FOUND: 'module',
  PORT_BUSY: 'module',
  PORT_MODEMMANAGER: 'module',
  PORT_CLOSED: 'module',
  PORT_IO: 'module',
  DEVICE_NOT_FOUND: 'module',
  DEVICE_AMBIGUOUS: 'usage',
  AT_TIMEOUT: 'module',
  AT_ERROR: 'module',
  AT_CME_ERROR: 'module',
  AT_CMS_ERROR: 'module',
  AT_NOT_SUPPORTED: 'module',
  AT_BAD_RESPONSE: 'module',
  AT_BUSY: 'module',
  QMI_ERROR: 'module',
  MBIM_ERROR: 'module',
  TRANSPORT_TIMEOUT: 'module',
  TRANSPORT_BAD_FRAME: 'module',
  PCSC_UNAVAILABLE: 'module',
  READER_NOT_FOUND: 'module',
  CARD_ABSENT: 'module',
  CHANNEL_OPEN_FAILED: 'module',
  CHANNEL_CLOSED: 'module',
  SIM_NOT_READY: 'module',
  APDU_STATUS: 'euicc',
  APDU_INVALID: 'euicc',
  ASN1_DECODE: 'euicc',
  ASN1_ENCODE: 'internal',
  ES10_RESULT: 'euicc',
  PROFILE_NOT_FOUND: 'euicc',
  NOTIFICATION_NOT_FOUND: 'euicc',
  PROFILE_INSTALL_FAILED: 'euicc',
  PPR_NOT_ALLOWED: 'euicc',
  ES9_FAILED: 'smdp',
  ES9_HTTP: 'smdp',
  ES9_BAD_RESPONSE: 'smdp',
  ES9_TIMEOUT: 'smdp',
  TLS_UNTRUSTED: 'smdp',
  NETWORK: 'smdp',
  PROFILE_ALREADY_DOWNLOADED: 'smdp',
  SESSION_CANCELLED: 'smdp',
  SMDP_MISMATCH: 'smdp',
  SMDS_NO_EVENT: 'smdp',
  CLOUD_HTTP: 'cloud',
  CLOUD_AUTH: 'cloud',
  CLOUD_NOT_FOUND: 'cloud',
  CLOUD_RATE_LIMITED: 'cloud',
  CLOUD_BAD_RESPONSE: 'cloud',
  CLOUD_TIMEOUT: 'cloud',
  CLOUD_PROFILE_FAILED: 'cloud',
  CALLBACK_SIGNATURE: 'cloud',
  LOCKED: 'agent',
  JOURNAL: 'agent',
  INTERRUPTED: 'agent',
  CRYPTO: 'internal',
  INTERNAL: 'internal',
};

/** Exit codes by category: documented in the README, stable for factory scripts. */
export const EXIT_CODES: Record<ErrorCategory, number> = {
  internal: 1,
  usage: 2,
  config: 3,
  module: 4,
  euicc: 5,
  smdp: 6,
  cloud: 7,
  agent: 8,
};

/** Structured facts about a failure; every field optional. */
export interface ErrorDetails {
  /** SGP.22 ES9+ statusCodeData subject code, e.g. "8.2". */
  subjectCode?: string;
  /** SGP.22 ES9+ statusCodeData reason code, e.g. "3.7". */
  reasonCode?: string;
  /** +CME ERROR number or text. */
  cme?: number | string;
  /** ISO 7816 status word as 4 hex digits, e.g. "6A88". */
  sw?: string;
  /** Name of an SGP.22 result enum value, e.g. "iccidOrAidNotFound". */
  result?: string;
  /** Numeric value of an SGP.22 result enum. */
  resultCode?: number;
  /** ES10 or ES9+ function the failure belongs to, e.g. "EnableProfile". */
  function?: string;
  /** HTTP status, where one was received. */
  httpStatus?: number;
  /** Anything else worth showing in --json output (never secrets). */
  [key: string]: unknown;
}

export class LpaError extends Error {
  override readonly name = 'LpaError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = details;
  }

  get category(): ErrorCategory {
    return CATEGORY[this.code];
  }

  get exitCode(): number {
    return EXIT_CODES[this.category];
  }

  /** Plain object for --json output: code, message, details; never the stack. */
  toJSON(): { code: ErrorCode; message: string; details?: ErrorDetails } {
    const out: { code: ErrorCode; message: string; details?: ErrorDetails } = { code: this.code, message: this.message };
    if (Object.keys(this.details).length > 0) out.details = this.details;
    return out;
  }
}

export function isLpaError(e: unknown, code?: ErrorCode): e is LpaError {
  return e instanceof LpaError && (code === undefined || e.code === code);
}

/** Wraps any thrown value into an LpaError, keeping LpaErrors as they are. */
export function toLpaError(e: unknown, code: ErrorCode = 'INTERNAL', message?: string): LpaError {
  if (e instanceof LpaError) return e;
  const text = e instanceof Error ? e.message : String(e);
  return new LpaError(code, message ?? text, {}, { cause: e });
}

export function categoryOf(code: ErrorCode): ErrorCategory {
  return CATEGORY[code];
}
