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
  /** The one operation this notification reports (`bitN` for an unnamed bit; 'unknown' when none is set). */
  profileManagementOperation: NotificationEvent | `bit${number}` | 'unknown';
  /** FQDN of the SM-DP+ (or other server) to send it to. */
  notificationAddress: string;
  iccid?: string;
  /** Set by the tolerant reader: what is wrong with this entry (the rest of it was read). */
  problem?: string;
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


/**
 * Tolerant NotificationMetadata reader for lists from real cards: only the sequence number must
 * decode (it names the notification); anything else wrong (no or several operation bits, an
 * undecodable address or ICCID) is kept in `problem` with what could be read.
 */
export function readNotificationMetadataTolerant(t: Tlv, w = 'NotificationMetadata'): NotificationMetadata {
  try {
    return readNotificationMetadata(t, w);
  } catch (e) {
    const first = (e as Error).message;
    expectTag(t, TAG_NOTIFICATION_METADATA, w);
    const out: NotificationMetadata = {
      seqNumber: readInt(need(t, 0x80, `${w}.seqNumber`), `${w}.seqNumber`),
      profileManagementOperation: 'unknown',
      notificationAddress: '',
      problem: first,
    };
    try {
      const ops = readNamedBits(need(t, 0x81, `${w}.profileManagementOperation`), NOTIFICATION_EVENT_BITS, `${w}.profileManagementOperation`);
      if (ops.length > 0) out.profileManagementOperation = ops[0]!;
      if (ops.length !== 1) out.problem = `${ops.length} operation bits set (${ops.join(', ') || 'none'}), expected exactly 1`;
    } catch {
      // stays unknown
    }
    try {
      out.notificationAddress = readUtf8(need(t, 0x0c, `${w}.notificationAddress`), `${w}.notificationAddress`, 255);
    } catch {
      // stays empty: such a notification cannot be sent
    }
    const iccid = find(t, TAG_ICCID);
    if (iccid) {
      try {
        out.iccid = readIccid(iccid, `${w}.iccid`);
      } catch {
        // left out
      }
    }
    return out;
  }
}
