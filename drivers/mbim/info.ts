/**
 * MBIM InfoBuffers (libmbim mbim-message.c; transport-facts 2.1): the fixed part first, variable
 * data after it, each item padded to 4 bytes; offsets count from the start of the InfoBuffer.
 * Strings are {offset, size} in bytes of UTF-16LE without NUL (empty = {0, 0}); byte arrays are
 * {offset, size}, except the UICC low-level-access ones: {size, offset}.
 */
import { bad, uuidBytes, uuidText } from './codec.js';

export type InfoField =
  | { u32: number }
  | { u16: number }
  | { uuid: string }
  | { string: string }
  /** {offset, size} to the bytes */
  | { bytes: Uint8Array }
  /** {size, offset} to the bytes (MS UICC low-level access) */
  | { uiccBytes: Uint8Array }
  /** inline bytes in the fixed part */
  | { raw: Uint8Array };

function fixedSize(f: InfoField): number {
  if ('u32' in f) return 4;
  if ('u16' in f) return 2;
  if ('uuid' in f) return 16;
  if ('raw' in f) return f.raw.length;
  return 8;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** Lays out `fields` as an InfoBuffer. */
export function buildInfo(fields: InfoField[]): Uint8Array {
  const fixed = fields.reduce((n, f) => n + fixedSize(f), 0);
  const vars: Uint8Array[] = fields.map((f) => ('string' in f ? new Uint8Array(Buffer.from(f.string, 'utf16le')) : 'bytes' in f ? f.bytes : 'uiccBytes' in f ? f.uiccBytes : new Uint8Array(0)));
  const total = fixed + vars.reduce((n, v) => n + pad4(v.length), 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let p = 0;
  let v = fixed;
  fields.forEach((f, i) => {
    if ('u32' in f) dv.setUint32(p, f.u32 >>> 0, true);
    else if ('u16' in f) dv.setUint16(p, f.u16, true);
    else if ('uuid' in f) out.set(uuidBytes(f.uuid), p);
    else if ('raw' in f) out.set(f.raw, p);
    else {
      const data = vars[i]!;
      const offset = data.length === 0 && 'string' in f ? 0 : v;
      if ('uiccBytes' in f) {
        dv.setUint32(p, data.length, true);
        dv.setUint32(p + 4, offset, true);
      } else {
        dv.setUint32(p, offset, true);
        dv.setUint32(p + 4, data.length, true);
      }
      out.set(data, v);
      v += pad4(data.length);
    }
    p += fixedSize(f);
  });
  return out;
}

/** Bounded reads from an InfoBuffer; every problem is TRANSPORT_BAD_FRAME naming `what`. */
export class InfoReader {
  private readonly dv: DataView;

  constructor(
    readonly info: Uint8Array,
    private readonly what: string,
  ) {
    this.dv = new DataView(info.buffer, info.byteOffset, info.length);
  }

  get length(): number {
    return this.info.length;
  }

  u32(off: number, field: string): number {
    if (off + 4 > this.info.length) throw bad(`${this.what}: ${field} missing (${this.info.length} bytes)`);
    return this.dv.getUint32(off, true);
  }

  u16(off: number, field: string): number {
    if (off + 2 > this.info.length) throw bad(`${this.what}: ${field} missing (${this.info.length} bytes)`);
    return this.dv.getUint16(off, true);
  }

  uuid(off: number, field: string): string {
    if (off + 16 > this.info.length) throw bad(`${this.what}: ${field} missing`);
    return uuidText(this.info.subarray(off, off + 16));
  }

  private span(offset: number, size: number, field: string, max: number): Uint8Array {
    if (size === 0) return new Uint8Array(0);
    if (size > max || offset > this.info.length || size > this.info.length - offset) {
      throw bad(`${this.what}: ${field} claims ${size} bytes at offset ${offset} of ${this.info.length}`);
    }
    return this.info.slice(offset, offset + size);
  }

  /** {offset, size} byte array at `off`. */
  bytes(off: number, field: string, max = 64 * 1024): Uint8Array {
    return this.span(this.u32(off, field), this.u32(off + 4, field), field, max);
  }

  /** {size, offset} byte array at `off` (MS UICC low-level access). */
  uiccBytes(off: number, field: string, max = 64 * 1024): Uint8Array {
    return this.span(this.u32(off + 4, field), this.u32(off, field), field, max);
  }

  /** {offset, size} UTF-16LE string at `off` (at most 1024 characters); control characters become '?'. */
  string(off: number, field: string): string {
    const b = this.bytes(off, field, 2048);
    if (b.length % 2 !== 0) throw bad(`${this.what}: ${field} has an odd byte count (${b.length})`);
    return Buffer.from(b).toString('utf16le').replace(/\0+$/, '').replace(/[\u0000-\u001f\u007f]/g, '?');
  }
}
