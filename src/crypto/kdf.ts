/**
 * Key derivation for the BSP session (SGP.22 2.6.4): ANSI X9.63 KDF with SHA-256 over the ECDH
 * shared secret and sharedInfo = keyType || keyLength || len(hostId) || hostId || len(EID) || EID.
 * The 48 output bytes are, in order: initial MAC chaining value, S-ENC, S-MAC.
 */

import { createHash } from 'node:crypto';
import { LpaError } from '../errors.js';
import { concatBytes } from '../util/hex.js';

/** X9.63 KDF (SHA-256): SHA-256(Z || counter32 || sharedInfo) for counter = 1, 2, ... */
export function x963Kdf(sharedSecret: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 32 * 1024) {
    throw new LpaError('CRYPTO', `X9.63 KDF: unsupported output length ${length}`, { length });
  }
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let i = 1, off = 0; off < length; i++, off += 32) {
    new DataView(counter.buffer).setUint32(0, i);
    const block = createHash('sha256').update(sharedSecret).update(counter).update(sharedInfo).digest();
    out.set(block.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

/** The EID (32 decimal digits) as 16 bytes of packed BCD, first digit in the high nibble. */
export function eidToBytes(eid: string): Uint8Array {
  if (!/^\d{32}$/.test(eid)) throw new LpaError('INVALID_EID', `EID must be 32 decimal digits, got "${eid.slice(0, 40)}"`);
  return Uint8Array.from(Buffer.from(eid, 'hex'));
}

export interface BspKeyParams {
  /** hostId from the ControlRefTemplate (1..16 bytes). */
  hostId: Uint8Array;
  /** EID as 32 digits or as its 16 BCD bytes. */
  eid: string | Uint8Array;
  /** ControlRefTemplate keyType; SGP.22 requires 0x88 (AES). */
  keyType?: number;
  /** ControlRefTemplate keyLen; SGP.22 requires 0x10. */
  keyLength?: number;
}

export interface SessionKeys {
  initialMcv: Uint8Array;
  sEnc: Uint8Array;
  sMac: Uint8Array;
}

/** sharedInfo for the BSP KDF. */
export function bspSharedInfo(params: BspKeyParams): Uint8Array {
  const keyType = params.keyType ?? 0x88;
  const keyLength = params.keyLength ?? 0x10;
  const eid = typeof params.eid === 'string' ? eidToBytes(params.eid) : params.eid;
  if (params.hostId.length < 1 || params.hostId.length > 16) {
    throw new LpaError('CRYPTO', `hostId must be 1..16 bytes, got ${params.hostId.length}`, { length: params.hostId.length });
  }
  if (eid.length !== 16) throw new LpaError('INVALID_EID', `EID must be 16 bytes, got ${eid.length}`);
  return concatBytes(
    Uint8Array.of(keyType, keyLength, params.hostId.length),
    params.hostId,
    Uint8Array.of(eid.length),
    eid,
  );
}

/** Derives initial MCV, S-ENC and S-MAC from the ECDH shared secret. */
export function deriveSessionKeys(sharedSecret: Uint8Array, params: BspKeyParams): SessionKeys {
  const keyType = params.keyType ?? 0x88;
  const keyLength = params.keyLength ?? 0x10;
  if (keyType !== 0x88 || keyLength !== 0x10) {
    throw new LpaError('CRYPTO', `unsupported BSP key: type ${keyType.toString(16)}, length ${keyLength} (need AES-128: 88/16)`, {
      keyType,
      keyLength,
    });
  }
  const out = x963Kdf(sharedSecret, bspSharedInfo(params), 48);
  return { initialMcv: out.slice(0, 16), sEnc: out.slice(16, 32), sMac: out.slice(32, 48) };
}
