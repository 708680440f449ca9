import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { BspSession, padIso9797M2, unpadIso9797M2 } from '../../src/crypto/bsp.js';
import { deriveSessionKeys } from '../../src/crypto/kdf.js';
import { OneTimeKeyPair } from '../../src/crypto/otpk.js';
import { parseBoundProfilePackage, parseInitialiseSecureChannel, parseReplaceSessionKeys } from '../../src/es10/bpp.js';
import { dataPath } from '../../src/util/data.js';
import { bytesEqual, fromHex, toHex } from '../../src/util/hex.js';
import { vector, vectorBpp } from './vector.js';
import { lpaErrorOf } from '../util/lpaError.js';

const kd = vector.bspKeyDerivation;
const sessionKeys = () => deriveSessionKeys(fromHex(kd.sharedSecret), { hostId: fromHex(kd.hostId), eid: kd.eid });

function euiccOtsk(): OneTimeKeyPair {
  const jwk = createPrivateKey(vector.euiccOneTimeKey.privateKeyPkcs8Pem).export({ format: 'jwk' });
  return OneTimeKeyPair.fromPrivateScalar(new Uint8Array(Buffer.from(jwk.d!, 'base64url')));
}


describe('BSP against the captured download', () => {
  const bpp = parseBoundProfilePackage(vectorBpp());
  const isc = parseInitialiseSecureChannel(bpp.initialiseSecureChannel);

  it('ECDH of the eUICC one-time key with smdpOtpk gives the recorded shared secret', () => {
    const otsk = euiccOtsk();
    expect(toHex(otsk.publicPoint)).toBe(vector.euiccOneTimeKey.publicKeyUncompressed.toUpperCase());
    expect(toHex(otsk.sharedSecret(isc.smdpOtpk))).toBe(kd.sharedSecret.toUpperCase());
    expect(toHex(isc.hostId)).toBe(kd.hostId.toUpperCase());
    expect(isc.keyType).toBe(0x88);
    expect(isc.keyLength).toBe(16);
  });

  it('decrypts ConfigureISDP, verifies StoreMetadata, decrypts ReplaceSessionKeys and all 86 segments', () => {
    const s = new BspSession(sessionKeys());
    expect(s.counter).toBe(1);
    const configureIsdp = s.unwrap(bpp.configureIsdp.items[0]!, { encrypted: true, tag: 0x87 });
    expect(toHex(configureIsdp.subarray(0, 2))).toBe('BF24');
    expect(s.counter).toBe(2);
    const meta = s.unwrap(bpp.storeMetadata.items[0]!, { encrypted: false, tag: 0x88 });
    expect(toHex(meta.subarray(0, 2))).toBe('BF25');
    expect(s.counter).toBe(3); // MAC-only TLVs advance the ICV counter too
    const rsk = parseReplaceSessionKeys(s.unwrap(bpp.replaceSessionKeys!.items[0]!, { encrypted: true, tag: 0x87 }));
    expect(toHex(rsk.ppkEnc)).toBe('00'.repeat(16));
    expect(toHex(rsk.ppkCmac)).toBe('11'.repeat(16));
    expect(toHex(rsk.initialMcv)).toBe('22'.repeat(16));
    s.replaceSessionKeys(rsk.ppkEnc, rsk.ppkCmac, rsk.initialMcv);
    expect(s.counter).toBe(1);
    const segments = bpp.profileElements.items.map((it) => s.unwrap(it, { encrypted: true }));
    const profile = Buffer.concat(segments);
    const expected = readFileSync(dataPath('upp', 'TS48V2-SAIP2-1-BERTLV-UNIQUE.der'));
    expect(profile.equals(expected)).toBe(true);
  });

  it('one flipped bit in a segment fails with a CRYPTO error naming the MAC, and leaves the state unchanged', () => {
    const s = new BspSession(sessionKeys());
    s.unwrap(bpp.configureIsdp.items[0]!, { encrypted: true });
    s.unwrap(bpp.storeMetadata.items[0]!, { encrypted: false });
    const rsk = parseReplaceSessionKeys(s.unwrap(bpp.replaceSessionKeys!.items[0]!, { encrypted: true }));
    s.replaceSessionKeys(rsk.ppkEnc, rsk.ppkCmac, rsk.initialMcv);
    s.unwrap(bpp.profileElements.items[0]!, { encrypted: true });
    const seg = bpp.profileElements.items[1]!.slice();
    seg[100]! ^= 0x04;
    const mcvBefore = s.mcv;
    const err = lpaErrorOf(() => s.unwrap(seg, { encrypted: true }));
    expect(err.code).toBe('CRYPTO');
    expect(err.message).toMatch(/MAC/);
    expect(err.details).toMatchObject({ failure: 'mac', tag: '86' });
    expect(bytesEqual(s.mcv, mcvBefore)).toBe(true);
    expect(s.counter).toBe(2);
    // the untouched segment still verifies afterwards
    expect(s.unwrap(bpp.profileElements.items[1]!, { encrypted: true }).length).toBeGreaterThan(0);
  });

  it('the wrong MAC key is reported as a MAC failure, not a crash', () => {
    const k = sessionKeys();
    const s = new BspSession({ ...k, sMac: new Uint8Array(16) });
    expect(lpaErrorOf(() => s.unwrap(bpp.configureIsdp.items[0]!, { encrypted: true })).details.failure).toBe('mac');
  });
});

