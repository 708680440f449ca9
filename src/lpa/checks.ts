/**
 * The cheap checks SGP.22 expects of the LPA on what the SM-DP+ sends, before the eUICC does the
 * expensive ones: the transaction id and address signed into serverSigned1, the SM-DP+ OID of an
 * activation code, and the BPP's StoreMetadata against the profileMetadata shown to the user.
 */

import { parseCertificate } from '../crypto/certs.js';
import { LpaError } from '../errors.js';
import { decodeServerSigned1 } from '../es10/authenticateServer.js';
import { bppStoreMetadata, type BoundProfilePackage } from '../es10/bpp.js';
import { decodeStoreMetadata, readStoreMetadataTolerant } from '../es10/storeMetadata.js';
import { parseSmdpAddress } from '../es9p/address.js';
import { bytesEqual, toHex } from '../util/hex.js';

/** Host names compared as DNS does (case, a trailing dot); ports only when both give one. */
export function sameServer(a: string, b: string): boolean {
  try {
    const x = parseSmdpAddress(a);
    const y = parseSmdpAddress(b);
    if (x.host !== y.host) return false;
    return !(x.explicitPort && y.explicitPort) || x.port === y.port;
  } catch {
    return a.trim().toLowerCase() === b.trim().toLowerCase();
  }
}

/**
 * serverSigned1 against the JSON answer and the address the LPA used. SMDP_MISMATCH (or
 * ES9_BAD_RESPONSE when it does not decode); the caller cancels the session.
 */
export function checkServerSigned1(serverSigned1: Uint8Array, transactionId: Uint8Array, smdpAddress: string): void {
  let signed;
  try {
    signed = decodeServerSigned1(serverSigned1);
  } catch (e) {
    throw new LpaError('ES9_BAD_RESPONSE', `initiateAuthentication: serverSigned1 does not decode: ${(e as Error).message}`, { function: 'initiateAuthentication' }, { cause: e });
  }
  if (!bytesEqual(signed.transactionId, transactionId)) {
    throw new LpaError(
      'SMDP_MISMATCH',
      `the SM-DP+ signed transaction ${toHex(signed.transactionId)} in serverSigned1 but answered transaction ${toHex(transactionId)}`,
      { function: 'initiateAuthentication', signedTransactionId: toHex(signed.transactionId) },
    );
  }
  if (!sameServer(signed.serverAddress, smdpAddress)) {
    throw new LpaError(
      'SMDP_MISMATCH',
      `the SM-DP+ at ${smdpAddress} signed another address into serverSigned1 (${signed.serverAddress.slice(0, 100)}); the eUICC would refuse it`,
      { function: 'initiateAuthentication', serverAddress: signed.serverAddress.slice(0, 255) },
    );
  }
}

/** The SM-DP+ OID an activation code names must be one of the server certificate's (DPauth). */
export function checkSmdpOid(serverCertificate: Uint8Array, oid: string): void {
  let ids: string[];
  try {
    ids = parseCertificate(serverCertificate).registeredIds;
  } catch (e) {
    throw new LpaError('ES9_BAD_RESPONSE', `initiateAuthentication: the server certificate does not decode: ${(e as Error).message}`, { function: 'initiateAuthentication' }, { cause: e });
  }
  if (!ids.includes(oid)) {
    throw new LpaError(
      'SMDP_MISMATCH',
      `the activation code names SM-DP+ OID ${oid}, but the server's certificate says ${ids.join(', ') || 'none'}: not the SM-DP+ the code is for`,
      { function: 'initiateAuthentication', expectedOid: oid, serverOids: ids },
    );
  }
}

/**
 * The BPP's StoreMetadata must be the profileMetadata the SM-DP+ sent with authenticateClient
 * (what the user was shown). Byte-identical passes; otherwise the fields that matter must agree
 * wherever the announced metadata can be read (a malformed announcement cannot prove a mismatch).
 * SMDP_MISMATCH with cancelReason metadataMismatch.
 */
export function checkBppMetadata(bpp: BoundProfilePackage, profileMetadata: Uint8Array): void {
  const fail = (why: string, cause?: unknown): LpaError =>
    new LpaError('SMDP_MISMATCH', `the bound profile package does not carry the profile announced by authenticateClient (${why})`, { cancelReason: 'metadataMismatch' }, cause ? { cause } : undefined);
  let inBpp: Uint8Array;
  try {
    inBpp = bppStoreMetadata(bpp);
  } catch (e) {
    throw fail((e as Error).message, e);
  }
  if (bytesEqual(inBpp, profileMetadata)) return;
  let a;
  try {
    a = decodeStoreMetadata(inBpp);
  } catch (e) {
    throw fail(`its StoreMetadata does not decode: ${(e as Error).message}`, e);
  }
  const b = readStoreMetadataTolerant(profileMetadata).metadata;
  const differs = (['iccid', 'serviceProviderName', 'profileName', 'profileClassCode'] as const).filter((k) => b[k] !== undefined && a[k] !== b[k]);
  const pprs = (m: { profilePolicyRules?: readonly string[] }) => [...(m.profilePolicyRules ?? [])].sort().join();
  if (b.iccid !== undefined && pprs(a) !== pprs(b)) differs.push('profilePolicyRules' as never);
  if (differs.length > 0) throw fail(`${differs.join(', ')} differ: ICCID ${a.iccid} "${a.profileName}" instead of ${b.iccid ?? '?'} "${b.profileName ?? '?'}"`);
}
