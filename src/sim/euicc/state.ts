/**
 * Persistent state of the virtual eUICC: identity, installed profiles, configured addresses and the
 * queue of pending notifications. Kept as JSON (atomic write: temp file, fsync, rename) or purely in
 * memory. Volatile session state (challenge, download session) lives elsewhere.
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LpaError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomicFile.js';

export type ProfileState = 'enabled' | 'disabled';
export type ProfileClass = 'test' | 'provisioning' | 'operational';
export type NotificationOperation = 'install' | 'enable' | 'disable' | 'delete';
/** Profile Policy Rule identifiers (SGP.22 PprIds). */
export type PprId = 'pprUpdateControl' | 'ppr1' | 'ppr2' | 'ppr3';

export const NOTIFICATION_OPERATIONS: readonly NotificationOperation[] = ['install', 'enable', 'disable', 'delete'];
export const PPR_IDS: readonly PprId[] = ['pprUpdateControl', 'ppr1', 'ppr2', 'ppr3'];
const PROFILE_CLASSES: readonly ProfileClass[] = ['test', 'provisioning', 'operational'];

export interface StoredProfile {
  /** 19-20 digits, as printed on the card. */
  iccid: string;
  /** AID of the ISD-P holding the profile, upper-case hex. */
  isdpAid: string;
  state: ProfileState;
  nickname?: string;
  serviceProviderName: string;
  profileName: string;
  profileClass: ProfileClass;
  profilePolicyRules?: PprId[];
  /** Icon from the profile metadata: type and the image as base64. */
  iconType?: 'jpg' | 'png';
  icon?: string;
  /** Where the eUICC sends the notification for each profile management operation. */
  notificationConfigurationInfo: Partial<Record<NotificationOperation, string>>;
}

export interface StoredNotification {
  seqNumber: number;
  operation: NotificationOperation;
  address: string;
  iccid: string;
  /** Base64 of the whole PendingNotification DER exactly as RetrieveNotificationsList returns it. */
  signedDer: string;
}

export interface EuiccState {
  version: 1;
  eid: string;
  profiles: StoredProfile[];
  /** Empty string: no default SM-DP+ configured. */
  defaultDpAddress: string;
  rootDsAddress: string;
  notifications: StoredNotification[];
  nextSeqNumber: number;
  /** AID the next installed ISD-P gets, upper-case hex. */
  nextIsdpAid: string;
}

/** EID of the SGP.26 test eUICC (matches CERT_EUICC_ECDSA_NIST). */
export const VIRTUAL_EID = '89049032123451234512345678901235';
/** AID of the ISD-R (SGP.22). */
export const ISD_R_AID = 'A0000005591010FFFFFFFF8900000100';
/** ICCID of the bootstrap (provisioning) profile a factory-fresh virtual eUICC carries. */
export const BOOTSTRAP_ICCID = '8988307000000000016';
export const BOOTSTRAP_ISDP_AID = 'A0000005591010FFFFFFFF8900001000';
export const BOOTSTRAP_SPN = 'lpa-agent bootstrap';
export const BOOTSTRAP_PROFILE_NAME = 'Bootstrap connectivity';
/** SM-DP+ host the bootstrap profile reports its enable/disable/delete notifications to. */
export const BOOTSTRAP_NOTIFICATION_ADDRESS = 'testsmdpplus1.example.com';
export const DEFAULT_ROOT_DS_ADDRESS = 'lpa.ds.gsma.com';
const FIRST_DOWNLOADED_ISDP_AID = 'A0000005591010FFFFFFFF8900001100';

/** A new factory-fresh state: one enabled bootstrap profile, no default SM-DP+, no notifications. */
export function factoryState(): EuiccState {
  return {
    version: 1,
    eid: VIRTUAL_EID,
    profiles: [
      {
        iccid: BOOTSTRAP_ICCID,
        isdpAid: BOOTSTRAP_ISDP_AID,
        state: 'enabled',
        serviceProviderName: BOOTSTRAP_SPN,
        profileName: BOOTSTRAP_PROFILE_NAME,
        profileClass: 'provisioning',
        notificationConfigurationInfo: {
          enable: BOOTSTRAP_NOTIFICATION_ADDRESS,
          disable: BOOTSTRAP_NOTIFICATION_ADDRESS,
          delete: BOOTSTRAP_NOTIFICATION_ADDRESS,
        },
      },
    ],
    defaultDpAddress: '',
    rootDsAddress: DEFAULT_ROOT_DS_ADDRESS,
    notifications: [],
    nextSeqNumber: 1,
    nextIsdpAid: FIRST_DOWNLOADED_ISDP_AID,
  };
}

