/**
 * ES10b RetrieveNotificationsList:
 * `BF2B { [A0 { 80 seqNumber | 81 operations(bits) }] }` ->
 * `BF2B { A0 { (BF37 ProfileInstallationResult | 30 OtherSignedNotification)... } | 81 error }`.
 * Each pending notification keeps its raw DER: it goes to the SM-DP+ exactly as the eUICC signed it.
 */

import { decodeRoot, encInt, encNamedBits, expectTag, find, need, readInt, readNamedBits, rawPart, single, tlv } from './der.js';
import { encErrorAnswer, needSignature, readErrorAnswer, TAG_SIGNATURE, type ErrorAnswer } from './common.js';
import { readNotificationMetadata, readNotificationMetadataTolerant, TAG_NOTIFICATION_METADATA, type NotificationMetadata } from './notificationMetadata.js';
import { readProfileInstallationResult, TAG_PROFILE_INSTALLATION_RESULT, type ProfileInstallationResult } from './profileInstallationResult.js';
import { NOTIFICATION_EVENT_BITS, RETRIEVE_NOTIFICATIONS_ERROR, type NotificationEvent } from './results.js';
import { asn1Error, parseTlv, type Tlv } from '../util/tlv.js';

export const TAG_RETRIEVE_NOTIFICATIONS_LIST = 0xbf2b;

export interface RetrieveNotificationsListRequest {
  searchCriteria?: { seqNumber: number } | { profileManagementOperation: (NotificationEvent | `bit${number}`)[] };
}

export interface OtherSignedNotificationParts {
  /** BF2F element (what the signature covers), raw. */
  tbsOtherNotification: Uint8Array;
  /** 5F37 element, raw. */
  euiccNotificationSignature: Uint8Array;
  /** Certificates, raw DER. */
  euiccCertificate: Uint8Array;
  eumCertificate: Uint8Array;
}

export type PendingNotification =
  | { kind: 'profileInstallationResult'; raw: Uint8Array; metadata: NotificationMetadata; installation: ProfileInstallationResult }
  | ({ kind: 'otherSignedNotification'; raw: Uint8Array; metadata: NotificationMetadata } & OtherSignedNotificationParts)
  /** One the card sent that does not decode: its metadata when that much reads (tolerant decoding only). */
  | { kind: 'malformed'; raw: Uint8Array; metadata?: NotificationMetadata; problem: string };

/** A pending notification that decoded strictly. */
export type DecodedNotification = Exclude<PendingNotification, { kind: 'malformed' }>;

export type RetrieveNotificationsListResponse =
  | { ok: true; notifications: PendingNotification[] }
  | ErrorAnswer<keyof typeof RETRIEVE_NOTIFICATIONS_ERROR>;

export function encodeRetrieveNotificationsListRequest(req: RetrieveNotificationsListRequest = {}): Uint8Array {
  const c = req.searchCriteria;
  if (c === undefined) return tlv(TAG_RETRIEVE_NOTIFICATIONS_LIST, new Uint8Array(0));
  const inner = 'seqNumber' in c ? encInt(0x80, c.seqNumber) : encNamedBits(0x81, c.profileManagementOperation, NOTIFICATION_EVENT_BITS);
  return tlv(TAG_RETRIEVE_NOTIFICATIONS_LIST, tlv(0xa0, inner));
}

export function decodeRetrieveNotificationsListRequest(der: Uint8Array): RetrieveNotificationsListRequest {
  const w = 'RetrieveNotificationsListRequest';
  const sc = find(decodeRoot(der, TAG_RETRIEVE_NOTIFICATIONS_LIST, w), 0xa0);
  if (!sc) return {};
  const alt = single(sc, `${w}.searchCriteria`);
  if (alt.tag === 0x80) return { searchCriteria: { seqNumber: readInt(alt, `${w}.seqNumber`) } };
  if (alt.tag === 0x81) {
    return { searchCriteria: { profileManagementOperation: readNamedBits(alt, NOTIFICATION_EVENT_BITS, `${w}.profileManagementOperation`) } };
  }
  throw asn1Error(`${w}.searchCriteria`, `unexpected alternative tag ${alt.tag.toString(16).toUpperCase()}`, alt.offset);
}

