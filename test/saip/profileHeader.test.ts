import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSaipIccid } from '../../src/saip/profileHeader.js';
import { concatBytes, fromHex } from '../../src/util/hex.js';
import { dataPath } from '../../src/util/data.js';
import { lpaErrorOf } from '../util/lpaError.js';

const pkg = new Uint8Array(readFileSync(dataPath('upp', 'TS48V1-A-UNIQUE.der')));

describe('readSaipIccid', () => {
  it('reads the plain-BCD ICCID of a TS.48 ProfileHeader', () => {
    expect(readSaipIccid(pkg)).toBe('8949449999999990023');
    // a minimal header: A0 { 83 <10 bytes, F-padded> }
    expect(readSaipIccid(fromHex('A00C830A8949449999999990023F'))).toBe('8949449999999990023');
  });

  it('refuses an empty package, a first element that is not A0, and a malformed rest', () => {
    const err = (bytes: Uint8Array): string => {
      const e = lpaErrorOf(() => readSaipIccid(bytes, 'pkg'));
      expect(e.code).toBe('ASN1_DECODE');
      return e.message;
    };
    expect(err(new Uint8Array(0))).toMatch(/pkg is empty/);
    expect(err(fromHex('A103800100'))).toMatch(/first element is tag A1/);
    expect(err(concatBytes(pkg, fromHex('A105')))).toMatch(/claims 5 bytes/);
    expect(err(fromHex('A003800100'))).toMatch(/no 10-byte iccid/);
  });
});
