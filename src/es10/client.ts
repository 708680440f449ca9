/**
 * Es10Client: the typed ES10a/b/c functions over an ApduChannel. Each call is one STORE DATA
 * sequence; non-ok results throw the named errors from results.ts (ES10_RESULT, PROFILE_NOT_FOUND);
 * answers the LPA must forward (AuthenticateServer, PrepareDownload, CancelSession, pending
 * notifications) come back with their raw DER.
 */

import type { ApduChannel } from '../apdu/channel.js';
import { sendEs10 } from '../apdu/storeData.js';
import { parseIccid } from '../ids/iccid.js';
import { toHex } from '../util/hex.js';
import type { ProfileId } from './common.js';
import { isLpaError, type LpaError } from '../errors.js';
import {
  encodeAuthenticateServerRequest,
  decodeAuthenticateServerResponse,
  type AuthenticateServerOk,
  type AuthenticateServerRequest,
  type AuthenticateServerResponse,
} from './authenticateServer.js';
import { decodeCancelSessionResponse, encodeCancelSessionRequest, type CancelSessionOk, type CancelSessionReason, type CancelSessionResponse } from './cancelSession.js';
import { decodeConfiguredAddressesResponse, encodeConfiguredAddressesRequest, type ConfiguredAddresses } from './configuredAddresses.js';
import { decodeDeleteProfileResponse, encodeDeleteProfileRequest } from './deleteProfile.js';
import { decodeDisableProfileResponse, encodeDisableProfileRequest } from './disableProfile.js';
import { decodeEnableProfileResponse, encodeEnableProfileRequest } from './enableProfile.js';
import { decodeEuiccChallengeResponse, encodeEuiccChallengeRequest } from './euiccChallenge.js';
import { decodeEuiccInfo1Response, encodeEuiccInfo1Request, type EuiccInfo1 } from './euiccInfo1.js';
import { decodeEuiccInfo2Response, encodeEuiccInfo2Request, type EuiccInfo2 } from './euiccInfo2.js';
import { decodeGetEidResponse, encodeGetEidRequest } from './getEid.js';
import { decodeGetRatResponse, encodeGetRatRequest, type ProfilePolicyAuthorisationRule } from './getRat.js';
import { decodeListNotificationResponse, encodeListNotificationRequest } from './listNotification.js';
import { decodeMemoryResetResponse, encodeMemoryResetRequest } from './memoryReset.js';
import type { NotificationMetadata } from './notificationMetadata.js';
import {
  decodePrepareDownloadResponse,
  encodePrepareDownloadRequest,
  type PrepareDownloadOk,
  type PrepareDownloadRequest,
  type PrepareDownloadResponse,
} from './prepareDownload.js';
import { decodeProfilesInfoResponse, encodeProfilesInfoRequest, type ProfileInfo, type ProfilesInfoRequest } from './profilesInfo.js';
import { decodeRemoveNotificationResponse, encodeRemoveNotificationRequest } from './removeNotification.js';
import { decodeRetrieveNotificationsListResponse, encodeRetrieveNotificationsListRequest, type PendingNotification } from './retrieveNotificationsList.js';
import { enumCode, resultError, RESULT_ENUMS, type MemoryResetOption, type NotificationEvent, type ResultFunction } from './results.js';
import { decodeSetDefaultDpAddressResponse, encodeSetDefaultDpAddressRequest } from './setDefaultDpAddress.js';
import { decodeSetNicknameResponse, encodeSetNicknameRequest } from './setNickname.js';

export interface Es10ClientOptions {
  /** Deadline per APDU in ms, passed to the channel (driver default otherwise). */
  timeoutMs?: number;
  /**
   * STORE DATA block size in data bytes (1..255, `--apdu-size`); default: the channel's preference
   * (a vendor default), else 255. Always capped by the channel's `maxCommandApduBytes`.
   */
  blockSize?: number;
}