/** OtherSignedNotification (30) from its raw parts. */
export function encodeOtherSignedNotification(p: OtherSignedNotificationParts): Uint8Array {
  return tlv(
    0x30,
    rawPart(p.tbsOtherNotification, TAG_NOTIFICATION_METADATA, 'tbsOtherNotification'),
    rawPart(p.euiccNotificationSignature, TAG_SIGNATURE, 'euiccNotificationSignature'),
    rawPart(p.euiccCertificate, 0x30, 'euiccCertificate'),
    rawPart(p.eumCertificate, 0x30, 'eumCertificate'),
  );
}

/** Reads one walked PendingNotification (BF37 or 30). */
export function readPendingNotification(t: Tlv): DecodedNotification {
  if (t.tag === TAG_PROFILE_INSTALLATION_RESULT) {
    const installation = readProfileInstallationResult(t);
    return { kind: 'profileInstallationResult', raw: t.raw.slice(), metadata: installation.notificationMetadata, installation };
  }
  const w = 'OtherSignedNotification';
  expectTag(t, 0x30, w);
  const tbs = need(t, TAG_NOTIFICATION_METADATA, `${w}.tbsOtherNotification`);
  const certs = t.children.filter((c) => c.tag === 0x30);
  if (certs.length !== 2) throw asn1Error(w, `expected 2 certificates, found ${certs.length}`, t.offset);
  return {
    kind: 'otherSignedNotification',
    raw: t.raw.slice(),
    metadata: readNotificationMetadata(tbs, `${w}.tbsOtherNotification`),
    tbsOtherNotification: tbs.raw.slice(),
    euiccNotificationSignature: needSignature(t, `${w}.euiccNotificationSignature`),
    euiccCertificate: certs[0]!.raw.slice(),
    eumCertificate: certs[1]!.raw.slice(),
  };
}

/** Decodes one pending notification from its raw DER. */
export function decodePendingNotification(der: Uint8Array): DecodedNotification {
  return readPendingNotification(parseTlv(der, 'PendingNotification'));
}

export function encodeRetrieveNotificationsListResponse(resp: RetrieveNotificationsListResponse): Uint8Array {
  if (!resp.ok) {
    return tlv(TAG_RETRIEVE_NOTIFICATIONS_LIST, encErrorAnswer(0x81, RETRIEVE_NOTIFICATIONS_ERROR, resp, 'RetrieveNotificationsListResponse'));
  }
  // pending notifications are signed: copied as they are
  return tlv(TAG_RETRIEVE_NOTIFICATIONS_LIST, tlv(0xa0, ...resp.notifications.map((n) => n.raw)));
}

export function decodeRetrieveNotificationsListResponse(der: Uint8Array): RetrieveNotificationsListResponse {
  const w = 'RetrieveNotificationsListResponse';
  const choice = single(decodeRoot(der, TAG_RETRIEVE_NOTIFICATIONS_LIST, w), w);
  if (choice.tag === 0x81) return readErrorAnswer(choice, RETRIEVE_NOTIFICATIONS_ERROR, `${w}.notificationsListResultError`);
  if (choice.tag !== 0xa0) throw asn1Error(w, `unexpected alternative tag ${choice.tag.toString(16).toUpperCase()}`, choice.offset);
  if (!choice.constructed) throw asn1Error(w, 'notificationList must be constructed', choice.offset);
  return { ok: true, notifications: choice.children.map(readPendingNotificationTolerant) };
}

/** The metadata element of a pending notification, wherever it sits (30 > BF2F, BF37 > BF27 > BF2F). */
function metadataElement(t: Tlv): Tlv | undefined {
  const holder = t.tag === TAG_PROFILE_INSTALLATION_RESULT ? find(t, 0xbf27) : t;
  return holder?.constructed ? find(holder, TAG_NOTIFICATION_METADATA) : undefined;
}

/**
 * One pending notification from a card's list: strictly decoded, or - when that fails - kept as
 * 'malformed' with its raw bytes and whatever of its metadata still reads. Never throws.
 */
export function readPendingNotificationTolerant(t: Tlv): PendingNotification {
  try {
    return readPendingNotification(t);
  } catch (e) {
    const out: PendingNotification = { kind: 'malformed', raw: t.raw.slice(), problem: (e as Error).message };
    try {
      const md = t.constructed ? metadataElement(t) : undefined;
      if (md) out.metadata = readNotificationMetadataTolerant(md, 'PendingNotification.notificationMetadata');
    } catch {
      // nothing readable
    }
    return out;
  }
}
