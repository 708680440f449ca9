/**
 * ES10b AuthenticateServer:
 * `BF38 { 30 serverSigned1, 5F37 serverSignature1, 04 euiccCiPKIdToBeUsed, 30 serverCertificate,
 *   A0 ctxParams1 { [80 matchingId], A1 deviceInfo { 80 tac, A1 capabilities, [82 imei] } } }` ->
 * `BF38 { A0 { 30 euiccSigned1, 5F37 euiccSignature1, 30 euiccCertificate, 30 eumCertificate }
 *       | A1 { 80 transactionId, 02 authenticateErrorCode } }`.
 * The first four request items are the ES9+ initiateAuthentication bytes, copied verbatim.
 */

import { decodeRoot, encInt, encUtf8, encVersion, find, need, opt, rawPart, readOctets, readUtf8, readVersion, sized, tlv } from './der.js';
import { readErrorAnswer, needSignature, TAG_SIGNATURE, type ErrorAnswer } from './common.js';
import { readEuiccInfo2, TAG_EUICC_INFO2 } from './euiccInfo2.js';
import { AUTHENTICATE_ERROR_CODE, enumCode } from './results.js';
import { asn1Error, parseTlv, type Tlv } from '../util/tlv.js';

export const TAG_AUTHENTICATE_SERVER = 0xbf38;

/**
 * DeviceCapabilities (SGP.22 v2.2): the highest release the device fully supports per radio and RSP
 * feature, each "x.y.z"; all optional ("the device SHALL set all the capabilities it supports").
 * Tags 80.. in this order; v2.2 added the 5G fields (NR with an EPC or a 5G core, E-UTRA with a 5G
 * core) at tags 88..8A, where v2.0 had the unused rspRpmSupportedVersion.
 */
export interface DeviceCapabilities {
  gsmSupportedRelease?: string;
  utranSupportedRelease?: string;
  cdma2000onexSupportedRelease?: string;
  cdma2000hrpdSupportedRelease?: string;
  cdma2000ehrpdSupportedRelease?: string;
  eutranEpcSupportedRelease?: string;
  contactlessSupportedRelease?: string;
  rspCrlSupportedVersion?: string;
  nrEpcSupportedRelease?: string;
  nr5gcSupportedRelease?: string;
  eutran5gcSupportedRelease?: string;
}

export const CAPABILITY_FIELDS: readonly (keyof DeviceCapabilities)[] = [
  'gsmSupportedRelease', 'utranSupportedRelease', 'cdma2000onexSupportedRelease', 'cdma2000hrpdSupportedRelease',
  'cdma2000ehrpdSupportedRelease', 'eutranEpcSupportedRelease', 'contactlessSupportedRelease', 'rspCrlSupportedVersion',
  'nrEpcSupportedRelease', 'nr5gcSupportedRelease', 'eutran5gcSupportedRelease',
];

export interface DeviceInfo {
  /** Type Allocation Code: the first 8 IMEI digits as 4 BCD bytes (as real LPAs send). */
  tac: Uint8Array;
  deviceCapabilities: DeviceCapabilities;
  /** IMEI as 8 bytes (BCD), optional. */
  imei?: Uint8Array;
}

export interface CtxParams1 {
  /** Activation-code token / event id; absent or empty for the default SM-DP+ address. */
  matchingId?: string;
  deviceInfo: DeviceInfo;
}

export interface AuthenticateServerRequest {
  /** The four ES9+ items, complete DER elements copied verbatim. */
  serverSigned1: Uint8Array;
  serverSignature1: Uint8Array;
  euiccCiPKIdToBeUsed: Uint8Array;
  serverCertificate: Uint8Array;
  ctxParams1: CtxParams1;
}

/** What the eUICC decodes: the request plus the exact ctxParams1 bytes (to copy into euiccSigned1). */
export interface DecodedAuthenticateServerRequest extends AuthenticateServerRequest {
  ctxParams1Raw: Uint8Array;
}

export interface ServerSigned1 {
  transactionId: Uint8Array;
  euiccChallenge: Uint8Array;
  serverAddress: string;
  serverChallenge: Uint8Array;
}

export interface EuiccSigned1 {
  transactionId: Uint8Array;
  serverAddress: string;
  serverChallenge: Uint8Array;
  /** BF22 element, raw. */
  euiccInfo2: Uint8Array;
  /** A0 ctxParams1 element, raw (copied from the request). */
  ctxParams1: Uint8Array;
}

export interface AuthenticateServerOk {
  ok: true;
  /** Complete DER elements: euiccSigned1 (30), euiccSignature1 (5F37), certificates (30). */
  euiccSigned1: Uint8Array;
  euiccSignature1: Uint8Array;
  euiccCertificate: Uint8Array;
  eumCertificate: Uint8Array;
}

