import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { BspSession } from '../../src/crypto/bsp.js';
import { parseCertificate } from '../../src/crypto/certs.js';
import { importPrivateKey } from '../../src/crypto/ecdsa.js';
import { deriveSessionKeys } from '../../src/crypto/kdf.js';
import { OneTimeKeyPair } from '../../src/crypto/otpk.js';
import { encodeTlv } from '../../src/util/tlv.js';
import {
  blocksNeeded,
  bppSequences,
  buildBoundProfilePackage,
  encodeInitialiseSecureChannel,
  openBoundProfilePackage,
  parseBoundProfilePackage,
  parseInitialiseSecureChannel,
  verifyInitialiseSecureChannel,
} from '../../src/es10/bpp.js';
import { dataPath } from '../../src/util/data.js';
import { concatBytes, fromHex, toHex } from '../../src/util/hex.js';
import { isLpaError } from '../../src/errors.js';
import { b64, es9pResponse, vector, vectorBpp } from '../crypto/vector.js';
import { lpaErrorOf } from '../util/lpaError.js';

const kd = vector.bspKeyDerivation;
const vectorKeys = () => deriveSessionKeys(fromHex(kd.sharedSecret), { hostId: fromHex(kd.hostId), eid: kd.eid });
const upp = (name: string) => new Uint8Array(readFileSync(dataPath('upp', `${name}.der`)));


