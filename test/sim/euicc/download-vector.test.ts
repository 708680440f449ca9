/**
 * Replays the captured download (test/fixtures/vectors/es9p-download-session.json: osmo-smdpp with
 * the SGP.26 PKI) into the virtual eUICC. The captured BPP is bound to that session's eUICC
 * one-time key and euiccSignature1, so two test-only handlers (private tags, added only here)
 * inject the captured challenge, euiccSignature1 and one-time key; every SM-DP+ byte is replayed
 * unchanged and verified by the card.
 */

import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OneTimeKeyPair } from '../../../src/crypto/otpk.js';
import { decodeAuthenticateServerResponse, encodeAuthenticateServerRequest } from '../../../src/es10/authenticateServer.js';
import { bppSequences } from '../../../src/es10/bpp.js';
import { tlv } from '../../../src/es10/der.js';
import { decodeEuiccSigned2, decodePrepareDownloadResponse, encodePrepareDownloadRequest } from '../../../src/es10/prepareDownload.js';
import { decodeProfileInstallationResult } from '../../../src/es10/profileInstallationResult.js';
import { EuiccStateStore, ES10_HANDLERS, VirtualEuicc, type Es10Handler } from '../../../src/sim/euicc/index.js';
import { getDownload, testOnlyUseNextOneTimeKey } from '../../../src/sim/euicc/es10/downloadSession.js';
import { toHex } from '../../../src/util/hex.js';
import { b64, es9pResponse, vector, vectorBpp } from '../../crypto/vector.js';
import { CTX_PARAMS, loadBpp, verifiedByEuicc } from './downloadSmdp.js';
import { es10, openIsdR } from './helpers.js';

const initiate = es9pResponse('initiateAuthentication');
const authClient = es9pResponse('authenticateClient');
const authClientRequest = vector.es9p.find((e) => e.function === 'authenticateClient')!.request;
const capturedChallenge = b64(vector.es9p.find((e) => e.function === 'initiateAuthentication')!.request.euiccChallenge);

function capturedOtpk(): OneTimeKeyPair {
  const jwk = createPrivateKey(vector.euiccOneTimeKey.privateKeyPkcs8Pem).export({ format: 'jwk' });
  return OneTimeKeyPair.fromPrivateScalar(new Uint8Array(Buffer.from(String(jwk.d), 'base64url')));
}

/** TEST ONLY (tag BF7E): sets the challenge the captured serverSigned1 was made for. */
const injectChallenge: Es10Handler = {
  name: 'TestInjectChallenge',
  tag: 0xbf7e,
  handle(_req, ctx) {
    ctx.session.euiccChallenge = capturedChallenge;
    return tlv(0xbf7e, new Uint8Array(0));
  },
};

/** TEST ONLY (tag BF7F): puts the captured euiccSignature1 and one-time key into the session. */
const injectBinding: Es10Handler = {
  name: 'TestInjectBinding',
  tag: 0xbf7f,
  handle(_req, ctx) {
    const captured = decodeAuthenticateServerResponse(b64(authClientRequest.authenticateServerResponse));
    if (!captured.ok) throw new Error('captured AuthenticateServer failed');
    getDownload(ctx.session)!.euiccSignature1 = captured.euiccSignature1;
    testOnlyUseNextOneTimeKey(ctx.session, capturedOtpk());
    return tlv(0xbf7f, new Uint8Array(0));
  },
};

describe('virtual eUICC: replay of the captured download', () => {
  it('accepts the captured SM-DP+ messages byte-for-byte and installs the TS.48 profile from the captured BPP', () => {
    const card = new VirtualEuicc({ store: EuiccStateStore.open(), handlers: [...ES10_HANDLERS, injectChallenge, injectBinding] });
    const ch = openIsdR(card);
    es10(card, tlv(0xbf7e, new Uint8Array(0)), ch);
    const auth = decodeAuthenticateServerResponse(
      es10(
        card,
        encodeAuthenticateServerRequest({
          serverSigned1: b64(initiate.serverSigned1),
          serverSignature1: b64(initiate.serverSignature1),
          euiccCiPKIdToBeUsed: b64(initiate.euiccCiPKIdToBeUsed),
          serverCertificate: b64(initiate.serverCertificate),
          ctxParams1: CTX_PARAMS,
        }),
        ch,
      ),
    );
    expect(auth.ok).toBe(true);
    es10(card, tlv(0xbf7f, new Uint8Array(0)), ch);
    const prep = decodePrepareDownloadResponse(
      es10(
        card,
        encodePrepareDownloadRequest({
          smdpSigned2: b64(authClient.smdpSigned2),
          smdpSignature2: b64(authClient.smdpSignature2),
          smdpCertificate: b64(authClient.smdpCertificate),
        }),
        ch,
      ),
    );
    expect(prep.ok).toBe(true);
    if (!prep.ok) return;
    expect(toHex(decodeEuiccSigned2(prep.euiccSigned2).euiccOtpk)).toBe(vector.euiccOneTimeKey.publicKeyUncompressed.toUpperCase());

    const bpp = vectorBpp();
    const answers = loadBpp(card, ch, bpp);
    expect(answers).toHaveLength(bppSequences(bpp).flat().length);
    const pir = decodeProfileInstallationResult(answers[answers.length - 1]!.data);
    expect(pir.finalResult.success).toBe(true);
    expect(toHex(pir.transactionId)).toBe(String(initiate.transactionId).toUpperCase());
    expect(pir.notificationMetadata.iccid).toBe('8949449999999990049');
    expect(verifiedByEuicc(card, pir.dataRaw, pir.euiccSignPIR)).toBe(true);
    expect(card.state.profiles.find((p) => p.iccid === '8949449999999990049')?.state).toBe('disabled');
  });
});