/** Holds the state and writes it back after every change (no-op when in memory). */
export class EuiccStateStore {
  constructor(
    public state: EuiccState,
    readonly path?: string,
  ) {}

  /** Opens the JSON state at `path` (created factory-fresh if missing), or an in-memory state. */
  static open(path?: string): EuiccStateStore {
    if (path === undefined) return new EuiccStateStore(factoryState());
    if (!existsSync(path)) {
      const store = new EuiccStateStore(factoryState(), path);
      store.save();
      return store;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new LpaError('CONFIG_INVALID', `cannot read virtual eUICC state ${path}`, { path }, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new LpaError('CONFIG_INVALID', `virtual eUICC state ${path} is not valid JSON`, { path }, { cause: e });
    }
    return new EuiccStateStore(validateState(json, path), path);
  }

  save(): void {
    if (this.path === undefined) return;
    writeStateFile(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** Sequence number for a new notification (and advances the counter). */
  takeSeqNumber(): number {
    return this.state.nextSeqNumber++;
  }

  /** AID for a new ISD-P (and advances the counter). */
  takeIsdpAid(): string {
    const aid = this.state.nextIsdpAid;
    this.state.nextIsdpAid = incrementAid(aid);
    return aid;
  }
}

/** Next ISD-P AID: byte 14 (the ISD-P index) counts up, carrying into byte 13. */
export function incrementAid(aid: string): string {
  const b = Buffer.from(aid, 'hex');
  for (let i = Math.min(14, b.length - 1); i >= 0; i--) {
    b[i] = (b[i]! + 1) & 0xff;
    if (b[i] !== 0) break;
  }
  return b.toString('hex').toUpperCase();
}

/** Writes the state file durably (see util/atomicFile); any failure is CONFIG_INVALID naming the file. */
function writeStateFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, text);
  } catch (e) {
    throw new LpaError('CONFIG_INVALID', `cannot write virtual eUICC state ${path}`, { path }, { cause: e });
  }
}

// ---- validation of a loaded state file -------------------------------------------------------

function bad(path: string, what: string): LpaError {
  return new LpaError('CONFIG_INVALID', `virtual eUICC state ${path}: ${what}`, { path, field: what });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX_AID = /^(?:[0-9A-Fa-f]{2}){5,16}$/;
const ICCID = /^[0-9]{18,20}$/;

function str(o: Record<string, unknown>, k: string, path: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw bad(path, `${where}.${k} must be a string`);
  return v;
}

function validateProfile(p: unknown, path: string, where: string): StoredProfile {
  if (!isObj(p)) throw bad(path, `${where} must be an object`);
  const iccid = str(p, 'iccid', path, where);
  if (!ICCID.test(iccid)) throw bad(path, `${where}.iccid must be 18-20 digits`);
  const isdpAid = str(p, 'isdpAid', path, where).toUpperCase();
  if (!HEX_AID.test(isdpAid)) throw bad(path, `${where}.isdpAid must be 5-16 bytes of hex`);
  const state = p.state;
  if (state !== 'enabled' && state !== 'disabled') throw bad(path, `${where}.state must be enabled or disabled`);
  const profileClass = p.profileClass as ProfileClass;
  if (!PROFILE_CLASSES.includes(profileClass)) throw bad(path, `${where}.profileClass must be test, provisioning or operational`);
  const out: StoredProfile = {
    iccid,
    isdpAid,
    state,
    serviceProviderName: str(p, 'serviceProviderName', path, where),
    profileName: str(p, 'profileName', path, where),
    profileClass,
    notificationConfigurationInfo: {},
  };
  if (p.nickname !== undefined) out.nickname = str(p, 'nickname', path, where);
  if (p.profilePolicyRules !== undefined) {
    const rules = p.profilePolicyRules;
    if (!Array.isArray(rules) || !rules.every((r) => PPR_IDS.includes(r as PprId))) {
      throw bad(path, `${where}.profilePolicyRules must list PPR ids (${PPR_IDS.join(', ')})`);
    }
    out.profilePolicyRules = rules as PprId[];
  }
  if (p.iconType !== undefined || p.icon !== undefined) {
    if (p.iconType !== 'jpg' && p.iconType !== 'png') throw bad(path, `${where}.iconType must be jpg or png`);
    const icon = str(p, 'icon', path, where);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(icon) || icon.length > 1400) throw bad(path, `${where}.icon must be base64 of at most 1024 bytes`);
    out.iconType = p.iconType;
    out.icon = icon;
  }
  const nci = p.notificationConfigurationInfo ?? {};
  if (!isObj(nci)) throw bad(path, `${where}.notificationConfigurationInfo must be an object`);
  for (const [op, addr] of Object.entries(nci)) {
    if (!NOTIFICATION_OPERATIONS.includes(op as NotificationOperation) || typeof addr !== 'string') {
      throw bad(path, `${where}.notificationConfigurationInfo.${op} is not an operation -> address`);
    }
    out.notificationConfigurationInfo[op as NotificationOperation] = addr;
  }
  return out;
}