describe('the captured BPP', () => {
  const raw = vectorBpp();
  const bpp = parseBoundProfilePackage(raw);

  it('parses into its parts, keeping raw slices', () => {
    expect(toHex(bpp.header)).toBe('BF36823319');
    expect(toHex(bpp.initialiseSecureChannel.subarray(0, 2))).toBe('BF23');
    expect(bpp.configureIsdp.items).toHaveLength(1);
    expect(bpp.storeMetadata.items).toHaveLength(1);
    expect(bpp.replaceSessionKeys?.items).toHaveLength(1);
    expect(bpp.profileElements.items).toHaveLength(13);
    expect(bpp.profileElements.items.slice(0, 12).every((s) => toHex(s.subarray(0, 4)) === '86820408')).toBe(true);
    expect(bpp.raw.buffer).toBe(raw.buffer);
  });

  it('bppSequences follows SGP.22 2.5.5 and the payloads concatenate back to the BPP', () => {
    const seqs = bppSequences(bpp);
    expect(seqs.map((s) => s.length)).toEqual([1, 1, 2, 1, 14]);
    expect(toHex(seqs[0]![0]!.subarray(0, 7))).toBe('BF36823319BF23');
    expect(seqs[0]![0]!.length).toBe(5 + bpp.initialiseSecureChannel.length);
    expect(toHex(seqs[1]![0]!.subarray(0, 1))).toBe('A0');
    expect(toHex(seqs[2]![0]!)).toMatch(/^A1[0-9A-F]{2,6}$/);
    expect(toHex(seqs[2]![1]!.subarray(0, 1))).toBe('88');
    expect(toHex(seqs[3]![0]!.subarray(0, 1))).toBe('A2');
    expect(toHex(seqs[4]![0]!)).toBe('A382314B'); // 12 x 1036 + 187 bytes of 86 TLVs
    expect(Buffer.concat(seqs.flat()).equals(Buffer.from(raw))).toBe(true);
  });

  it('blocksNeeded counts 255-byte STORE DATA blocks per payload', () => {
    // 6 short payloads + A3 header + 12 x 1036-byte segments (5 blocks each) + 1 short segment
    expect(blocksNeeded(bpp)).toBe(67);
    expect(blocksNeeded(raw, 255)).toBe(67);
    const total = bppSequences(bpp).flat().reduce((n, p) => n + Math.ceil(p.length / 128), 0);
    expect(blocksNeeded(bpp, 128)).toBe(total);
    expect(lpaErrorOf(() => blocksNeeded(bpp, 256)).code).toBe('APDU_INVALID');
  });

  it('InitialiseSecureChannel: smdpSign verifies with the DPpb certificate over the fields + 5F49 otPK.EUICC', () => {
    const isc = parseInitialiseSecureChannel(bpp.initialiseSecureChannel);
    expect(isc.remoteOpId).toBe(1);
    expect(toHex(isc.transactionId)).toBe(String(es9pResponse('initiateAuthentication').transactionId));
    const dpPb = parseCertificate(b64(es9pResponse('authenticateClient').smdpCertificate));
    const euiccOtpk = fromHex(vector.euiccOneTimeKey.publicKeyUncompressed);
    expect(verifyInitialiseSecureChannel(isc, dpPb.publicKey, euiccOtpk)).toBe(true);
    const other = OneTimeKeyPair.generate().publicPoint;
    expect(verifyInitialiseSecureChannel(isc, dpPb.publicKey, other)).toBe(false);
  });

  it('opens to the TS.48 profile byte for byte, switching to the ReplaceSessionKeys PPKs', () => {
    const opened = openBoundProfilePackage(raw, new BspSession(vectorKeys()));
    expect(toHex(opened.configureIsdp)).toBe('BF2400');
    expect(toHex(opened.storeMetadata.subarray(0, 2))).toBe('BF25');
    expect(toHex(opened.replaceSessionKeys!.ppkEnc)).toBe('00'.repeat(16));
    expect(opened.segments).toBe(13);
    expect(Buffer.from(opened.profile).equals(Buffer.from(upp('TS48V2-SAIP2-1-BERTLV-UNIQUE')))).toBe(true);
  });

  it('a flipped bit in one segment gives a CRYPTO error naming the MAC and the segment', () => {
    const tampered = raw.slice();
    tampered[raw.length - 50]! ^= 0x01; // inside the last 86
    const e = lpaErrorOf(() => openBoundProfilePackage(tampered, new BspSession(vectorKeys())));
    expect(e.code).toBe('CRYPTO');
    expect(e.message).toMatch(/MAC verification failed.*profile segment 12/);
    expect(e.details).toMatchObject({ failure: 'mac', tag: '86', where: 'profile segment 12' });
  });

  it('rejects malformed packages with ASN1_DECODE and never crashes on random mutations', () => {
    expect(lpaErrorOf(() => parseBoundProfilePackage(raw.subarray(0, 1000))).code).toBe('ASN1_DECODE');
    expect(lpaErrorOf(() => parseBoundProfilePackage(encodeTlv(0xbf37, new Uint8Array(0)))).message).toMatch(/BF36/);
    expect(lpaErrorOf(() => parseBoundProfilePackage(encodeTlv(0xbf36, bpp.initialiseSecureChannel, bpp.configureIsdp.raw))).message).toMatch(/A1/);
    expect(
      lpaErrorOf(() => parseBoundProfilePackage(encodeTlv(0xbf36, bpp.initialiseSecureChannel, bpp.configureIsdp.raw, bpp.storeMetadata.raw))).message,
    ).toMatch(/\[A2\] A3/);
    const wrongItem = encodeTlv(0xa3, encodeTlv(0x87, Uint8Array.of(1)));
    expect(
      lpaErrorOf(() => parseBoundProfilePackage(encodeTlv(0xbf36, bpp.initialiseSecureChannel, bpp.configureIsdp.raw, bpp.storeMetadata.raw, wrongItem)))
        .message,
    ).toMatch(/holds tag 87/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 255 }), (pos, byte) => {
        const m = raw.slice(0, 600);
        m[pos] = byte;
        try {
          parseBoundProfilePackage(m);
        } catch (e) {
          expect(isLpaError(e)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('buildBoundProfilePackage (SM-DP+ side)', () => {
  const dpPbKey = importPrivateKey(readFileSync(dataPath('pki', 'sgp26', 'dppb', 'SK_S_SM_DPpb_ECDSA_NIST.pem'), 'utf8'));
  const dpPbCert = parseCertificate(new Uint8Array(readFileSync(dataPath('pki', 'sgp26', 'dppb', 'CERT_S_SM_DPpb_ECDSA_NIST.der'))));
  const eid = '89049032123451234512345678901235';
  const hostId = new TextEncoder().encode('lpa-agent');
  const storeMetadata = fromHex('BF25175A0A989444999999990940F9910392010A920474657374');

  function roundTrip(profileName: string, withRsk: boolean): void {
    const profile = upp(profileName);
    const euiccKey = OneTimeKeyPair.generate();
    const dpKey = OneTimeKeyPair.generate();
    const bf23 = encodeInitialiseSecureChannel({
      transactionId: fromHex('0123456789ABCDEF0123456789ABCDEF'),
      hostId,
      smdpOtpk: dpKey.publicPoint,
      euiccOtpk: euiccKey.publicPoint,
      dpPbKey,
    });
    const dpKeys = deriveSessionKeys(dpKey.sharedSecret(euiccKey.publicPoint), { hostId, eid });
    const rsk = withRsk ? { ppkEnc: fromHex('0F'.repeat(16)), ppkCmac: fromHex('1E'.repeat(16)), initialMcv: fromHex('2D'.repeat(16)) } : undefined;
    const der = buildBoundProfilePackage({
      initialiseSecureChannel: bf23,
      configureIsdp: fromHex('BF2400'),
      storeMetadata,
      ...(rsk ? { replaceSessionKeys: rsk } : {}),
      profile,
      session: new BspSession(dpKeys),
    });
    // eUICC side: everything from the BPP itself
    const bpp = parseBoundProfilePackage(der);
    const isc = parseInitialiseSecureChannel(bpp.initialiseSecureChannel);
    expect(verifyInitialiseSecureChannel(isc, dpPbCert.publicKey, euiccKey.publicPoint)).toBe(true);
    const keys = deriveSessionKeys(euiccKey.sharedSecret(isc.smdpOtpk), { hostId: isc.hostId, eid });
    const opened = openBoundProfilePackage(bpp, new BspSession(keys));
    expect(Buffer.from(opened.profile).equals(Buffer.from(profile))).toBe(true);
    expect(toHex(opened.storeMetadata)).toBe(toHex(storeMetadata));
    expect(opened.replaceSessionKeys).toEqual(rsk);
    expect(bpp.replaceSessionKeys === undefined).toBe(!withRsk);
    const n = Math.ceil(profile.length / 1020);
    expect(bpp.profileElements.items).toHaveLength(n);
    expect(bpp.profileElements.items.slice(0, n - 1).every((s) => s.length === 1036)).toBe(true);
    expect(bppSequences(bpp)).toHaveLength(withRsk ? 5 : 4);
  }

  it('round-trips a TS.48 profile with ReplaceSessionKeys', () => roundTrip('TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE', true));
  it('round-trips a TS.48 profile without ReplaceSessionKeys', () => roundTrip('TS48V1-A-UNIQUE', false));

  it('honours segmentSize and splits long metadata into several 88s', () => {
    const k = { sEnc: new Uint8Array(16).fill(1), sMac: new Uint8Array(16).fill(2), initialMcv: new Uint8Array(16) };
    const bf23 = fromHex('BF2300');
    const meta = encodeTlv(0xbf25, new Uint8Array(1500));
    const der = buildBoundProfilePackage({ initialiseSecureChannel: bf23, configureIsdp: fromHex('BF2400'), storeMetadata: meta, profile: new Uint8Array(1000), session: new BspSession(k), segmentSize: 300 });
    const bpp = parseBoundProfilePackage(der);
    expect(bpp.storeMetadata.items).toHaveLength(Math.ceil(meta.length / 300));
    expect(bpp.profileElements.items).toHaveLength(4);
    const eu = new BspSession(k);
    eu.unwrap(bpp.configureIsdp.items[0]!, { encrypted: true });
    expect(toHex(concatBytes(...bpp.storeMetadata.items.map((i) => eu.unwrap(i, { encrypted: false }))))).toBe(toHex(meta));
    expect(lpaErrorOf(() => buildBoundProfilePackage({ initialiseSecureChannel: bf23, configureIsdp: bf23, storeMetadata: meta, profile: new Uint8Array(0), session: new BspSession(k) })).code).toBe('ASN1_ENCODE');
  });
});

// keep the PKCS#8 import path exercised: the vector's one-time key is PEM
it('the vector one-time private key is a P-256 PKCS#8 key', () => {
  expect(createPrivateKey(vector.euiccOneTimeKey.privateKeyPkcs8Pem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
});
