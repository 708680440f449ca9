import { LpaError } from '../errors.js';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Upper-case hex of bytes, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/** Parses hex (any case, no separators, even length); throws INVALID_HEX otherwise. */
export function fromHex(hex: string, what = 'hex string'): Uint8Array {
  if (!HEX_RE.test(hex)) {
    throw new LpaError('INVALID_HEX', `${what} is not valid hex: ${hex.length > 40 ? `${hex.slice(0, 40)}...` : hex}`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function isHex(hex: string): boolean {
  return HEX_RE.test(hex);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