/** Default tagList for listProfiles: every field except the icon and proprietary data (fewer bytes). */
export const LIST_PROFILES_TAGS = Uint8Array.of(0x5a, 0x4f, 0x9f, 0x70, 0x90, 0x91, 0x92, 0x93, 0x95, 0xb6, 0xb7, 0x99);
/** tagList for showing profiles: the default fields and the icon (up to 1 KiB per profile). */
export const LIST_PROFILES_TAGS_WITH_ICON = Uint8Array.of(...LIST_PROFILES_TAGS, 0x94);

/** An ICCID string or an explicit profile identifier. */
export type ProfileRef = string | ProfileId;

function toProfileId(ref: ProfileRef): ProfileId {
  return typeof ref === 'string' ? { iccid: parseIccid(ref) } : ref;
}

function withoutTagList(r: ProfilesInfoRequest): ProfilesInfoRequest {
  return r.searchCriteria === undefined ? {} : { searchCriteria: r.searchCriteria };
}

export class Es10Client {
  /** Set once the card refused a GetProfilesInfo tag list. */
  private noTagList = false;

  constructor(
    private readonly channel: ApduChannel,
    private readonly options: Es10ClientOptions = {},
  ) {}

  /** STORE DATA block size for the next request (the transport's cap may change, e.g. on +CSIM). */
  get blockSize(): number {
    const want = this.options.blockSize ?? this.channel.storeDataBlockSize ?? 255;
    const cap = this.channel.maxCommandApduBytes;
    return cap === undefined ? want : Math.max(1, Math.min(want, cap - 5));
  }

  /** Sends one ES10 request, returns the response DER. */
  async call(fn: string, der: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    const opts: { fn: string; timeoutMs?: number; blockSize: number } = { fn, blockSize: this.blockSize };
    const t = timeoutMs ?? this.options.timeoutMs;
    if (t !== undefined) opts.timeoutMs = t;
    return sendEs10(this.channel, der, opts);
  }

  private check(fn: ResultFunction, r: { result: string; resultCode?: number }): void {
    const code = enumCode(RESULT_ENUMS[fn], r.result, r.resultCode, fn);
    if (code !== 0) throw resultError(fn, code);
  }

  async getEid(): Promise<string> {
    return decodeGetEidResponse(await this.call('GetEID', encodeGetEidRequest())).eid;
  }

  /** EUICCInfo1 parsed, and its raw DER (sent to ES9+ initiateAuthentication byte-for-byte). */
  async getEuiccInfo1(): Promise<{ info: EuiccInfo1; raw: Uint8Array }> {
    const raw = await this.call('GetEUICCInfo1', encodeEuiccInfo1Request());
    return { info: decodeEuiccInfo1Response(raw), raw };
  }

  async getEuiccInfo2(): Promise<{ info: EuiccInfo2; raw: Uint8Array }> {
    const raw = await this.call('GetEUICCInfo2', encodeEuiccInfo2Request());
    return { info: decodeEuiccInfo2Response(raw), raw };
  }

  async getEuiccChallenge(): Promise<Uint8Array> {
    return decodeEuiccChallengeResponse(await this.call('GetEUICCChallenge', encodeEuiccChallengeRequest())).euiccChallenge;
  }

  async getConfiguredAddresses(): Promise<ConfiguredAddresses> {
    return decodeConfiguredAddressesResponse(await this.call('GetEuiccConfiguredAddresses', encodeConfiguredAddressesRequest()));
  }

  async setDefaultDpAddress(address: string): Promise<void> {
    const der = encodeSetDefaultDpAddressRequest({ defaultDpAddress: address });
    this.check('SetDefaultDpAddress', decodeSetDefaultDpAddressResponse(await this.call('SetDefaultDpAddress', der)));
  }

