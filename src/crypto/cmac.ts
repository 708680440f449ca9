/**
 * AES-128 primitives for the BSP: single-block AES-ECB, AES-CBC without padding, and AES-CMAC
 * (RFC 4493) built on AES-ECB.
 */

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { LpaError } from '../errors.js';

function checkKey(key: Uint8Array): void {
  if (key.length !== 16) throw new LpaError('CRYPTO', `AES-128 key must be 16 bytes, got ${key.length}`, { length: key.length });
}

/** AES-128-ECB encryption of whole blocks (no padding). */
export function aesEcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  if (data.length % 16 !== 0) throw new LpaError('CRYPTO', `AES-ECB input must be whole blocks, got ${data.length} bytes`);
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** AES-128-CBC encryption of whole blocks (no padding). */
export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  if (data.length % 16 !== 0) throw new LpaError('CRYPTO', `AES-CBC input must be whole blocks, got ${data.length} bytes`);
  const c = createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** AES-128-CBC decryption of whole blocks (no padding removal). */
export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  if (data.length % 16 !== 0) {
    throw new LpaError('CRYPTO', `AES-CBC ciphertext must be whole 16-byte blocks, got ${data.length} bytes`, {
      failure: 'ciphertextLength',
      length: data.length,
    });
  }
  const d = createDecipheriv('aes-128-cbc', key, iv);
  d.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

function shiftLeft1(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((b[i]! << 1) | (i < 15 ? b[i + 1]! >>> 7 : 0)) & 0xff;
  return out;
}

/** RFC 4493 subkeys K1, K2. */
export function cmacSubkeys(key: Uint8Array): { k1: Uint8Array; k2: Uint8Array } {
  const l = aesEcbEncrypt(key, new Uint8Array(16));
  const k1 = shiftLeft1(l);
  if (l[0]! & 0x80) k1[15]! ^= 0x87;
  const k2 = shiftLeft1(k1);
  if (k1[0]! & 0x80) k2[15]! ^= 0x87;
  return { k1, k2 };
}

/** AES-CMAC (RFC 4493) of `message` under a 16-byte key; returns the full 16-byte tag. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const { k1, k2 } = cmacSubkeys(key);
  const n = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  const last = new Uint8Array(16);
  const lastStart = (n - 1) * 16;
  if (complete) {
    for (let i = 0; i < 16; i++) last[i] = message[lastStart + i]! ^ k1[i]!;
  } else {
    const rem = message.length - lastStart;
    for (let i = 0; i < rem; i++) last[i] = message[lastStart + i]!;
    last[rem] = 0x80;
    for (let i = 0; i < 16; i++) last[i]! ^= k2[i]!;
  }
  // CBC-MAC with a zero IV over M_1..M_{n-1} || last; the tag is the final ciphertext block.
  const c = createCipheriv('aes-128-cbc', key, new Uint8Array(16));
  c.setAutoPadding(false);
  if (n > 1) c.update(message.subarray(0, lastStart));
  const tag = c.update(last);
  c.final();
  return new Uint8Array(tag);
}
