import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseTlv, parseTlvs, TLV_LIMITS } from '../../src/util/tlv.js';
import { decodeAuthenticateServerResponse, decodeEnableProfileResponse, decodeProfilesInfoResponse, decodeRetrieveNotificationsListResponse } from '../../src/es10/index.js';
import { readBits, readInt, readOid, readUtf8, encInt, encBits, encOid, tlv } from '../../src/es10/der.js';
import { isLpaError, LpaError } from '../../src/errors.js';
import { concatBytes, fromHex, toHex } from '../../src/util/hex.js';
import { lpaErrorOf } from '../util/lpaError.js';


describe('TLV walker', () => {
  it('walks multi-byte tags and keeps raw ranges', () => {
    const der = fromHex('BF3E125A1089049032123451234512345678901235');
    const t = parseTlv(der, 'x');
    expect(t.tag).toBe(0xbf3e);
    expect(t.constructed).toBe(true);
    expect(t.children[0]!.tag).toBe(0x5a);
    expect(t.children[0]!.offset).toBe(3);
    expect(toHex(t.children[0]!.raw)).toBe('5A1089049032123451234512345678901235');
    expect(t.children[0]!.raw.buffer).toBe(der.buffer);
  });

  it('accepts long-form lengths and 3-byte tags', () => {
    const v = new Uint8Array(300);
    const der = concatBytes(fromHex('9F8170' + '82012C'), v);
    const t = parseTlv(der, 'x');
    expect(t.tag).toBe(0x9f8170);
    expect(t.value.length).toBe(300);
  });

  it.each([
    ['empty', ''],
    ['truncated value', 'BF3E035C01'],
    ['truncated child', 'BF3E035C025A'],
    ['truncated length', 'BF3E'],
    ['truncated tag', 'BF'],
    ['truncated long length', '0482FF'],
    ['huge length', '0484FFFFFFFF00'],
    ['5-byte length', '04850000000001'],
    ['indefinite length', 'BF3E805C015A0000'],
    ['end-of-contents tag', '0000'],
    ['long tag', 'BF8080808001'],
    ['trailing bytes', 'BF3E035C015A00'],
  ])('rejects %s with ASN1_DECODE', (_name, hex) => {
    const e = lpaErrorOf(() => parseTlv(fromHex(hex), 'GetEuiccDataResponse'));
    expect(e.code).toBe('ASN1_DECODE');
    expect(e.message).toContain('GetEuiccDataResponse');
  });

  it('rejects 10k-deep nesting quickly', () => {
    const depth = 10_000;
    // definite lengths computed from the inside out, written front to back in one buffer
    const lens: number[] = [];
    let len = 2; // 05 00 at the core
    for (let i = 0; i < depth; i++) {
      lens.push(len);
      len += 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4);
    }
    const der = new Uint8Array(len);
    let p = 0;
    for (let i = depth - 1; i >= 0; i--) {
      const l = lens[i]!;
      der[p++] = 0x30;
      if (l < 0x80) der[p++] = l;
      else if (l < 0x100) der.set([0x81, l], (p += 2) - 2);
      else if (l < 0x10000) der.set([0x82, l >> 8, l & 0xff], (p += 3) - 3);
      else der.set([0x83, l >> 16, (l >> 8) & 0xff, l & 0xff], (p += 4) - 4);
    }
    der.set([0x05, 0x00], p);
    expect(p + 2).toBe(len);
    const e = lpaErrorOf(() => parseTlv(der, 'deep'));
    expect(e.code).toBe('ASN1_DECODE');
    expect(e.message).toMatch(/deeper than 16/);
  });

  it('accepts nesting up to the limit', () => {
    let inner = fromHex('0500');
    for (let i = 1; i < TLV_LIMITS.maxDepth; i++) inner = tlv(0x30, inner);
    expect(() => parseTlv(inner, 'ok')).not.toThrow();
    expect(() => parseTlv(tlv(0x30, inner), 'too deep')).toThrow(/deeper/);
  });

  it('rejects inputs over the size limit', () => {
    const e = lpaErrorOf(() => parseTlvs(new Uint8Array(TLV_LIMITS.maxSize + 1), 'big'));
    expect(e.code).toBe('ASN1_DECODE');
  });

  it('never throws anything but ASN1_DECODE on random bytes', () => {
    const decoders = [parseTlvs, decodeEnableProfileResponse, decodeProfilesInfoResponse, decodeRetrieveNotificationsListResponse, decodeAuthenticateServerResponse];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: decoders.length - 1 }), (bytes, k) => {
        try {
          (decoders[k] as (b: Uint8Array, w: string) => unknown)(bytes, 'fuzz');
        } catch (e) {
          expect(isLpaError(e, 'ASN1_DECODE')).toBe(true);
        }
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('never throws anything but ASN1_DECODE on mutated valid answers', () => {
    const valid = fromHex('BF2D20A01EE3105A0A989444999999990940F99F700101E30A5A0A98882208000021436587');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, b) => {
        const m = valid.slice();
        m[i] = b;
        try {
          decodeProfilesInfoResponse(m);
        } catch (e) {
          expect(isLpaError(e, 'ASN1_DECODE')).toBe(true);
        }
      }),
      { seed: 11, numRuns: 1000 },
    );
  });
});

