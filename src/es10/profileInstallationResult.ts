/**
 * ProfileInstallationResult (BF37): the eUICC's signed answer at the end of a profile load, also
 * queued as a pending notification.
 * `BF37 { BF27 { 80 transactionId, BF2F metadata, [06 smdpOid], A2 { A0 success | A1 error } }, 5F37 sig }`
 */

import { decodeRoot, encInt, encOid, expectTag, find, need, opt, readInt, readOctets, readOid, rawPart, single, sized, tlv } from './der.js';
import { needSignature, TAG_SIGNATURE } from './common.js';
import { encodeNotificationMetadata, readNotificationMetadata, TAG_NOTIFICATION_METADATA, type NotificationMetadata } from './notificationMetadata.js';
import { BPP_COMMAND_ID, enumCode, enumName, INSTALL_ERROR_REASON } from './results.js';
import { asn1Error, parseTlv, readTlv, readTlvHeader, type Tlv } from '../util/tlv.js';

export const TAG_PROFILE_INSTALLATION_RESULT = 0xbf37;
export const TAG_PROFILE_INSTALLATION_RESULT_DATA = 0xbf27;

export type InstallFinalResult =
  | { success: true; aid: Uint8Array; simaResponse: Uint8Array }
  | {
      success: false;
      bppCommandId: keyof typeof BPP_COMMAND_ID | 'unknown';
      bppCommandIdCode?: number;
      errorReason: keyof typeof INSTALL_ERROR_REASON | 'unknown';
      errorReasonCode?: number;
      simaResponse?: Uint8Array;
    };

export interface ProfileInstallationResultData {
  transactionId: Uint8Array;
  notificationMetadata: NotificationMetadata;
  smdpOid?: string;
  finalResult: InstallFinalResult;
}

export interface ProfileInstallationResult extends ProfileInstallationResultData {
  /** The whole BF37 element as received. */
  raw: Uint8Array;
  /** The BF27 element (what euiccSignPIR signs), as received. */
  dataRaw: Uint8Array;
  /** The 5F37 signature element. */
  euiccSignPIR: Uint8Array;
}

/** Encodes ProfileInstallationResultData (BF27): the bytes the eUICC signs. */
export function encodeProfileInstallationResultData(d: ProfileInstallationResultData): Uint8Array {
  const r = d.finalResult;
  const final = r.success
    ? tlv(0xa0, tlv(0x4f, sized(r.aid, 'aid', 5, 16)), tlv(0x04, r.simaResponse))
    : tlv(
        0xa1,
        encInt(0x80, enumCode(BPP_COMMAND_ID, r.bppCommandId, r.bppCommandIdCode, 'bppCommandId')),
        encInt(0x81, enumCode(INSTALL_ERROR_REASON, r.errorReason, r.errorReasonCode, 'errorReason')),
        opt(r.simaResponse, (s) => tlv(0x82, s)),
      );
  return tlv(
    TAG_PROFILE_INSTALLATION_RESULT_DATA,
    tlv(0x80, sized(d.transactionId, 'transactionId', 1, 16)),
    encodeNotificationMetadata(d.notificationMetadata),
    opt(d.smdpOid, (o) => encOid(0x06, o)),
    tlv(0xa2, final),
  );
}

/** Wraps signed data (BF27, raw) and its signature (5F37, raw) into BF37. */
export function encodeProfileInstallationResult(dataDer: Uint8Array, euiccSignPIR: Uint8Array): Uint8Array {
  return tlv(
    TAG_PROFILE_INSTALLATION_RESULT,
    rawPart(dataDer, TAG_PROFILE_INSTALLATION_RESULT_DATA, 'profileInstallationResultData'),
    rawPart(euiccSignPIR, TAG_SIGNATURE, 'euiccSignPIR'),
  );
}

