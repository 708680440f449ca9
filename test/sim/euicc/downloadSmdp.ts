/**
 * The SM-DP+ side of a download, played inside the tests against the virtual eUICC with the
 * SGP.26 DPauth/DPpb keys and src/crypto + src/es10 (no HTTP): builds serverSigned1,
 * smdpSigned2 and a real BPP bound to the eUICC's one-time key, and drives the card with raw
 * STORE DATA APDUs through helpers.ts.
 */

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { BspSession } from '../../../src/crypto/bsp.js';
import { parseCertificate, type RspCertificate } from '../../../src/crypto/certs.js';
import { ecdsaSign, ecdsaVerify, importPrivateKey } from '../../../src/crypto/ecdsa.js';
import { deriveSessionKeys } from '../../../src/crypto/kdf.js';
import { OneTimeKeyPair } from '../../../src/crypto/otpk.js';
import {
  decodeAuthenticateServerResponse,
  encodeAuthenticateServerRequest,
  encodeServerSigned1,
  type AuthenticateServerResponse,
} from '../../../src/es10/authenticateServer.js';
import { bppSequences, buildBoundProfilePackage, encodeInitialiseSecureChannel, type ReplaceSessionKeys } from '../../../src/es10/bpp.js';
import { encIccid, encodeSignature, signatureValue } from '../../../src/es10/common.js';
import { encInt, encNamedBits, encOid, encUtf8, tlv } from '../../../src/es10/der.js';
import { decodeEuiccChallengeResponse, encodeEuiccChallengeRequest } from '../../../src/es10/euiccChallenge.js';
import {
  decodeEuiccSigned2,
  decodePrepareDownloadResponse,
  encodePrepareDownloadRequest,
  encodeSmdpSigned2,
  type PrepareDownloadResponse,
} from '../../../src/es10/prepareDownload.js';
import { NOTIFICATION_EVENT_BITS, PROFILE_CLASS } from '../../../src/es10/results.js';
import type { VirtualEuicc } from '../../../src/sim/euicc/index.js';
import { dataPath } from '../../../src/util/data.js';
import { concatBytes } from '../../../src/util/hex.js';
import { es10, storeData, type Answer } from './helpers.js';

export const SMDP_ADDRESS = 'testsmdpplus1.example.com';
export const SMDP_OID = '2.999.10';
export const TS48_PROFILE = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
/** ICCID in that profile's ProfileHeader. */
export const TS48_ICCID = '8949449999999990049';

const pki = (...p: string[]): Buffer => readFileSync(dataPath('pki', 'sgp26', ...p));

export interface Credential {
  der: Uint8Array;
  cert: RspCertificate;
  key: ReturnType<typeof importPrivateKey>;
}

function credential(dir: string, name: string): Credential {
  const der = new Uint8Array(pki(dir, `CERT_S_SM_${name}_ECDSA_NIST.der`));
  return { der, cert: parseCertificate(der), key: importPrivateKey(pki(dir, `SK_S_SM_${name}_ECDSA_NIST.pem`).toString('utf8')) };
}

export const DP_AUTH = credential('dpauth', 'DPauth');
export const DP_PB = credential('dppb', 'DPpb');
export const CI_PKID = parseCertificate(new Uint8Array(pki('ci', 'CERT_CI_ECDSA_NIST.der'))).subjectKeyIdentifier!;
export const BRP_CI_PKID = parseCertificate(new Uint8Array(pki('ci', 'CERT_CI_ECDSA_BRP.der'))).subjectKeyIdentifier!;

export const upp = (name: string): Uint8Array => new Uint8Array(readFileSync(dataPath('upp', `${name}.der`)));

export const CTX_PARAMS = { matchingId: 'TS48V2-SAIP2-1-BERTLV-UNIQUE', deviceInfo: { tac: Uint8Array.of(0x35, 0x29, 0x06, 0x11), deviceCapabilities: { eutranEpcSupportedRelease: '13.1.0' } } };

