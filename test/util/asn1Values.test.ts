import { describe, expect, it } from 'vitest';
import { decodeIntegerValue, decodeOid, encodeIntegerValue, encodeOidValue } from '../../src/util/asn1Values.js';
import { fromHex, toHex } from '../../src/util/hex.js';

describe('INTEGER and OBJECT IDENTIFIER values through asn1js', () => {
  it.each([
    [0, '00'],
    [127, '7F'],
    [128, '0080'],
    [-1, 'FF'],
    [-129, 'FF7F'],
    [8388608, '00800000'], // 4 bytes: asn1js valueDec would say 0 here
    [-8388609, 'FF7FFFFF'],
    [2 ** 40, '010000000000'],
  ])('%i <-> %s', (n, hex) => {
    expect(toHex(encodeIntegerValue(n))).toBe(hex);
    expect(decodeIntegerValue(fromHex(hex))).toBe(n);
  });

  it('refuses empty and oversized INTEGERs and unsafe numbers', () => {
    expect(() => decodeIntegerValue(new Uint8Array(0))).toThrow(/empty INTEGER/);
    expect(() => decodeIntegerValue(new Uint8Array(7))).toThrow(/out of range/);
    expect(() => encodeIntegerValue(2 ** 60)).toThrow(/safe integer/);
  });

  it.each([
    ['1.2.840.10045.4.3.2', '2A8648CE3D040302'],
    ['2.999.10', '883 70A'.replace(' ', '')],
    ['2.23.146.1.2.1.0', '6781120102010 0'.replace(' ', '')],
  ])('OID %s <-> %s', (oid, hex) => {
    expect(toHex(encodeOidValue(oid))).toBe(hex);
    expect(decodeOid(fromHex(hex))).toBe(oid);
  });

  it('refuses malformed OIDs both ways', () => {
    expect(() => decodeOid(new Uint8Array(0))).toThrow(/length/);
    expect(() => decodeOid(fromHex('2A86'))).toThrow(/truncated/);
    expect(() => decodeOid(fromHex('FFFFFFFFFFFFFF7F'))).toThrow(/too large/);
    for (const bad of ['3.1', '1.40', '1', '1..2', 'a.b']) expect(() => encodeOidValue(bad)).toThrow(/bad OBJECT IDENTIFIER/);
  });
});