  /**
   * GetProfilesInfo. A card that refuses the tag list (6A80/6A86, as some do) is asked once more
   * without one, and this client does not send one to it again. Entries that do not fully decode
   * are listed with `problems` (tolerant decoding).
   */
  async listProfiles(request: ProfilesInfoRequest = { tagList: LIST_PROFILES_TAGS }): Promise<ProfileInfo[]> {
    let req = this.noTagList && request.tagList ? withoutTagList(request) : request;
    let raw: Uint8Array;
    try {
      raw = await this.call('GetProfilesInfo', encodeProfilesInfoRequest(req));
    } catch (e) {
      if (!(req.tagList && isLpaError(e, 'APDU_STATUS') && (e.details.sw === '6A80' || e.details.sw === '6A86'))) throw e;
      this.noTagList = true;
      req = withoutTagList(req);
      raw = await this.call('GetProfilesInfo', encodeProfilesInfoRequest(req));
    }
    const r = decodeProfilesInfoResponse(raw);
    if (!r.ok) throw resultError('ProfilesInfo', enumCode(RESULT_ENUMS.ProfilesInfo, r.error, r.errorCode, 'ProfilesInfo'));
    return r.profiles;
  }

  async enableProfile(profile: ProfileRef, refresh = true): Promise<void> {
    const der = encodeEnableProfileRequest({ profile: toProfileId(profile), refreshFlag: refresh });
    this.check('EnableProfile', decodeEnableProfileResponse(await this.call('EnableProfile', der)));
  }

  async disableProfile(profile: ProfileRef, refresh = true): Promise<void> {
    const der = encodeDisableProfileRequest({ profile: toProfileId(profile), refreshFlag: refresh });
    this.check('DisableProfile', decodeDisableProfileResponse(await this.call('DisableProfile', der)));
  }

  async deleteProfile(profile: ProfileRef): Promise<void> {
    const der = encodeDeleteProfileRequest({ profile: toProfileId(profile) });
    this.check('DeleteProfile', decodeDeleteProfileResponse(await this.call('DeleteProfile', der)));
  }

  async setNickname(iccid: string, nickname: string): Promise<void> {
    const der = encodeSetNicknameRequest({ iccid: parseIccid(iccid), profileNickname: nickname });
    this.check('SetNickname', decodeSetNicknameResponse(await this.call('SetNickname', der)));
  }

  /** eUICCMemoryReset; `nothingToDelete` (already reset) is an answer, not an error. */
  async memoryReset(options: MemoryResetOption[]): Promise<'ok' | 'nothingToDelete'> {
    const der = encodeMemoryResetRequest({ resetOptions: options });
    const r = decodeMemoryResetResponse(await this.call('eUICCMemoryReset', der));
    if (r.result === 'nothingToDelete') return 'nothingToDelete';
    this.check('MemoryReset', r);
    return 'ok';
  }

  async listNotifications(operations?: NotificationEvent[]): Promise<NotificationMetadata[]> {
    return (await this.listNotificationEntries(operations)).notifications;
  }

  /** ListNotification with the entries that do not decode at all reported apart (tolerant decoding). */
  async listNotificationEntries(operations?: NotificationEvent[]): Promise<{ notifications: NotificationMetadata[]; malformed: { problem: string }[] }> {
    const der = encodeListNotificationRequest(operations === undefined ? {} : { profileManagementOperation: operations });
    const r = decodeListNotificationResponse(await this.call('ListNotification', der));
    if (!r.ok) throw resultError('ListNotification', enumCode(RESULT_ENUMS.ListNotification, r.error, r.errorCode, 'ListNotification'));
    return { notifications: r.notifications, malformed: r.malformed ?? [] };
  }

  /** Pending notifications (each with its raw DER for ES9+ handleNotification); all, or one by seqNumber. */
  async retrieveNotifications(seqNumber?: number): Promise<PendingNotification[]> {
    const der = encodeRetrieveNotificationsListRequest(seqNumber === undefined ? {} : { searchCriteria: { seqNumber } });
    const r = decodeRetrieveNotificationsListResponse(await this.call('RetrieveNotificationsList', der));
    if (r.ok) return r.notifications;
    // noResultAvailable just means the list is empty
    if (r.error === 'noResultAvailable') return [];
    throw resultError('RetrieveNotificationsList', enumCode(RESULT_ENUMS.RetrieveNotificationsList, r.error, r.errorCode, 'RetrieveNotificationsList'));
  }

  /** Removes a sent notification; an already removed one (nothingToDelete) is not an error. */
  async removeNotification(seqNumber: number): Promise<void> {
    const r = decodeRemoveNotificationResponse(await this.call('RemoveNotificationFromList', encodeRemoveNotificationRequest({ seqNumber })));
    if (r.result === 'nothingToDelete') return;
    this.check('RemoveNotification', r);
  }