export function challenge(card: VirtualEuicc, ch: number): Uint8Array {
  return decodeEuiccChallengeResponse(es10(card, encodeEuiccChallengeRequest(), ch)).euiccChallenge;
}

export interface AuthOptions {
  transactionId?: Uint8Array;
  euiccChallenge?: Uint8Array;
  serverAddress?: string;
  signer?: Credential;
  serverCertificate?: Uint8Array;
  ciPkId?: Uint8Array;
}

/** initiateAuthentication's answer turned into an AuthenticateServer request, sent to the card. */
export function authenticate(card: VirtualEuicc, ch: number, euiccChallenge: Uint8Array, o: AuthOptions = {}) {
  const transactionId = o.transactionId ?? new Uint8Array(randomBytes(16));
  const serverSigned1 = encodeServerSigned1({
    transactionId,
    euiccChallenge: o.euiccChallenge ?? euiccChallenge,
    serverAddress: o.serverAddress ?? SMDP_ADDRESS,
    serverChallenge: new Uint8Array(randomBytes(16)),
  });
  const serverSignature1 = encodeSignature(ecdsaSign((o.signer ?? DP_AUTH).key, serverSigned1));
  const request = encodeAuthenticateServerRequest({
    serverSigned1,
    serverSignature1,
    euiccCiPKIdToBeUsed: tlv(0x04, o.ciPkId ?? CI_PKID),
    serverCertificate: o.serverCertificate ?? DP_AUTH.der,
    ctxParams1: CTX_PARAMS,
  });
  const response: AuthenticateServerResponse = decodeAuthenticateServerResponse(es10(card, request, ch));
  return { transactionId, response };
}

export interface PrepareOptions {
  ccRequired?: boolean;
  hashCc?: Uint8Array;
  transactionId?: Uint8Array;
  signer?: Credential;
  certificate?: Uint8Array;
  bppEuiccOtpk?: Uint8Array;
  /** Signs over this instead of the real euiccSignature1. */
  euiccSignature1?: Uint8Array;
}

export function hashCc(code: string, transactionId: Uint8Array): Uint8Array {
  const inner = createHash('sha256').update(code).digest();
  return new Uint8Array(createHash('sha256').update(inner).update(transactionId).digest());
}

/** authenticateClient's answer turned into a PrepareDownload request, sent to the card. */
export function prepare(card: VirtualEuicc, ch: number, transactionId: Uint8Array, euiccSignature1: Uint8Array, o: PrepareOptions = {}) {
  const smdpSigned2 = encodeSmdpSigned2({
    transactionId: o.transactionId ?? transactionId,
    ccRequiredFlag: o.ccRequired ?? false,
    ...(o.bppEuiccOtpk ? { bppEuiccOtpk: o.bppEuiccOtpk } : {}),
  });
  const smdpSignature2 = encodeSignature(ecdsaSign((o.signer ?? DP_PB).key, concatBytes(smdpSigned2, o.euiccSignature1 ?? euiccSignature1)));
  const request = encodePrepareDownloadRequest({
    smdpSigned2,
    smdpSignature2,
    ...(o.hashCc ? { hashCc: o.hashCc } : {}),
    smdpCertificate: o.certificate ?? DP_PB.der,
  });
  const response: PrepareDownloadResponse = decodePrepareDownloadResponse(es10(card, request, ch));
  return { response, smdpSignature2 };
}

export interface MetadataInput {
  iccid: string;
  serviceProviderName?: string;
  profileName?: string;
  profileClass?: keyof typeof PROFILE_CLASS;
  installAddress?: string;
}

/** StoreMetadataRequest (BF25) with notification addresses for all four operations. */
export function storeMetadata(m: MetadataInput): Uint8Array {
  const addr = m.installAddress ?? SMDP_ADDRESS;
  return tlv(
    0xbf25,
    encIccid(m.iccid),
    encUtf8(0x91, m.serviceProviderName ?? 'GSMA Test'),
    encUtf8(0x92, m.profileName ?? TS48_PROFILE),
    encInt(0x95, PROFILE_CLASS[m.profileClass ?? 'operational']),
    tlv(0xb6, tlv(0x30, encNamedBits(0x80, [...NOTIFICATION_EVENT_BITS], NOTIFICATION_EVENT_BITS), encUtf8(0x81, addr))),
  );
}

