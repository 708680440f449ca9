/**
 * `--output lpac`: lpa-agent's progress and results in the JSON-line format of lpac (the
 * open-source LPA of estkme-group), so tools and GUIs built on lpac's output can drive lpa-agent.
 * Every line is `{"type":"progress"|"lpa","payload":{"code":0|-1,"message":...,"data":...}}`:
 * progress lines carry lpac's function names (es10b_authenticate_server, ...), the one final `lpa`
 * line carries `success` and the command's data in lpac's shapes, or code -1 and the name of the
 * failing step with our error message as data. docs/lpac-output.md has the full mapping.
 */
import type { LpaError } from '../errors.js';
import { parseExtCardResource } from '../es10/euiccInfo2.js';
import { fromHex } from '../util/hex.js';
import type { NotificationView, ProfileView } from './format.js';
import { Output, stdWriters, type OutputOptions, type Writer } from './output.js';

type Json = unknown;

/** One lpac line, keys in lpac's order. */
export function lpacLine(type: 'progress' | 'lpa', code: 0 | -1, message: string, data: Json): string {
  return `${JSON.stringify({ type, payload: { code, message, data } })}\n`;
}

/** lpa-agent download steps (src/lpa/download.ts DownloadStep) -> lpac progress names. */
export const DOWNLOAD_STEP_NAMES: Record<string, readonly string[]> = {
  target: [],
  challenge: ['es10b_get_euicc_challenge_and_info'],
  initiateAuthentication: ['es9p_initiate_authentication'],
  authenticateServer: ['es10b_authenticate_server'],
  authenticateClient: ['es9p_authenticate_client'],
  metadata: ['es8p_metadata_parse'],
  prepareDownload: ['es10b_prepare_download'],
  getBoundProfilePackage: ['es9p_get_bound_profile_package'],
  loadBoundProfilePackage: ['es10b_load_bound_profile_package'],
  installed: [],
  cancel: ['es10b_cancel_session', 'es9p_cancel_session'],
  // SM-DS event retrieval (discover, download --from-smds)
  smds: [],
  authenticateClientEs11: ['es11_authenticate_client'],
  events: [],
};

/** ES10 function names (LpaError details.function) -> lpac names, for errors outside a step. */
export const FUNCTION_NAMES: Record<string, string> = {
  GetEID: 'es10c_get_eid',
  GetEUICCInfo1: 'es10b_get_euicc_info',
  GetEUICCInfo2: 'es10c_ex_get_euiccinfo2',
  GetEUICCChallenge: 'es10b_get_euicc_challenge_and_info',
  GetEuiccConfiguredAddresses: 'es10a_get_euicc_configured_addresses',
  SetDefaultDpAddress: 'es10a_set_default_dp_address',
  GetProfilesInfo: 'es10c_get_profiles_info',
  EnableProfile: 'es10c_enable_profile',
  DisableProfile: 'es10c_disable_profile',
  DeleteProfile: 'es10c_delete_profile',
  SetNickname: 'es10c_set_nickname',
  eUICCMemoryReset: 'es10c_euicc_memory_reset',
  MemoryReset: 'es10c_euicc_memory_reset',
  ListNotification: 'es10b_list_notification',
  RetrieveNotificationsList: 'es10b_retrieve_notifications_list',
  RemoveNotificationFromList: 'es10b_remove_notification_from_list',
  RemoveNotification: 'es10b_remove_notification_from_list',
  AuthenticateServer: 'es10b_authenticate_server',
  PrepareDownload: 'es10b_prepare_download',
  LoadBoundProfilePackage: 'es10b_load_bound_profile_package',
  CancelSession: 'es10b_cancel_session',
  GetRAT: 'es10b_get_rat',
};

/** The step a command's failure is named after when no progress step or ES10 function says better. */
const COMMAND_STEP: Record<string, string> = {
  eid: 'es10c_get_eid',
  info: 'es10c_get_eid',
  profiles: 'es10c_get_profiles_info',
  enable: 'es10c_enable_profile',
  disable: 'es10c_disable_profile',
  delete: 'es10c_delete_profile',
  nickname: 'es10c_set_nickname',
  'default-smdp': 'es10a_set_default_dp_address',
  reset: 'es10c_euicc_memory_reset',
  discover: 'es10b_get_euicc_challenge_and_info',
};

const CODE_STEP: Partial<Record<LpaError['code'], string>> = {
  INVALID_ACTIVATION_CODE: 'activation_code',
  INVALID_ADDRESS: 'smdp',
  INTERRUPTED: 'cancelled',
};

/** SGP.22 camelCase names -> lpac's snake_case (`configureISDP` -> `configure_isdp`). */
export function snakeName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

