/**
 * ES9+ (and ES11) initiateAuthentication: checks the smdpAddress (8.8.1/3.8) and that the eUICC can verify
 * with our CI (8.8.2/3.1), opens a session and answers serverSigned1 { transactionId,
 * euiccChallenge, serverAddress, serverChallenge } signed with the DPauth key, the CI key id to use
 * and the DPauth certificate.
 */

import { encodeServerSigned1 } from '../../../es10/authenticateServer.js';
import { decodeEuiccInfo1Response } from '../../../es10/euiccInfo1.js';
import { ecdsaSign, signatureTlv } from '../../../crypto/ecdsa.js';
import { parseSmdpAddress, sameSmdpAddress } from '../../../es9p/address.js';
import { bytesEqual, concatBytes } from '../../../util/hex.js';
import { SUCCESS_HEADER, es9Failure, type Es9Body } from '../status.js';
import type { RspServerContext } from './context.js';
import { base64Field, decodeField, stringField } from './fields.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

export function initiateAuthentication(ctx: RspServerContext, body: Es9Body): Es9Body {
  const euiccChallenge = base64Field(body, 'euiccChallenge', 16);
  if (euiccChallenge.length !== 16) throw es9Failure('1.2', '2.1', 'euiccChallenge must be 16 bytes', 400);
  const info1 = decodeField('euiccInfo1', () => decodeEuiccInfo1Response(base64Field(body, 'euiccInfo1', 4096)));
  const smdpAddress = stringField(body, 'smdpAddress');
  let same = false;
  try {
    same = sameSmdpAddress(parseSmdpAddress(smdpAddress), ctx.address);
  } catch {
    same = false;
  }
  if (!same) throw es9Failure('8.8.1', '3.8', `smdpAddress "${smdpAddress.slice(0, 80)}" is not this ${ctx.role ?? 'SM-DP+'} (${ctx.address})`);
  const ciPkId = ctx.pki.ciPkId;
  if (!info1.euiccCiPKIdListForVerification.some((k) => bytesEqual(k, ciPkId))) {
    throw es9Failure('8.8.2', '3.1', `the eUICC cannot verify with any CI this ${ctx.role ?? 'SM-DP+'} uses`);
  }
  const session = ctx.sessions.create(euiccChallenge);
  const serverSigned1 = encodeServerSigned1({
    transactionId: session.tx,
    euiccChallenge,
    serverAddress: ctx.address,
    serverChallenge: session.serverChallenge,
  });
  const serverSignature1 = signatureTlv(ecdsaSign(ctx.pki.dpAuth.key, serverSigned1));
  return {
    serverSigned1: b64(serverSigned1),
    serverSignature1: b64(serverSignature1),
    transactionId: session.transactionId,
    euiccCiPKIdToBeUsed: b64(concatBytes(Uint8Array.of(0x04, ciPkId.length), ciPkId)),
    serverCertificate: b64(ctx.pki.dpAuth.der),
    header: SUCCESS_HEADER,
  };
}