describe('primitive readers and writers', () => {
  const one = (hex: string) => parseTlv(fromHex(hex), 'v');

  it('INTEGER', () => {
    expect(toHex(encInt(0x80, 0))).toBe('800100');
    expect(toHex(encInt(0x80, 127))).toBe('80017F');
    expect(toHex(encInt(0x80, 128))).toBe('80020080');
    expect(toHex(encInt(0x02, -1))).toBe('0201FF');
    expect(toHex(encInt(0x02, 256))).toBe('02020100');
    expect(readInt(one('80020080'), 'v')).toBe(128);
    expect(readInt(one('0201FF'), 'v')).toBe(-1);
    expect(() => readInt(one('8000'), 'v')).toThrow(/empty INTEGER/);
    expect(() => readInt(one('800701020304050607'), 'v')).toThrow(/out of range/);
  });

  it('BIT STRING', () => {
    expect(toHex(encBits(0x81, [1]))).toBe('81020640');
    expect(toHex(encBits(0x81, [0, 3]))).toBe('81020490');
    expect(toHex(encBits(0x81, []))).toBe('810100');
    expect(toHex(encBits(0x81, [8]))).toBe('8103070080');
    expect(readBits(one('81020640'), 'v')).toEqual([1]);
    expect(readBits(one('8103070080'), 'v')).toEqual([8]);
    expect(() => readBits(one('8100'), 'v')).toThrow(/unused-bits/);
    expect(() => readBits(one('81020840'), 'v')).toThrow(/unused bits/);
  });

  it('OBJECT IDENTIFIER', () => {
    expect(toHex(encOid(0x06, '2.999.10'))).toBe('060388370A');
    expect(toHex(encOid(0x81, '1.2.840.10045.4.3.2'))).toBe('81082A8648CE3D040302');
    expect(readOid(one('060388370A'), 'v')).toBe('2.999.10');
    expect(() => readOid(one('0600'), 'v')).toThrow(/OBJECT IDENTIFIER/);
    expect(() => readOid(one('060188'), 'v')).toThrow(/OBJECT IDENTIFIER/);
    expect(() => encOid(0x06, 'abc')).toThrow(LpaError);
  });

  it('UTF8String must be valid UTF-8', () => {
    expect(readUtf8(one('0C03E282AC'), 'v')).toBe('€');
    expect(lpaErrorOf(() => readUtf8(one('0C02C328'), 'v')).code).toBe('ASN1_DECODE');
  });
});