const lowerHex = (v: unknown): string | null => (typeof v === 'string' ? v.toLowerCase() : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const ICON_TYPES: Record<string, string> = { jpg: 'jpeg', jpeg: 'jpeg', png: 'png', unknown: 'unknown' };

/** An item of `lpac profile list`. */
export function lpacProfile(p: ProfileView): Record<string, Json> {
  return {
    iccid: p.iccid,
    isdpAid: lowerHex(p.isdpAid),
    profileState: p.state,
    profileNickname: p.nickname,
    serviceProviderName: p.serviceProviderName,
    profileName: p.profileName,
    iconType: p.iconType ? (ICON_TYPES[p.iconType] ?? 'unknown') : null,
    icon: p.icon ?? null,
    profileClass: p.profileClass,
  };
}

/** An item of `lpac notification list` (`notificationInstall` -> `install`). */
export function lpacNotification(n: NotificationView): Record<string, Json> {
  const op = n.operation.replace(/^notification/, '');
  return {
    seqNumber: n.seqNumber,
    profileManagementOperation: op.charAt(0).toLowerCase() + op.slice(1),
    notificationAddress: n.address,
    iccid: n.iccid,
  };
}

function extCardResource(hex: unknown): Record<string, number> {
  let r: ReturnType<typeof parseExtCardResource> = {};
  try {
    if (typeof hex === 'string') r = parseExtCardResource(fromHex(hex));
  } catch {
    // malformed resource TLVs: report zeros as lpac does for absent ones
  }
  return { installedApplication: r.installedApplications ?? 0, freeNonVolatileMemory: r.freeNonVolatileMemory ?? 0, freeVolatileMemory: r.freeVolatileMemory ?? 0 };
}

/** `lpac chip info` data from lpa-agent's `info` data (or only eidValue from `eid`). */
export function lpacChipInfo(data: { eid: string; addresses?: { defaultDpAddress: string | null; rootDsAddress: string | null }; euiccInfo2?: Record<string, unknown> }): Record<string, Json> {
  const out: Record<string, Json> = { eidValue: data.eid };
  if (data.addresses) out.EuiccConfiguredAddresses = { defaultDpAddress: data.addresses.defaultDpAddress, rootDsAddress: data.addresses.rootDsAddress };
  const i = data.euiccInfo2;
  if (i) {
    const info: Record<string, Json> = {
      profileVersion: strOrNull(i.profileVersion),
      svn: strOrNull(i.svn),
      euiccFirmwareVer: strOrNull(i.euiccFirmwareVer),
      extCardResource: extCardResource(i.extCardResource),
    };
    if (Array.isArray(i.uiccCapability)) info.uiccCapability = i.uiccCapability;
    info.ts102241Version = strOrNull(i.javacardVersion);
    info.globalplatformVersion = strOrNull(i.globalplatformVersion);
    if (Array.isArray(i.rspCapability)) info.rspCapability = i.rspCapability;
    for (const k of ['euiccCiPKIdListForVerification', 'euiccCiPKIdListForSigning']) {
      const v = i[k];
      if (Array.isArray(v)) info[k] = v.map(lowerHex);
    }
    info.euiccCategory = strOrNull(i.euiccCategory);
    if (Array.isArray(i.forbiddenProfilePolicyRules)) info.forbiddenProfilePolicyRules = i.forbiddenProfilePolicyRules;
    info.ppVersion = strOrNull(i.ppVersion);
    info.sasAcreditationNumber = strOrNull(i.sasAcreditationNumber);
    const c = (i.certificationDataObject ?? {}) as Record<string, unknown>;
    info.certificationDataObject = { platformLabel: strOrNull(c.platformLabel), discoveryBaseURL: strOrNull(c.discoveryBaseURL) };
    out.EUICCInfo2 = info;
  }
  return out;
}

/** `lpac profile download` result data: the install notification and the ICCID. */
export function lpacDownloadResult(data: { iccid?: unknown; notificationSeq?: unknown }): Record<string, Json> {
  return { seqNumber: typeof data.notificationSeq === 'number' ? data.notificationSeq : 0, iccid: strOrNull(data.iccid), bppCommandId: 'unknown', errorReason: 'unknown' };
}

/** Maps a command's result data to lpac's `data`. */
export function lpacResultData(command: string, data: unknown): Json {
  const d = (data ?? {}) as Record<string, unknown>;
  switch (command) {
    case 'eid':
    case 'info':
      return lpacChipInfo(d as Parameters<typeof lpacChipInfo>[0]);
    case 'profiles':
      return Array.isArray(d.profiles) ? (d.profiles as ProfileView[]).map(lpacProfile) : [];
    case 'download':
      return lpacDownloadResult(d);
    case 'notifications':
      // list -> the items (an empty list too); send (`sent`) and remove (`removed`) -> null, as lpac's process / remove
      if (typeof d.sent === 'number' || 'removed' in d || !Array.isArray(d.notifications)) return null;
      if (d.notifications.some((n) => 'delivered' in (n as object))) return null;
      return (d.notifications as NotificationView[]).map(lpacNotification);
    case 'discover':
      // lpac's "profile discovery" lists the SM-DP+ address of each event (no event ids)
      return Array.isArray(d.events) ? (d.events as { rspServerAddress: string }[]).map((e) => e.rspServerAddress) : [];
    case 'default-smdp':
      // the show form (it reads both addresses) -> lpac chip info's EuiccConfiguredAddresses; setting -> null
      return 'rootDsAddress' in d ? { defaultDpAddress: d.defaultDpAddress ?? null, rootDsAddress: d.rootDsAddress ?? null } : null;
    case 'enable':
    case 'disable':
    case 'delete':
    case 'nickname':
    case 'reset':
      return null;
    default:
      return data ?? null;
  }
}

/**
 * An Output that writes lpac lines. Same surface as Output (progress, notice, result, error, json,
 * mode); `mode` stays "json" (machine output) and `format` says "lpac". Notices go to stderr.
 */
export class LpacOutput extends Output {
  readonly format = 'lpac' as const;
  private finished = false;
  private lastLine = '';
  /** lpac name of the last step started (failures are named after it). */
  private lastStep: string | undefined;
  private smdp: string | null = null;
  private iccid: string | null = null;

  constructor(
    command: string,
    private readonly sink: Writer = stdWriters().stdout,
    private readonly errSink: Writer = stdWriters().stderr,
    options: OutputOptions = {},
  ) {
    super('json', command, sink, errSink, options);
  }

  override progress(step: string, message: string, data?: Record<string, unknown>): void {
    this.noteStep(step);
    if (this.finished) return;
    if (typeof data?.smdpAddress === 'string') this.smdp = data.smdpAddress;
    else if (typeof data?.smdsAddress === 'string') this.smdp = data.smdsAddress;
    if (typeof data?.iccid === 'string' && (step === 'metadata' || step === 'installed')) this.iccid = data.iccid;
    const seq = typeof data?.seqNumber === 'number' ? String(data.seqNumber) : undefined;
    const names = DOWNLOAD_STEP_NAMES[step];
    if (names) {
      const payload = step === 'metadata' ? this.metadata(data) : this.smdp;
      for (const n of names) this.emit(n, payload, step !== 'cancel');
    } else if (seq !== undefined && ['send', 'notify', 'notifications', 'enable', 'disable', 'delete', 'reset'].includes(step)) {
      this.emit('es10b_retrieve_notifications_list', seq, true);
      this.emit('es9p_handle_notification', seq, true);
    } else if (COMMAND_STEP[step] && (typeof data?.iccid === 'string' || typeof data?.isdpAid === 'string')) {
      this.emit(COMMAND_STEP[step]!, typeof data?.iccid === 'string' ? data.iccid : String(data?.isdpAid).toLowerCase(), true);
    } else if (!COMMAND_STEP[step] && step !== 'send' && step !== 'notify' && step !== 'notifications') {
      this.emit(step, message, true); // a step lpac does not have: our name and text
    }
  }

  override notice(message: string): void {
    this.errSink.write(`note: ${message}\n`);
  }

  override result(data: unknown, _human: string | (() => string)): void {
    if (this.finished) return;
    this.finished = true;
    this.sink.write(lpacLine('lpa', 0, 'success', lpacResultData(this.command, data)));
  }

  override error(err: LpaError): void {
    if (this.finished) return;
    if (err.code === 'PROFILE_INSTALL_FAILED' && typeof err.details.bppCommandId === 'string') {
      const bpp = snakeName(err.details.bppCommandId);
      const reason = snakeName(String(err.details.errorReason ?? 'unknown'));
      const seq = typeof err.details.notificationSeq === 'number' ? err.details.notificationSeq : 0;
      this.emit('es10b_load_bound_profile_package:result', { seqNumber: seq, iccid: this.iccid, bppCommandId: bpp, errorReason: reason }, false);
      this.finished = true;
      this.sink.write(lpacLine('lpa', -1, 'es10b_load_bound_profile_package', `${bpp},${reason}`));
      return;
    }
    this.finished = true;
    const fn = typeof err.details.function === 'string' ? FUNCTION_NAMES[err.details.function] : undefined;
    const init = err.category === 'module' ? 'euicc_init' : undefined; // the module or channel did not open
    const message = CODE_STEP[err.code] ?? this.lastStep ?? fn ?? init ?? COMMAND_STEP[this.command] ?? err.code.toLowerCase();
    this.sink.write(lpacLine('lpa', -1, message, err.message));
  }

  private metadata(data: Record<string, unknown> | undefined): Record<string, Json> {
    return {
      iccid: strOrNull(data?.iccid),
      serviceProviderName: strOrNull(data?.serviceProviderName),
      profileName: strOrNull(data?.profileName),
      iconType: data?.iconType ? (ICON_TYPES[String(data.iconType)] ?? 'unknown') : null,
      icon: strOrNull(data?.icon),
      profileClass: strOrNull(data?.profileClass),
    };
  }

  /** Writes a progress line unless it repeats the previous one (e.g. the BPP load percentages). */
  private emit(name: string, data: Json, isStep: boolean): void {
    const line = lpacLine('progress', 0, name, data ?? null);
    if (isStep) this.lastStep = name;
    if (line === this.lastLine) return;
    this.lastLine = line;
    this.sink.write(line);
  }
}
