/**
 * SGP.22 enumerations (result codes, error codes, reasons, states) with their names, and the
 * mapping of a non-ok ES10 result to an LpaError.
 *
 * Values come from the SGP.22 v2 ASN.1; `catBusy(5)` and the extra CancelSession reasons were
 * added by later v2.x releases and are accepted so newer cards decode to a name.
 */

import { LpaError } from '../errors.js';

export type EnumTable = Readonly<Record<string, number>>;

export const ENABLE_RESULT = {
  ok: 0,
  iccidOrAidNotFound: 1,
  profileNotInDisabledState: 2,
  disallowedByPolicy: 3,
  wrongProfileReenabling: 4,
  catBusy: 5,
  undefinedError: 127,
} as const;

export const DISABLE_RESULT = {
  ok: 0,
  iccidOrAidNotFound: 1,
  profileNotInEnabledState: 2,
  disallowedByPolicy: 3,
  catBusy: 5,
  undefinedError: 127,
} as const;

export const DELETE_RESULT = {
  ok: 0,
  iccidOrAidNotFound: 1,
  profileNotInDisabledState: 2,
  disallowedByPolicy: 3,
  catBusy: 5,
  undefinedError: 127,
} as const;

export const SET_NICKNAME_RESULT = { ok: 0, iccidNotFound: 1, undefinedError: 127 } as const;
/** NotificationSentResponse.deleteNotificationStatus (RemoveNotificationFromList). */
export const REMOVE_NOTIFICATION_RESULT = { ok: 0, nothingToDelete: 1, undefinedError: 127 } as const;
export const MEMORY_RESET_RESULT = { ok: 0, nothingToDelete: 1, catBusy: 5, undefinedError: 127 } as const;
export const SET_DEFAULT_DP_ADDRESS_RESULT = { ok: 0, undefinedError: 127 } as const;
export const PROFILE_INFO_LIST_ERROR = { incorrectInputValues: 1, undefinedError: 127 } as const;
export const LIST_NOTIFICATION_ERROR = { undefinedError: 127 } as const;
export const RETRIEVE_NOTIFICATIONS_ERROR = { noResultAvailable: 1, undefinedError: 127 } as const;

export const AUTHENTICATE_ERROR_CODE = {
  invalidCertificate: 1,
  invalidSignature: 2,
  unsupportedCurve: 3,
  noSessionContext: 4,
  invalidOid: 5,
  euiccChallengeMismatch: 6,
  ciPKUnknown: 7,
  undefinedError: 127,
} as const;

export const DOWNLOAD_ERROR_CODE = {
  invalidCertificate: 1,
  invalidSignature: 2,
  unsupportedCurve: 3,
  noSessionContext: 4,
  invalidTransactionId: 5,
  undefinedError: 127,
} as const;

export const CANCEL_SESSION_ERROR = { invalidTransactionId: 5, undefinedError: 127 } as const;

export const CANCEL_SESSION_REASON = {
  endUserRejection: 0,
  postponed: 1,
  timeout: 2,
  pprNotAllowed: 3,
  metadataMismatch: 4,
  loadBppExecutionError: 5,
  undefinedReason: 127,
} as const;

export const BPP_COMMAND_ID = {
  initialiseSecureChannel: 0,
  configureISDP: 1,
  storeMetadata: 2,
  storeMetadata2: 3,
  replaceSessionKeys: 4,
  loadProfileElements: 5,
} as const;

/** ErrorResult.errorReason of a ProfileInstallationResult. */
export const INSTALL_ERROR_REASON = {
  incorrectInputValues: 1,
  invalidSignature: 2,
  invalidTransactionId: 3,
  unsupportedCrtValues: 4,
  unsupportedRemoteOperationType: 5,
  unsupportedProfileClass: 6,
  scp03tStructureError: 7,
  scp03tSecurityError: 8,
  installFailedDueToIccidAlreadyExistsOnEuicc: 9,
  installFailedDueToInsufficientMemoryForProfile: 10,
  installFailedDueToInterruption: 11,
  installFailedDueToPEProcessingError: 12,
  installFailedDueToIccidMismatch: 13,
  testProfileInstallFailedDueToInvalidNaaKey: 14,
  pprNotAllowed: 15,
  installFailedDueToUnknownError: 127,
} as const;

export const PROFILE_STATE = { disabled: 0, enabled: 1 } as const;
export const PROFILE_CLASS = { test: 0, provisioning: 1, operational: 2 } as const;
export const ICON_TYPE = { jpg: 0, png: 1 } as const;
export const EUICC_CATEGORY = { other: 0, basicEuicc: 1, mediumEuicc: 2, contactlessEuicc: 3 } as const;