function readFinal(t: Tlv, w: string): InstallFinalResult {
  const alt = single(t, w);
  if (alt.tag === 0xa0) {
    return {
      success: true,
      aid: readOctets(need(alt, 0x4f, `${w}.aid`), `${w}.aid`, 5, 16),
      simaResponse: readOctets(need(alt, 0x04, `${w}.simaResponse`), `${w}.simaResponse`),
    };
  }
  if (alt.tag !== 0xa1) throw asn1Error(w, `unexpected alternative tag ${alt.tag.toString(16).toUpperCase()}`, alt.offset);
  const cmd = readInt(need(alt, 0x80, `${w}.bppCommandId`), `${w}.bppCommandId`);
  const reason = readInt(need(alt, 0x81, `${w}.errorReason`), `${w}.errorReason`);
  const out: InstallFinalResult = {
    success: false,
    bppCommandId: enumName(BPP_COMMAND_ID, cmd),
    bppCommandIdCode: cmd,
    errorReason: enumName(INSTALL_ERROR_REASON, reason),
    errorReasonCode: reason,
  };
  const sima = find(alt, 0x82);
  if (sima) out.simaResponse = readOctets(sima, `${w}.simaResponse`);
  return out;
}

/** Reads a walked BF37 element. */
export function readProfileInstallationResult(t: Tlv): ProfileInstallationResult {
  const w = 'ProfileInstallationResult';
  expectTag(t, TAG_PROFILE_INSTALLATION_RESULT, w);
  const data = need(t, TAG_PROFILE_INSTALLATION_RESULT_DATA, `${w}.profileInstallationResultData`);
  const dw = `${w}.profileInstallationResultData`;
  const out: ProfileInstallationResult = {
    transactionId: readOctets(need(data, 0x80, `${dw}.transactionId`), `${dw}.transactionId`, 1, 16),
    notificationMetadata: readNotificationMetadata(need(data, TAG_NOTIFICATION_METADATA, `${dw}.notificationMetadata`), `${dw}.notificationMetadata`),
    finalResult: readFinal(need(data, 0xa2, `${dw}.finalResult`), `${dw}.finalResult`),
    raw: t.raw.slice(),
    dataRaw: data.raw.slice(),
    euiccSignPIR: needSignature(t, `${w}.euiccSignPIR`),
  };
  const oid = find(data, 0x06);
  if (oid) out.smdpOid = readOid(oid, `${dw}.smdpOid`);
  return out;
}

export function decodeProfileInstallationResult(der: Uint8Array): ProfileInstallationResult {
  return readProfileInstallationResult(decodeRoot(der, TAG_PROFILE_INSTALLATION_RESULT, 'ProfileInstallationResult'));
}

/** What could be read of an answer that ends a profile load: everything, or as much as decodes. */
export interface InstallResultReading {
  /** The strict decode, when the whole BF37 decodes. */
  result?: ProfileInstallationResult;
  transactionId?: Uint8Array;
  notificationMetadata?: NotificationMetadata;
  finalResult?: InstallFinalResult;
  /** Why the answer did not decode strictly. */
  problem?: string;
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/**
 * Reads the card's answer to the last block of a profile load, tolerating a malformed one (real
 * cards and bridges have sent truncated or mangled results): the strict decode when it works, else
 * whatever of BF27 (transaction id, metadata, final result) still decodes. Never throws.
 */
export function readInstallResult(raw: Uint8Array): InstallResultReading {
  let problem: string;
  try {
    const r = decodeProfileInstallationResult(raw);
    return { result: r, transactionId: r.transactionId, notificationMetadata: r.notificationMetadata, finalResult: r.finalResult };
  } catch (e) {
    problem = (e as Error).message;
  }
  const out: InstallResultReading = { problem };
  const w = 'ProfileInstallationResult';
  const data = attempt(() => {
    const h = readTlvHeader(raw, 0, raw.length, w);
    if (h.tag !== TAG_PROFILE_INSTALLATION_RESULT) return undefined;
    const t = readTlv(raw, h.headerLength, raw.length, w);
    return t.tag === TAG_PROFILE_INSTALLATION_RESULT_DATA ? parseTlv(t.raw, w) : undefined;
  });
  if (!data) return out;
  const dw = `${w}.profileInstallationResultData`;
  const tx = attempt(() => readOctets(need(data, 0x80, `${dw}.transactionId`), `${dw}.transactionId`, 1, 16));
  const md = attempt(() => readNotificationMetadata(need(data, TAG_NOTIFICATION_METADATA, `${dw}.notificationMetadata`), `${dw}.notificationMetadata`));
  const fin = attempt(() => readFinal(need(data, 0xa2, `${dw}.finalResult`), `${dw}.finalResult`));
  if (tx) out.transactionId = tx;
  if (md) out.notificationMetadata = md;
  if (fin) out.finalResult = fin;
  return out;
}
