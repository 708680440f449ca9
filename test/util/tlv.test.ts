import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeOid, encodeLength, encodeOidValue, encodeTlv, readChildren, readSingleTlv, readTlv, tagBytes } from '../../src/crypto/tlv.js';
import { isLpaError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';

describe('crypto TLV reader/writer', () => {
  it('encodes golden lengths, tags and TLVs', () => {
    expect(toHex(encodeLength(0x7f))).toBe('7F');
    expect(toHex(encodeLength(0x80))).toBe('8180');
    expect(toHex(encodeLength(0x408))).toBe('820408');
    expect(toHex(encodeLength(0x10000))).toBe('83010000');
    expect(toHex(tagBytes(0xbf36))).toBe('BF36');
    expect(toHex(tagBytes(0x5f49))).toBe('5F49');
    expect(toHex(encodeTlv(0x5f37, new Uint8Array(64)).subarray(0, 3))).toBe('5F3740');
    expect(toHex(encodeTlv(0xa0, fromHex('8001'), fromHex('02')))).toBe('A003800102');
  });

  it('reads multi-byte tags and long lengths with exact offsets', () => {
    const t = readSingleTlv(fromHex('BF3603820102'), 'x');
    expect(t.tag).toBe(0xbf36);
    expect(t.constructed).toBe(true);
    expect(toHex(t.header)).toBe('BF3603');
    const long = readTlv(fromHex('048200020102FF'), 0);
    expect(toHex(long.value)).toBe('0102');
    expect(long.end).toBe(6);
    expect(readChildren(fromHex('800101810102')).map((c) => c.tag)).toEqual([0x80, 0x81]);
  });

  it('rejects indefinite, oversized, truncated and trailing data with ASN1_DECODE', () => {
    for (const hex of ['3080', '3085FFFFFFFFFF', '048201', '0405010203', 'BFFFFFFF7F00', '9F', '', '0400FF']) {
      expect(() => readSingleTlv(fromHex(hex), 'x')).toThrow(expect.objectContaining({ code: 'ASN1_DECODE' }));
    }
    expect(() => readChildren(fromHex('800080008000'), 0, 6, 2)).toThrow(/more than 2 elements/);
  });

  it('OIDs round-trip', () => {
    for (const oid of ['1.2.840.10045.3.1.7', '1.3.36.3.3.2.8.1.1.7', '2.23.146.1.2.1.4', '2.999.10', '2.5.29.14']) {
      expect(decodeOid(encodeOidValue(oid))).toBe(oid);
    }
    expect(toHex(encodeOidValue('2.999.10'))).toBe('88370A');
    expect(decodeOid(fromHex('883705'))).toBe('2.999.5'); // the EUM's SAN registeredID
    expect(() => decodeOid(fromHex('2A86'))).toThrow(expect.objectContaining({ code: 'ASN1_DECODE' }));
  });

  it('never throws anything but LpaError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readChildren(bytes);
        } catch (e) {
          expect(isLpaError(e, 'ASN1_DECODE')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
