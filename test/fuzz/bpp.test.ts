/**
 * Fuzz: the Bound Profile Package of the captured session (13 KB, 13 segments), mutated.
 *
 * - byte mutations of the whole package: parse / bppSequences / blocksNeeded fail with
 *   ASN1_DECODE only;
 * - structure-aware edits (values replaced, TLVs dropped, duplicated, retagged, inserted,
 *   reordered): whenever the package still parses, its STORE DATA sequences concatenate back to
 *   the exact input bytes (nothing re-encoded, nothing lost) and blocksNeeded matches them;
 * - the eUICC side (openBoundProfilePackage with the vector's session keys) on mutated packages:
 *   ASN1_DECODE or CRYPTO only, never another exception.
 * Complements test/es10/bpp.test.ts (single-byte sets in the first 600 bytes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BspSession } from '../../src/crypto/bsp.js';
import { deriveSessionKeys } from '../../src/crypto/kdf.js';
import { blocksNeeded, bppSequences, openBoundProfilePackage, parseBoundProfilePackage } from '../../src/es10/bpp.js';
import { LpaError } from '../../src/errors.js';
import { fromHex } from '../../src/util/hex.js';
import { b64, byteMutations, mutate, mutateTree, onlyTyped, sessionVector, treeMutations } from './helpers.js';

const { json, text } = sessionVector();
const raw = b64(json.es9p.find((e) => e.function === 'getBoundProfilePackage')!.response.boundProfilePackage);
const kd = (JSON.parse(text) as { bspKeyDerivation: { sharedSecret: string; hostId: string; eid: string } }).bspKeyDerivation;
const keys = deriveSessionKeys(fromHex(kd.sharedSecret), { hostId: fromHex(kd.hostId), eid: kd.eid });

/** Parses and splits; checks the sequences' invariants when the package is accepted. */
function parseAndSplit(bytes: Uint8Array): void {
  const r = onlyTyped(() => parseBoundProfilePackage(bytes), ['ASN1_DECODE'], { len: bytes.length });
  if (r instanceof LpaError) return;
  const seqs = bppSequences(r);
  expect(Buffer.concat(seqs.flat()).equals(Buffer.from(bytes))).toBe(true);
  expect(seqs.length === 4 || seqs.length === 5).toBe(true);
  expect(blocksNeeded(r)).toBe(seqs.flat().reduce((n, p) => n + Math.ceil(p.length / 255), 0));
}

describe('BPP: mutated captured package', () => {
  it('byte mutations anywhere in the 13 KB: only ASN1_DECODE', () => {
    fc.assert(
      fc.property(byteMutations, (muts) => parseAndSplit(mutate(raw, muts))),
      { seed: 0xb991, numRuns: 2000 },
    );
  });

  it('structure-aware edits: accepted packages split back into exactly their own bytes', () => {
    let accepted = 0;
    fc.assert(
      fc.property(treeMutations, (muts) => {
        const bytes = mutateTree(raw, muts);
        parseAndSplit(bytes);
        try {
          parseBoundProfilePackage(bytes);
          accepted++;
        } catch {
          // refused: checked above
        }
      }),
      { seed: 0xb992, numRuns: 1500 },
    );
    // the generator keeps many packages valid, so the invariant really gets exercised
    expect(accepted).toBeGreaterThan(100);
  });

  it('eUICC side: opening a mutated package fails with ASN1_DECODE or CRYPTO only', () => {
    fc.assert(
      fc.property(fc.oneof(byteMutations.map((m) => mutate(raw, m)), treeMutations.map((m) => mutateTree(raw, m))), (bytes) => {
        onlyTyped(() => openBoundProfilePackage(bytes, new BspSession(keys)), ['ASN1_DECODE', 'CRYPTO'], { len: bytes.length });
      }),
      { seed: 0xb993, numRuns: 500 },
    );
  });
});
