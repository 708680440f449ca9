import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeOid, encodeOidValue } from '../../src/util/asn1Values.js';
import { childrenOf, encodeLength, encodeTlv, readSingleTlv, readTlv, readTlvHeader, readTlvs, tagBytes } from '../../src/util/tlv.js';
import { isLpaError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';

describe('TLV one-level reader and writer', () => {
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
    expect(readTlvs(fromHex('800101810102')).map((c) => c.tag)).toEqual([0x80, 0x81]);
  });

  it('rejects indefinite, oversized, truncated and trailing data with ASN1_DECODE', () => {
    for (const hex of ['3080', '3085FFFFFFFFFF', '048201', '0405010203', 'BFFFFFFF7F00', '9F', '', '0400FF']) {
      expect(() => readSingleTlv(fromHex(hex), 'x')).toThrow(expect.objectContaining({ code: 'ASN1_DECODE' }));
    }
    expect(() => readTlvs(fromHex('800080008000'), 'x', 2, 0, 6)).toThrow(/more than 2 elements/);
  });

  it('reads a header whose value has not arrived, and rejects a malformed one', () => {
    expect(readTlvHeader(fromHex('A3820400'), 0, 4, 'x')).toEqual({ tag: 0xa3, constructed: true, headerLength: 4, length: 0x400 });
    expect(readTlvHeader(fromHex('BF3681FF'), 0, 4, 'x')).toMatchObject({ tag: 0xbf36, headerLength: 4, length: 255 });
    for (const hex of ['', 'A3', 'A382', '0000', 'A380', 'BF']) {
      expect(() => readTlvHeader(fromHex(hex), 0, hex.length / 2, 'group')).toThrow(expect.objectContaining({ code: 'ASN1_DECODE' }));
    }
  });

  it('one-level lists are bounded by the caller and name what failed', () => {
    const seq = readSingleTlv(fromHex('3006020101020102'), 'ECDSA-Sig-Value', 0x30);
    expect(childrenOf(seq, 2).map((c) => toHex(c.raw))).toEqual(['020101', '020102']);
    expect(() => childrenOf(seq, 1)).toThrow(/more than 1 elements/);
    expect(() => readSingleTlv(fromHex('3000'), 'Certificate', 0x31)).toThrow(/Certificate: expected tag 31, found 30/);
    expect(() => readSingleTlv(fromHex('0000'), 'x')).toThrow(/end-of-contents/);
    // a one-level read does not look inside: a constructed value that is not TLVs is still read
    expect(toHex(readSingleTlv(fromHex('A102FFFF'), 'x').value)).toBe('FFFF');
  });

  it('OIDs round-trip', () => {
    for (const oid of ['1.2.840.10045.3.1.7', '1.3.36.3.3.2.8.1.1.7', '2.23.146.1.2.1.4', '2.999.10', '2.5.29.14']) {
      expect(decodeOid(encodeOidValue(oid))).toBe(oid);
    }
    expect(toHex(encodeOidValue('2.999.10'))).toBe('88370A');
    expect(decodeOid(fromHex('883705'))).toBe('2.999.5'); // the EUM's SAN registeredID
    expect(() => decodeOid(fromHex('2A86'))).toThrow(expect.objectContaining({ code: 'ASN1_DECODE' }));
    expect(toHex(encodeOidValue('1.2.840.10045.3.1.7'))).toBe('2A8648CE3D030107');
    expect(decodeOid(fromHex('2A8648CE3D030107'))).toBe('1.2.840.10045.3.1.7');
    for (const bad of ['1', '3.1', '1.40.1', '0.39.', '1.2.a', '2.1.99999999999999999999']) {
      expect(() => encodeOidValue(bad)).toThrow(expect.objectContaining({ code: 'ASN1_ENCODE' }));
    }
    expect(() => decodeOid(fromHex('2AFFFFFFFFFFFFFF7F'))).toThrow(/too large/);
  });

  it('never throws anything but LpaError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readTlvs(bytes);
        } catch (e) {
          expect(isLpaError(e, 'ASN1_DECODE')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