export type AuthenticateServerError = ErrorAnswer<keyof typeof AUTHENTICATE_ERROR_CODE> & { transactionId: Uint8Array };
export type AuthenticateServerResponse = AuthenticateServerOk | AuthenticateServerError;

// ---- ctxParams1

export function encodeCtxParams1(c: CtxParams1): Uint8Array {
  const caps = c.deviceInfo.deviceCapabilities;
  return tlv(
    0xa0,
    opt(c.matchingId, (m) => encUtf8(0x80, m)),
    tlv(
      0xa1,
      tlv(0x80, sized(c.deviceInfo.tac, 'tac', 4, 8)),
      tlv(0xa1, ...CAPABILITY_FIELDS.map((f, i) => opt(caps[f], (v) => encVersion(0x80 + i, v)))),
      opt(c.deviceInfo.imei, (m) => tlv(0x82, sized(m, 'imei', 8))),
    ),
  );
}

export function readCtxParams1(t: Tlv, w = 'ctxParams1'): CtxParams1 {
  if (t.tag !== 0xa0) throw asn1Error(w, `expected ctxParamsForCommonAuthentication (A0), found ${t.tag.toString(16).toUpperCase()}`, t.offset);
  const di = need(t, 0xa1, `${w}.deviceInfo`);
  const capsT = need(di, 0xa1, `${w}.deviceInfo.deviceCapabilities`);
  const caps: DeviceCapabilities = {};
  CAPABILITY_FIELDS.forEach((f, i) => {
    const v = find(capsT, 0x80 + i);
    if (v) caps[f] = readVersion(v, `${w}.deviceCapabilities.${f}`);
  });
  const out: CtxParams1 = {
    deviceInfo: { tac: readOctets(need(di, 0x80, `${w}.deviceInfo.tac`), `${w}.deviceInfo.tac`, 4, 8), deviceCapabilities: caps },
  };
  const imei = find(di, 0x82);
  if (imei) out.deviceInfo.imei = readOctets(imei, `${w}.deviceInfo.imei`, 8, 8);
  const mid = find(t, 0x80);
  if (mid) out.matchingId = readUtf8(mid, `${w}.matchingId`, 255);
  return out;
}

export function decodeCtxParams1(der: Uint8Array): CtxParams1 {
  return readCtxParams1(parseTlv(der, 'ctxParams1'));
}

// ---- signed parts

export function encodeServerSigned1(s: ServerSigned1): Uint8Array {
  return tlv(
    0x30,
    tlv(0x80, sized(s.transactionId, 'transactionId', 1, 16)),
    tlv(0x81, sized(s.euiccChallenge, 'euiccChallenge', 16)),
    encUtf8(0x83, s.serverAddress),
    tlv(0x84, sized(s.serverChallenge, 'serverChallenge', 16)),
  );
}

export function decodeServerSigned1(der: Uint8Array): ServerSigned1 {
  const w = 'serverSigned1';
  const t = decodeRoot(der, 0x30, w);
  return {
    transactionId: readOctets(need(t, 0x80, `${w}.transactionId`), `${w}.transactionId`, 1, 16),
    euiccChallenge: readOctets(need(t, 0x81, `${w}.euiccChallenge`), `${w}.euiccChallenge`, 16, 16),
    serverAddress: readUtf8(need(t, 0x83, `${w}.serverAddress`), `${w}.serverAddress`, 255),
    serverChallenge: readOctets(need(t, 0x84, `${w}.serverChallenge`), `${w}.serverChallenge`, 16, 16),
  };
}

export function encodeEuiccSigned1(s: EuiccSigned1): Uint8Array {
  return tlv(
    0x30,
    tlv(0x80, sized(s.transactionId, 'transactionId', 1, 16)),
    encUtf8(0x83, s.serverAddress),
    tlv(0x84, sized(s.serverChallenge, 'serverChallenge', 16)),
    rawPart(s.euiccInfo2, TAG_EUICC_INFO2, 'euiccInfo2'),
    rawPart(s.ctxParams1, 0xa0, 'ctxParams1'),
  );
}

export function decodeEuiccSigned1(der: Uint8Array): EuiccSigned1 {
  const w = 'euiccSigned1';
  const t = decodeRoot(der, 0x30, w);
  const info2 = need(t, TAG_EUICC_INFO2, `${w}.euiccInfo2`);
  readEuiccInfo2(info2);
  const ctx = need(t, 0xa0, `${w}.ctxParams1`);
  readCtxParams1(ctx, `${w}.ctxParams1`);
  return {
    transactionId: readOctets(need(t, 0x80, `${w}.transactionId`), `${w}.transactionId`, 1, 16),
    serverAddress: readUtf8(need(t, 0x83, `${w}.serverAddress`), `${w}.serverAddress`, 255),
    serverChallenge: readOctets(need(t, 0x84, `${w}.serverChallenge`), `${w}.serverChallenge`, 16, 16),
    euiccInfo2: info2.raw.slice(),
    ctxParams1: ctx.raw.slice(),
  };
}