function validateNotification(n: unknown, path: string, where: string): StoredNotification {
  if (!isObj(n)) throw bad(path, `${where} must be an object`);
  const seqNumber = n.seqNumber;
  if (typeof seqNumber !== 'number' || !Number.isSafeInteger(seqNumber) || seqNumber < 0) {
    throw bad(path, `${where}.seqNumber must be a non-negative integer`);
  }
  const operation = n.operation as NotificationOperation;
  if (!NOTIFICATION_OPERATIONS.includes(operation)) throw bad(path, `${where}.operation must be install, enable, disable or delete`);
  const signedDer = str(n, 'signedDer', path, where);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(signedDer) || signedDer.length === 0) throw bad(path, `${where}.signedDer must be base64`);
  return { seqNumber, operation, address: str(n, 'address', path, where), iccid: str(n, 'iccid', path, where), signedDer };
}

/** Checks the shape of a parsed state file; throws CONFIG_INVALID naming the bad field. */
export function validateState(json: unknown, path = '<memory>'): EuiccState {
  if (!isObj(json)) throw bad(path, 'top level must be an object');
  if (json.version !== 1) throw bad(path, 'version must be 1');
  const eid = str(json, 'eid', path, 'state');
  if (!/^[0-9]{32}$/.test(eid)) throw bad(path, 'eid must be 32 digits');
  if (!Array.isArray(json.profiles)) throw bad(path, 'profiles must be an array');
  const profiles = json.profiles.map((p, i) => validateProfile(p, path, `profiles[${i}]`));
  if (profiles.filter((p) => p.state === 'enabled').length > 1) throw bad(path, 'more than one profile is enabled');
  if (new Set(profiles.map((p) => p.iccid)).size !== profiles.length) throw bad(path, 'two profiles share an ICCID');
  if (new Set(profiles.map((p) => p.isdpAid)).size !== profiles.length) throw bad(path, 'two profiles share an ISD-P AID');
  if (!Array.isArray(json.notifications)) throw bad(path, 'notifications must be an array');
  const notifications = json.notifications.map((n, i) => validateNotification(n, path, `notifications[${i}]`));
  const nextSeqNumber = json.nextSeqNumber;
  if (typeof nextSeqNumber !== 'number' || !Number.isSafeInteger(nextSeqNumber) || nextSeqNumber < 0) {
    throw bad(path, 'nextSeqNumber must be a non-negative integer');
  }
  const nextIsdpAid = str(json, 'nextIsdpAid', path, 'state').toUpperCase();
  if (!HEX_AID.test(nextIsdpAid)) throw bad(path, 'nextIsdpAid must be 5-16 bytes of hex');
  return {
    version: 1,
    eid,
    profiles,
    defaultDpAddress: str(json, 'defaultDpAddress', path, 'state'),
    rootDsAddress: str(json, 'rootDsAddress', path, 'state'),
    notifications,
    nextSeqNumber,
    nextIsdpAid,
  };
}
