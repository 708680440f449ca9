/**
 * NotificationMetadata (BF2F), shared by ListNotification, RetrieveNotificationsList and
 * ProfileInstallationResult: `BF2F { 80 seqNumber, 81 operation(bits), 0C address, [5A iccid] }`.
 */

import { LpaError } from '../errors.js';
import { decodeRoot, encInt, encNamedBits, encUtf8, expectTag, find, need, opt, readInt, readNamedBits, readUtf8, tlv } from './der.js';
import { encIccid, readIccid, TAG_ICCID } from './common.js';
import { NOTIFICATION_EVENT_BITS, type NotificationEvent } from './results.js';
import type { Tlv } from '../util/tlv.js';

export const TAG_NOTIFICATION_METADATA = 0xbf2f;

export interface NotificationMetadata {
  seqNumber: number;
  /** The one operation this notification reports (`bitN` for an unnamed bit). */
  profileManagementOperation: NotificationEvent | `bit${number}`;
  /** FQDN of the SM-DP+ (or other server) to send it to. */
  notificationAddress: string;
  iccid?: string;
}

export function encodeNotificationMetadata(md: NotificationMetadata): Uint8Array {
  return tlv(
    TAG_NOTIFICATION_METADATA,
    encInt(0x80, md.seqNumber),
    encNamedBits(0x81, [md.profileManagementOperation], NOTIFICATION_EVENT_BITS),
    encUtf8(0x0c, md.notificationAddress),
    opt(md.iccid, (i) => encIccid(i)),
  );
}

export function readNotificationMetadata(t: Tlv, w = 'NotificationMetadata'): NotificationMetadata {
  expectTag(t, TAG_NOTIFICATION_METADATA, w);
  const opT = need(t, 0x81, `${w}.profileManagementOperation`);
  const ops = readNamedBits(opT, NOTIFICATION_EVENT_BITS, `${w}.profileManagementOperation`);
  if (ops.length !== 1) {
    throw new LpaError('ASN1_DECODE', `cannot decode ${w}.profileManagementOperation: ${ops.length} bits set, expected exactly 1`, {
      what: `${w}.profileManagementOperation`,
      offset: opT.offset,
    });
  }
  const out: NotificationMetadata = {
    seqNumber: readInt(need(t, 0x80, `${w}.seqNumber`), `${w}.seqNumber`),
    profileManagementOperation: ops[0]!,
    notificationAddress: readUtf8(need(t, 0x0c, `${w}.notificationAddress`), `${w}.notificationAddress`, 255),
  };
  const iccid = find(t, TAG_ICCID);
  if (iccid) out.iccid = readIccid(iccid, `${w}.iccid`);
  return out;
}

export function decodeNotificationMetadata(der: Uint8Array): NotificationMetadata {
  return readNotificationMetadata(decodeRoot(der, TAG_NOTIFICATION_METADATA, 'NotificationMetadata'));
}

