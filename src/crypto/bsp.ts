/**
 * The BSP (SGP.22 2.6.4.4/2.6.4.5): protection of the bound profile package's 86/87/88 TLVs.
 *
 * Encryption (87, 86): pad with 80 00.. to a 16-byte multiple, AES-128-CBC under S-ENC with
 * ICV = AES-ECB(S-ENC, counter as 16 big-endian bytes). The counter starts at 1 and advances once
 * per protected TLV, MAC-only 88 TLVs included (checked against the captured download: the A2 87
 * that follows one 87 and one 88 uses counter 3).
 * MAC (all three): C = AES-CMAC(S-MAC, MCV || tag || length || data), where length counts the 8 MAC
 * bytes and data is the (encrypted) value; the TLV carries C[0..8) and C becomes the next MCV.
 * ReplaceSessionKeys switches to PPK-ENC / PPK-MAC / a new MCV with the counter back at 1.
 */

import { timingSafeEqual } from 'node:crypto';
import { LpaError } from '../errors.js';
import { concatBytes } from '../util/hex.js';
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac, aesEcbEncrypt } from './cmac.js';
import type { SessionKeys } from './kdf.js';
import { encodeLength, readSingleTlv, tagBytes } from '../util/tlv.js';

export const BSP_MAC_LENGTH = 8;

export interface WrapOptions {
  /** Encrypt the value (86, 87) or MAC it only (88). */
  encrypt: boolean;
}

export interface UnwrapOptions {
  /** The value is encrypted (86, 87) or MACed only (88). */
  encrypted: boolean;
  /** When given, the TLV must carry this tag. */
  tag?: number;
}

function tagName(tag: number): string {
  return tag.toString(16).toUpperCase();
}

/** Appends 80 00.. up to the next multiple of 16 (always at least one byte). */
export function padIso9797M2(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / 16) + 1) * 16);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Removes 80 00.. padding; returns undefined when the padding is malformed. */
export function unpadIso9797M2(data: Uint8Array): Uint8Array | undefined {
  let i = data.length - 1;
  while (i >= 0 && data.length - i <= 16 && data[i] === 0) i--;
  if (i < 0 || data[i] !== 0x80 || data.length - i > 16) return undefined;
  return data.subarray(0, i);
}

export class BspSession {
  #sEnc: Uint8Array;
  #sMac: Uint8Array;
  #mcv: Uint8Array;
  #counter = 1;

  constructor(keys: SessionKeys) {
    this.#sEnc = checkKey(keys.sEnc, 'S-ENC');
    this.#sMac = checkKey(keys.sMac, 'S-MAC');
    this.#mcv = checkKey(keys.initialMcv, 'initial MCV');
  }

  /** Current MAC chaining value (16 bytes, a copy). */
  get mcv(): Uint8Array {
    return this.#mcv.slice();
  }

  /** Block counter the next TLV will use for its ICV (starts at 1, +1 per TLV, encrypted or not). */
  get counter(): number {
    return this.#counter;
  }

  /** SM-DP+ side: protects `plaintext` as one TLV with `tag` (full TLV bytes, MAC appended). */
  wrap(tag: number, plaintext: Uint8Array, options: WrapOptions): Uint8Array {
    const data = options.encrypt ? aesCbcEncrypt(this.#sEnc, this.#icv(), padIso9797M2(plaintext)) : plaintext;
    const header = concatBytes(tagBytes(tag), encodeLength(data.length + BSP_MAC_LENGTH));
    const mac = aesCmac(this.#sMac, concatBytes(this.#mcv, header, data));
    this.#mcv = mac;
    this.#counter++;
    return concatBytes(header, data, mac.subarray(0, BSP_MAC_LENGTH));
  }

  /**
   * eUICC side: verifies the MAC of one protected TLV, then (for encrypted TLVs) decrypts it and
   * strips the padding. The session state only advances when the TLV is accepted.
   */
  unwrap(tlvBytes: Uint8Array, options: UnwrapOptions): Uint8Array {
    const t = readSingleTlv(tlvBytes, 'BSP-protected TLV');
    const tag = tagName(t.tag);
    if (options.tag !== undefined && t.tag !== options.tag) {
      throw new LpaError('CRYPTO', `BSP: expected a ${tagName(options.tag)} TLV, got ${tag}`, { failure: 'tag', tag });
    }
    if (t.value.length < BSP_MAC_LENGTH) {
      throw new LpaError('CRYPTO', `BSP: ${tag} TLV of ${t.value.length} bytes is too short for its MAC`, {
        failure: 'length',
        tag,
        length: t.value.length,
      });
    }
    const data = t.value.subarray(0, t.value.length - BSP_MAC_LENGTH);
    const received = t.value.subarray(t.value.length - BSP_MAC_LENGTH);
    const mac = aesCmac(this.#sMac, concatBytes(this.#mcv, t.header, data));
    if (!timingSafeEqual(mac.subarray(0, BSP_MAC_LENGTH), received)) {
      throw new LpaError('CRYPTO', `BSP: MAC verification failed for a ${tag} TLV (${t.value.length} bytes)`, {
        failure: 'mac',
        tag,
        length: t.value.length,
      });
    }
    if (!options.encrypted) {
      this.#mcv = mac;
      this.#counter++;
      return data.slice();
    }
    if (data.length === 0 || data.length % 16 !== 0) {
      throw new LpaError('CRYPTO', `BSP: encrypted ${tag} data of ${data.length} bytes is not whole AES blocks`, {
        failure: 'ciphertextLength',
        tag,
        length: data.length,
      });
    }
    const padded = aesCbcDecrypt(this.#sEnc, this.#icv(), data);
    const plain = unpadIso9797M2(padded);
    if (plain === undefined) {
      throw new LpaError('CRYPTO', `BSP: bad padding after decrypting a ${tag} TLV (wrong S-ENC or counter?)`, {
        failure: 'padding',
        tag,
        counter: this.#counter,
      });
    }
    this.#mcv = mac;
    this.#counter++;
    return plain.slice();
  }

  /** Switches to the keys of ReplaceSessionKeys (PPK-ENC, PPK-MAC, initial MCV); counter restarts at 1. */
  replaceSessionKeys(ppkEnc: Uint8Array, ppkMac: Uint8Array, initialMcv: Uint8Array): void {
    this.#sEnc = checkKey(ppkEnc, 'PPK-ENC');
    this.#sMac = checkKey(ppkMac, 'PPK-MAC');
    this.#mcv = checkKey(initialMcv, 'initial MCV');
    this.#counter = 1;
  }

  /** Keeps keys out of logs and JSON dumps. */
  toJSON(): { counter: number } {
    return { counter: this.#counter };
  }

  #icv(): Uint8Array {
    const block = new Uint8Array(16);
    let c = this.#counter;
    for (let i = 15; i >= 0 && c > 0; i--) {
      block[i] = c & 0xff;
      c = Math.floor(c / 256);
    }
    return aesEcbEncrypt(this.#sEnc, block);
  }
}

function checkKey(k: Uint8Array, what: string): Uint8Array {
  if (k.length !== 16) throw new LpaError('CRYPTO', `BSP ${what} must be 16 bytes, got ${k.length}`, { what, length: k.length });
  return k.slice();
}