// ---- request

export function encodeAuthenticateServerRequest(r: AuthenticateServerRequest): Uint8Array {
  return tlv(
    TAG_AUTHENTICATE_SERVER,
    rawPart(r.serverSigned1, 0x30, 'serverSigned1'),
    rawPart(r.serverSignature1, TAG_SIGNATURE, 'serverSignature1'),
    rawPart(r.euiccCiPKIdToBeUsed, 0x04, 'euiccCiPKIdToBeUsed'),
    rawPart(r.serverCertificate, 0x30, 'serverCertificate'),
    encodeCtxParams1(r.ctxParams1),
  );
}

export function decodeAuthenticateServerRequest(der: Uint8Array): DecodedAuthenticateServerRequest {
  const w = 'AuthenticateServerRequest';
  const root = decodeRoot(der, TAG_AUTHENTICATE_SERVER, w);
  const seqs = root.children.filter((c) => c.tag === 0x30);
  if (seqs.length !== 2) throw asn1Error(w, `expected serverSigned1 and serverCertificate, found ${seqs.length} SEQUENCEs`, root.offset);
  const ski = need(root, 0x04, `${w}.euiccCiPKIdToBeUsed`);
  readOctets(ski, `${w}.euiccCiPKIdToBeUsed`, 1, 64);
  const ctx = need(root, 0xa0, `${w}.ctxParams1`);
  return {
    serverSigned1: seqs[0]!.raw.slice(),
    serverSignature1: needSignature(root, `${w}.serverSignature1`),
    euiccCiPKIdToBeUsed: ski.raw.slice(),
    serverCertificate: seqs[1]!.raw.slice(),
    ctxParams1: readCtxParams1(ctx, `${w}.ctxParams1`),
    ctxParams1Raw: ctx.raw.slice(),
  };
}

// ---- response

export function encodeAuthenticateServerResponse(r: AuthenticateServerResponse): Uint8Array {
  if (!r.ok) {
    return tlv(
      TAG_AUTHENTICATE_SERVER,
      tlv(
        0xa1,
        tlv(0x80, sized(r.transactionId, 'transactionId', 1, 16)),
        encInt(0x02, enumCode(AUTHENTICATE_ERROR_CODE, r.error, r.errorCode, 'authenticateErrorCode')),
      ),
    );
  }
  return tlv(
    TAG_AUTHENTICATE_SERVER,
    tlv(
      0xa0,
      rawPart(r.euiccSigned1, 0x30, 'euiccSigned1'),
      rawPart(r.euiccSignature1, TAG_SIGNATURE, 'euiccSignature1'),
      rawPart(r.euiccCertificate, 0x30, 'euiccCertificate'),
      rawPart(r.eumCertificate, 0x30, 'eumCertificate'),
    ),
  );
}

export function decodeAuthenticateServerResponse(der: Uint8Array): AuthenticateServerResponse {
  const w = 'AuthenticateServerResponse';
  const root = decodeRoot(der, TAG_AUTHENTICATE_SERVER, w);
  const alt = root.children[0];
  if (root.children.length !== 1 || alt === undefined) throw asn1Error(w, 'expected one alternative', root.offset);
  if (alt.tag === 0xa1) {
    const ew = `${w}.authenticateResponseError`;
    const err = readErrorAnswer(need(alt, 0x02, `${ew}.authenticateErrorCode`), AUTHENTICATE_ERROR_CODE, `${ew}.authenticateErrorCode`);
    return { ...err, transactionId: readOctets(need(alt, 0x80, `${ew}.transactionId`), `${ew}.transactionId`, 1, 16) };
  }
  if (alt.tag !== 0xa0) throw asn1Error(w, `unexpected alternative tag ${alt.tag.toString(16).toUpperCase()}`, alt.offset);
  const ow = `${w}.authenticateResponseOk`;
  const seqs = alt.children.filter((c) => c.tag === 0x30);
  if (seqs.length !== 3) throw asn1Error(ow, `expected euiccSigned1 and two certificates, found ${seqs.length} SEQUENCEs`, alt.offset);
  const out: AuthenticateServerOk = {
    ok: true,
    euiccSigned1: seqs[0]!.raw.slice(),
    euiccSignature1: needSignature(alt, `${ow}.euiccSignature1`),
    euiccCertificate: seqs[1]!.raw.slice(),
    eumCertificate: seqs[2]!.raw.slice(),
  };
  // euiccSigned1 is forwarded to the SM-DP+ as is; decodeEuiccSigned1 reads it when needed
  return out;
}
