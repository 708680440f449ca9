/**
 * QMI protocol error codes (libqmi qmi-errors.h) that matter for eUICC work, and what they mean
 * for the channel: the SIM restarting (wait and reopen), a message the firmware does not know
 * (try the older one), or a plain failure.
 */
import { LpaError } from '../../src/errors.js';

export const QmiError = {
  malformedMessage: 1,
  internal: 3,
  clientIdsExhausted: 5,
  invalidClientId: 7,
  uimUninitialized: 37,
  invalidArgument: 48,
  deviceNotReady: 52,
  insufficientResources: 68,
  invalidQmiCommand: 71,
  simFileNotFound: 80,
  accessDenied: 82,
  notSupported: 94,
  noSim: 102,
} as const;

const NAMES: Record<number, string> = {
  1: 'MalformedMessage',
  2: 'NoMemory',
  3: 'Internal',
  4: 'Aborted',
  5: 'ClientIdsExhausted',
  7: 'InvalidClientId',
  17: 'MissingArgument',
  19: 'ArgumentTooLong',
  22: 'InvalidTransactionId',
  23: 'DeviceInUse',
  37: 'UimUninitialized',
  46: 'GeneralError',
  47: 'UnknownError',
  48: 'InvalidArgument',
  52: 'DeviceNotReady',
  68: 'InsufficientResources',
  70: 'InvalidOperation',
  71: 'InvalidQmiCommand',
  80: 'SimFileNotFound',
  82: 'AccessDenied',
  90: 'IncompatibleState',
  94: 'NotSupported',
  102: 'NoSim',
  118: 'OperationInProgress',
};

export function qmiErrorName(code: number): string {
  return NAMES[code] ?? `error ${code}`;
}

/** The SIM is restarting or not there: the command did not reach the card. */
export function isSimNotReady(code: number): boolean {
  return code === QmiError.deviceNotReady || code === QmiError.uimUninitialized || code === QmiError.noSim;
}

/** The firmware does not implement the message (older UIM service). */
export function isUnsupported(code: number): boolean {
  return code === QmiError.invalidQmiCommand || code === QmiError.notSupported;
}

/** QMI_ERROR for a failed request, with the code and its name in details. */
export function qmiFailure(what: string, code: number): LpaError {
  let hint = '';
  if (code === QmiError.clientIdsExhausted) hint = ': the modem has no free client ids (programs that crashed leaked them); only a modem restart frees them';
  else if (code === QmiError.invalidClientId) hint = ': the modem forgot our client id (it restarted, or something sent CTL Sync)';
  return new LpaError('QMI_ERROR', `${what} failed: QMI ${qmiErrorName(code)} (${code})${hint}`, { qmiError: code, qmiErrorName: qmiErrorName(code) });
}

/** The QMI error code an LpaError carries, if it is a QMI_ERROR. */
export function qmiErrorCode(e: unknown): number | undefined {
  return e instanceof LpaError && e.code === 'QMI_ERROR' && typeof e.details.qmiError === 'number' ? e.details.qmiError : undefined;
}