export interface BppOptions {
  profile?: Uint8Array;
  metadata?: Uint8Array;
  replaceSessionKeys?: ReplaceSessionKeys;
  segmentSize?: number;
  transactionId?: Uint8Array;
  /** Key that signs InitialiseSecureChannel (default DPpb). */
  iscSigner?: Credential;
  eid?: string;
}

/** getBoundProfilePackage: a BPP bound to the eUICC's otPK from euiccSigned2. */
export function buildBpp(transactionId: Uint8Array, prepared: PrepareDownloadResponse, o: BppOptions = {}): Uint8Array {
  if (!prepared.ok) throw new Error('PrepareDownload failed');
  const euiccOtpk = decodeEuiccSigned2(prepared.euiccSigned2).euiccOtpk;
  const smdpOtpk = OneTimeKeyPair.generate();
  const hostId = new TextEncoder().encode('lpa-test');
  const isc = encodeInitialiseSecureChannel({
    transactionId: o.transactionId ?? transactionId,
    hostId,
    smdpOtpk: smdpOtpk.publicPoint,
    euiccOtpk,
    dpPbKey: (o.iscSigner ?? DP_PB).key,
  });
  const keys = deriveSessionKeys(smdpOtpk.sharedSecret(euiccOtpk), { hostId, eid: o.eid ?? '89049032123451234512345678901235' });
  return buildBoundProfilePackage({
    initialiseSecureChannel: isc,
    configureIsdp: tlv(0xbf24, tlv(0xb8, encOid(0x06, SMDP_OID))),
    storeMetadata: o.metadata ?? storeMetadata({ iccid: TS48_ICCID }),
    ...(o.replaceSessionKeys ? { replaceSessionKeys: o.replaceSessionKeys } : {}),
    profile: o.profile ?? upp(TS48_PROFILE),
    session: new BspSession(keys),
    ...(o.segmentSize ? { segmentSize: o.segmentSize } : {}),
  });
}

/**
 * Sends the BPP as the LPA does (SGP.22 2.5.5 sequences, each in STORE DATA blocks of
 * `blockSize`); stops at the first non-empty answer. Returns every answer.
 */
export function loadBpp(card: VirtualEuicc, ch: number, bpp: Uint8Array | Uint8Array[], blockSize = 255): (Answer & { apdus: number })[] {
  const payloads = bpp instanceof Uint8Array ? bppSequences(bpp).flat() : bpp;
  const answers: (Answer & { apdus: number })[] = [];
  for (const p of payloads) {
    const a = storeData(card, ch, p, blockSize);
    answers.push(a);
    expect(a.sw).toBe('9000');
    if (a.data.length > 0) break;
  }
  return answers;
}

/** Runs GetEUICCChallenge, AuthenticateServer and PrepareDownload; returns what the BPP needs. */
export function bind(card: VirtualEuicc, ch: number, o: PrepareOptions = {}) {
  const auth = authenticate(card, ch, challenge(card, ch));
  if (!auth.response.ok) throw new Error(`AuthenticateServer failed: ${auth.response.error}`);
  const euiccSignature1 = auth.response.euiccSignature1;
  const prep = prepare(card, ch, auth.transactionId, euiccSignature1, o);
  return { transactionId: auth.transactionId, auth: auth.response, euiccSignature1, prepared: prep.response, smdpSignature2: prep.smdpSignature2 };
}

/** True when `sigElement` (5F37) verifies over `data` with the card's eUICC certificate. */
export function verifiedByEuicc(card: VirtualEuicc, data: Uint8Array, sigElement: Uint8Array): boolean {
  return ecdsaVerify(card.identity.publicKey, data, signatureValue(sigElement));
}
