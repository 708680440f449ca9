import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac, aesEcbEncrypt, cmacSubkeys } from '../../src/crypto/cmac.js';
import { fromHex, toHex } from '../../src/util/hex.js';

// RFC 4493 section 4 test vectors.
const K = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
const M = fromHex(
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
);

describe('AES-CMAC (RFC 4493)', () => {
  it('derives the RFC subkeys', () => {
    expect(toHex(aesEcbEncrypt(K, new Uint8Array(16)))).toBe('7DF76B0C1AB899B33E42F047B91B546F');
    const { k1, k2 } = cmacSubkeys(K);
    expect(toHex(k1)).toBe('FBEED618357133667C85E08F7236A8DE');
    expect(toHex(k2)).toBe('F7DDAC306AE266CCF90BC11EE46D513B');
  });

  it.each([
    [0, 'BB1D6929E95937287FA37D129B756746'],
    [16, '070A16B46B4D4144F79BDD9DD04A287C'],
    [40, 'DFA66747DE9AE63030CA32611497C827'],
    [64, '51F0BEBF7E3B9D92FC49741779363CFE'],
  ])('example with %i-byte message', (len, tag) => {
    expect(toHex(aesCmac(K, M.subarray(0, len)))).toBe(tag);
  });

  it('does not depend on the message view offset', () => {
    const buf = new Uint8Array(100);
    buf.set(M, 7);
    expect(toHex(aesCmac(K, buf.subarray(7, 7 + 40)))).toBe('DFA66747DE9AE63030CA32611497C827');
  });

  it('rejects keys that are not 16 bytes', () => {
    expect(() => aesCmac(new Uint8Array(15), M)).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
  });
});

describe('AES-128-CBC without padding', () => {
  it('round-trips whole blocks and rejects partial ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 8 }), (iv, blocks) => {
        const data = new Uint8Array(blocks * 16).map((_, i) => i * 7);
        expect(aesCbcDecrypt(K, iv, aesCbcEncrypt(K, iv, data))).toEqual(data);
      }),
      { numRuns: 30 },
    );
    expect(() => aesCbcDecrypt(K, new Uint8Array(16), new Uint8Array(17))).toThrow(expect.objectContaining({ code: 'CRYPTO' }));
  });
});
