// The large-profile case: the same TS.48 profile grown to a given size by one SAIP nonStandard
// profile element (A9: issuer OID + OCTET STRING) before its End element, in a profile folder of its
// own for the local SM-DP+. Downloaded like the small one; the bench compares wall and peak RSS.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.mjs';

/** DER length octets. */
function derLength(n) {
  if (n < 0x80) return [n];
  const bytes = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

const tlv = (tag, value) => Buffer.concat([Buffer.from([...tag, ...derLength(value.length)]), value]);

/** An arbitrary private-enterprise OID for the filler element (1.3.6.1.4.1.99999.1). */
const FILLER_OID = Buffer.from('06092b06010401868d1f01', 'hex');

/**
 * `base` (a SAIP package ending with its End element, AA) grown to exactly `size` bytes (or left
 * as it is when already that large) by a nonStandard element placed before the End element.
 */
export function growPackage(base, size) {
  const endAt = base.lastIndexOf(0xaa, base.length - 2);
  if (endAt < 0 || base[endAt + 1] !== base.length - endAt - 2) throw new Error('the package does not end with a short End element (AA)');
  const room = size - base.length;
  if (room <= 16) return base;
  // find the content length that makes the element fill the room exactly (its length octets grow with it)
  let content = room - 16;
  for (;;) {
    const pe = tlv([0xa9], Buffer.concat([FILLER_OID, tlv([0x04], Buffer.alloc(content))]));
    if (pe.length === room) break;
    content += room - pe.length;
    if (content <= 0) return base;
  }
  const filler = Buffer.alloc(content);
  for (let i = 0; i < content; i++) filler[i] = (i * 131 + 7) & 0xff;
  const pe = tlv([0xa9], Buffer.concat([FILLER_OID, tlv([0x04], filler)]));
  return Buffer.concat([base.subarray(0, endAt), pe, base.subarray(endAt)]);
}

/**
 * Writes `<dir>/<id>/<id>.der` (one profile folder per size: they share the ICCID), `baseProfile`
 * grown to `size` bytes; returns the matching id and the folder for the SM-DP+.
 */
export function writeLargeProfile(dir, baseProfile, size) {
  const base = readFileSync(join(ROOT, 'data', 'upp', `${baseProfile}.der`));
  const pkg = growPackage(base, size);
  const id = pkg.length === base.length ? baseProfile : `BENCH-${Math.round(size / 1024)}K`;
  const folder = join(dir, id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${id}.der`), pkg);
  return { id, folder };
}