describe('BSP wrap/unwrap', () => {
  const keys = { sEnc: fromHex('000102030405060708090A0B0C0D0E0F'), sMac: fromHex('F0E0D0C0B0A090807060504030201000'), initialMcv: new Uint8Array(16) };

  it('round-trips encrypted and MAC-only TLVs of many sizes, with long-form lengths', () => {
    const dp = new BspSession(keys);
    const eu = new BspSession(keys);
    for (const len of [0, 1, 15, 16, 17, 119, 120, 255, 1020, 4000]) {
      const plain = new Uint8Array(len).map((_, i) => (i * 31 + len) & 0xff);
      const enc = dp.wrap(0x86, plain, { encrypt: true });
      expect(bytesEqual(eu.unwrap(enc, { encrypted: true, tag: 0x86 }), plain)).toBe(true);
      const mac = dp.wrap(0x88, plain, { encrypt: false });
      expect(bytesEqual(mac.subarray(mac.length - 8 - len, mac.length - 8), plain)).toBe(true);
      expect(bytesEqual(eu.unwrap(mac, { encrypted: false }), plain)).toBe(true);
    }
    expect(dp.counter).toBe(21);
    expect(bytesEqual(dp.mcv, eu.mcv)).toBe(true);
  });

  it('1020 plaintext bytes become a 1032-byte value on the wire', () => {
    const tlv = new BspSession(keys).wrap(0x86, new Uint8Array(1020), { encrypt: true });
    expect(toHex(tlv.subarray(0, 4))).toBe('86820408');
  });

  it('reports bad padding, wrong tags and truncated TLVs as CRYPTO / ASN1_DECODE', () => {
    // A MAC-valid TLV whose plaintext has no 80 marker: MAC it ourselves over raw "ciphertext".
    const dp = new BspSession(keys);
    const eu = new BspSession(keys);
    const wrapped = dp.wrap(0x87, new Uint8Array(16).fill(0xaa), { encrypt: false });
    expect(lpaErrorOf(() => eu.unwrap(wrapped, { encrypted: true })).details.failure).toBe('padding');
    expect(lpaErrorOf(() => new BspSession(keys).unwrap(wrapped, { encrypted: true, tag: 0x86 })).details.failure).toBe('tag');
    expect(lpaErrorOf(() => new BspSession(keys).unwrap(Uint8Array.of(0x86, 0x03, 1, 2, 3), { encrypted: true })).details.failure).toBe('length');
    expect(lpaErrorOf(() => new BspSession(keys).unwrap(Uint8Array.of(0x86, 0x20, 1), { encrypted: true })).code).toBe('ASN1_DECODE');
  });

  it('pads with 80 00.. and strips it', () => {
    expect(toHex(padIso9797M2(Uint8Array.of(1, 2)))).toBe('0102800000000000' + '0000000000000000');
    expect(padIso9797M2(new Uint8Array(16)).length).toBe(32);
    expect(unpadIso9797M2(padIso9797M2(Uint8Array.of(0x80, 0)))).toEqual(Uint8Array.of(0x80, 0));
    expect(unpadIso9797M2(new Uint8Array(16))).toBeUndefined();
  });

  it('never puts key material in JSON', () => {
    expect(JSON.stringify(new BspSession(keys))).toBe('{"counter":1}');
  });
});