  /**
   * AuthenticateServer as the eUICC answered it, ok or error, with the raw DER: SGP.22 wants either
   * forwarded to ES9+ authenticateClient (an error too, so the SM-DP+ learns why).
   */
  async authenticateServerAnswer(request: AuthenticateServerRequest): Promise<{ response: AuthenticateServerResponse; raw: Uint8Array }> {
    const raw = await this.call('AuthenticateServer', encodeAuthenticateServerRequest(request));
    return { response: decodeAuthenticateServerResponse(raw), raw };
  }

  /** AuthenticateServer; returns the parsed answer and the raw DER to send to ES9+ authenticateClient. */
  async authenticateServer(request: AuthenticateServerRequest): Promise<{ response: AuthenticateServerOk; raw: Uint8Array }> {
    const { response: r, raw } = await this.authenticateServerAnswer(request);
    if (!r.ok) throw authenticateServerError(r);
    return { response: r, raw };
  }

  /** PrepareDownload as the eUICC answered it, ok or error, with the raw DER for ES9+ getBoundProfilePackage. */
  async prepareDownloadAnswer(request: PrepareDownloadRequest): Promise<{ response: PrepareDownloadResponse; raw: Uint8Array }> {
    const raw = await this.call('PrepareDownload', encodePrepareDownloadRequest(request));
    return { response: decodePrepareDownloadResponse(raw), raw };
  }

  /** PrepareDownload; returns the parsed answer and the raw DER for ES9+ getBoundProfilePackage. */
  async prepareDownload(request: PrepareDownloadRequest): Promise<{ response: PrepareDownloadOk; raw: Uint8Array }> {
    const { response: r, raw } = await this.prepareDownloadAnswer(request);
    if (!r.ok) throw prepareDownloadError(r);
    return { response: r, raw };
  }

  /** CancelSession as the eUICC answered it, ok or error, with the raw DER for ES9+ cancelSession. */
  async cancelSessionAnswer(transactionId: Uint8Array, reason: CancelSessionReason): Promise<{ response: CancelSessionResponse; raw: Uint8Array }> {
    const raw = await this.call('CancelSession', encodeCancelSessionRequest({ transactionId, reason }));
    return { response: decodeCancelSessionResponse(raw), raw };
  }

  /** CancelSession; returns the parsed answer and the raw DER for ES9+ cancelSession. */
  async cancelSession(transactionId: Uint8Array, reason: CancelSessionReason): Promise<{ response: CancelSessionOk; raw: Uint8Array }> {
    const { response: r, raw } = await this.cancelSessionAnswer(transactionId, reason);
    if (!r.ok) throw resultError('CancelSession', enumCode(RESULT_ENUMS.CancelSession, r.error, r.errorCode, 'CancelSession'));
    return { response: r, raw };
  }

  async getRat(): Promise<ProfilePolicyAuthorisationRule[]> {
    return decodeGetRatResponse(await this.call('GetRAT', encodeGetRatRequest())).rat;
  }
}

function withTx<E extends { details: Record<string, unknown> }>(e: E, transactionId: Uint8Array): E {
  e.details.transactionId = toHex(transactionId);
  return e;
}

/** The error for an AuthenticateServer error answer (ES10_RESULT with the transaction id). */
export function authenticateServerError(r: Extract<AuthenticateServerResponse, { ok: false }>): LpaError {
  return withTx(resultError('AuthenticateServer', enumCode(RESULT_ENUMS.AuthenticateServer, r.error, r.errorCode, 'AuthenticateServer')), r.transactionId);
}

/** The error for a PrepareDownload error answer (ES10_RESULT with the transaction id). */
export function prepareDownloadError(r: Extract<PrepareDownloadResponse, { ok: false }>): LpaError {
  return withTx(resultError('PrepareDownload', enumCode(RESULT_ENUMS.PrepareDownload, r.error, r.errorCode, 'PrepareDownload')), r.transactionId);
}
