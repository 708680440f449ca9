import { describe, expect, it } from 'vitest';
import { bspSharedInfo, deriveSessionKeys, eidToBytes, x963Kdf } from '../../src/crypto/kdf.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { isLpaError } from '../../src/errors.js';
import { vector } from './vector.js';

describe('X9.63 KDF (SHA-256)', () => {
  it('matches a known answer computed independently (SHA-256(Z || 00000001 || info))', () => {
    // Z = 32 x 0x01, sharedInfo = "abc"; expected from `openssl dgst -sha256` of Z||00000001||abc and Z||00000002||abc.
    const z = new Uint8Array(32).fill(1);
    const info = new TextEncoder().encode('abc');
    const out = x963Kdf(z, info, 40);
    expect(toHex(out)).toBe('140ADA1E83E7CE083FB1B26AFDE923B0B07FE0F607587E19C5231E4807DEEB4E' + 'E7604D770A589371');
    expect(out.length).toBe(40);
  });

  it('derives initial MCV, S-ENC, S-MAC (in that order) exactly as in the captured session', () => {
    const k = vector.bspKeyDerivation;
    expect(toHex(bspSharedInfo({ hostId: fromHex(k.hostId), eid: k.eid }))).toBe(
      `8810 08 ${k.hostId} 10 ${k.eid}`.replace(/ /g, '').toUpperCase(),
    );
    const keys = deriveSessionKeys(fromHex(k.sharedSecret), { hostId: fromHex(k.hostId), eid: k.eid, keyType: k.keyType, keyLength: k.keyLength });
    expect(toHex(keys.initialMcv)).toBe(k.initialMcv.toUpperCase());
    expect(toHex(keys.sEnc)).toBe(k.sEnc.toUpperCase());
    expect(toHex(keys.sMac)).toBe(k.sMac.toUpperCase());
  });

  it('rejects malformed EIDs, host ids and key types with typed errors', () => {
    expect(() => eidToBytes('1234')).toThrow(expect.objectContaining({ code: 'INVALID_EID' }));
    const e = (() => {
      try {
        deriveSessionKeys(new Uint8Array(32), { hostId: new Uint8Array(0), eid: vector.bspKeyDerivation.eid });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(isLpaError(e, 'CRYPTO')).toBe(true);
    expect(() => deriveSessionKeys(new Uint8Array(32), { hostId: Uint8Array.of(1), eid: vector.bspKeyDerivation.eid, keyType: 0x80 })).toThrow(
      /unsupported BSP key/,
    );
  });
});