/** Bit names of BIT STRING types, index = bit number. */
export const NOTIFICATION_EVENT_BITS = ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete'] as const;
export const MEMORY_RESET_BITS = ['deleteOperationalProfiles', 'deleteFieldLoadedTestProfiles', 'resetDefaultSmdpAddress'] as const;
export const PPR_BITS = ['pprUpdateControl', 'ppr1', 'ppr2', 'ppr3'] as const;
export const RSP_CAPABILITY_BITS = ['additionalProfile', 'crlSupport', 'rpmSupport', 'testProfileSupport'] as const;
export const UICC_CAPABILITY_BITS = [
  'contactlessSupport', 'usimSupport', 'isimSupport', 'csimSupport', 'akaMilenage', 'akaCave', 'akaTuak128',
  'akaTuak256', 'rfu1', 'rfu2', 'gbaAuthenUsim', 'gbaAuthenISim', 'mbmsAuthenUsim', 'eapClient', 'javacard',
  'multos', 'multipleUsimSupport', 'multipleIsimSupport', 'multipleCsimSupport',
] as const;
export const PPR_FLAG_BITS = ['consentRequired'] as const;

export type NotificationEvent = (typeof NOTIFICATION_EVENT_BITS)[number];
export type MemoryResetOption = (typeof MEMORY_RESET_BITS)[number];
export type PprId = (typeof PPR_BITS)[number];
export type NameOf<T extends EnumTable> = Extract<keyof T, string>;

/** Name of `code` in `table`, or "unknown". */
export function enumName<T extends EnumTable>(table: T, code: number): NameOf<T> | 'unknown' {
  for (const [k, v] of Object.entries(table)) if (v === code) return k as NameOf<T>;
  return 'unknown';
}

/** Numeric value for an enum field given as name and/or code (code wins). */
export function enumCode<T extends EnumTable>(table: T, name: string | undefined, code: number | undefined, what: string): number {
  if (code !== undefined) return code;
  const v = name === undefined ? undefined : table[name];
  if (v === undefined) throw new LpaError('ASN1_ENCODE', `${what}: unknown value "${String(name)}"`);
  return v;
}

/** ES10 functions whose answers carry a result enum. */
export const RESULT_ENUMS = {
  EnableProfile: ENABLE_RESULT,
  DisableProfile: DISABLE_RESULT,
  DeleteProfile: DELETE_RESULT,
  SetNickname: SET_NICKNAME_RESULT,
  RemoveNotification: REMOVE_NOTIFICATION_RESULT,
  MemoryReset: MEMORY_RESET_RESULT,
  SetDefaultDpAddress: SET_DEFAULT_DP_ADDRESS_RESULT,
  ProfilesInfo: PROFILE_INFO_LIST_ERROR,
  ListNotification: LIST_NOTIFICATION_ERROR,
  RetrieveNotificationsList: RETRIEVE_NOTIFICATIONS_ERROR,
  AuthenticateServer: AUTHENTICATE_ERROR_CODE,
  PrepareDownload: DOWNLOAD_ERROR_CODE,
  CancelSession: CANCEL_SESSION_ERROR,
} as const;

export type ResultFunction = keyof typeof RESULT_ENUMS;

const MESSAGES: Record<string, string> = {
  iccidOrAidNotFound: 'profile not found on the eUICC',
  iccidNotFound: 'profile not found on the eUICC',
  profileNotInDisabledState: 'profile is not in disabled state',
  profileNotInEnabledState: 'profile is not in enabled state',
  disallowedByPolicy: 'not allowed by the profile policy rules',
  wrongProfileReenabling: 'wrong profile re-enabling',
  catBusy: 'the eUICC is busy (CAT session in progress)',
  undefinedError: 'undefined error',
  nothingToDelete: 'nothing to delete',
  incorrectInputValues: 'incorrect input values',
  noResultAvailable: 'no result available',
  invalidCertificate: 'invalid certificate',
  invalidSignature: 'invalid signature',
  unsupportedCurve: 'unsupported curve',
  noSessionContext: 'no session context',
  invalidOid: 'invalid OID',
  euiccChallengeMismatch: 'eUICC challenge mismatch',
  ciPKUnknown: 'CI public key unknown',
  invalidTransactionId: 'invalid transaction id',
};

/** A readable phrase for an enum name: from the table above, else the camelCase split into words. */
export function describeName(name: string): string {
  return MESSAGES[name] ?? name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * The error for a non-ok result of `fn`: ES10_RESULT (PROFILE_NOT_FOUND when the profile does
 * not exist), with details.result / details.resultCode / details.function.
 */
export function resultError(fn: ResultFunction, code: number): LpaError {
  const name = enumName(RESULT_ENUMS[fn] as EnumTable, code);
  const text = name === 'unknown' ? `unknown result ${code}` : describeName(name);
  const errCode = name === 'iccidOrAidNotFound' || name === 'iccidNotFound' ? 'PROFILE_NOT_FOUND' : 'ES10_RESULT';
  return new LpaError(errCode, `${fn} failed: ${text} (result ${code})`, { function: fn, result: name, resultCode: code });
}
