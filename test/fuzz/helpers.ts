/**
 * Shared pieces of the fuzz suite: the "only typed errors" check, byte and text mutators for
 * mutation fuzzing of real messages, a generator of well-formed BER-TLV trees (so decoders get
 * past the walker and into their field checks), and the captured ES9+ download session.
 *
 * Every property in test/fuzz uses a fixed seed so CI runs are reproducible; a failure prints
 * the seed and path, which `fc.assert(..., { seed, path })` replays.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { LpaError, type ErrorCode } from '../../src/errors.js';
import { parseTlv, type Tlv } from '../../src/util/tlv.js';
import { concatBytes } from '../../src/util/hex.js';

/**
 * Runs `f`; it may return or throw an LpaError whose code is in `codes`. Anything else (a
 * TypeError, a RangeError, a plain Error, an LpaError with another code) fails the property with
 * a message naming the input.
 */
export function onlyTyped<T>(f: () => T, codes: readonly ErrorCode[], input?: unknown): T | LpaError {
  try {
    return f();
  } catch (e) {
    if (e instanceof LpaError && codes.includes(e.code)) return e;
    const shown = input instanceof Uint8Array ? Buffer.from(input).toString('hex') : JSON.stringify(input)?.slice(0, 300);
    const what = e instanceof LpaError ? `LpaError ${e.code}: ${e.message}` : `${(e as Error)?.name}: ${(e as Error)?.message}`;
    throw new Error(`unexpected failure (${what}) on input ${shown}`, { cause: e });
  }
}

/** Async form of onlyTyped. */
export async function onlyTypedAsync<T>(f: () => Promise<T>, codes: readonly ErrorCode[], input?: unknown): Promise<T | LpaError> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof LpaError && codes.includes(e.code)) return e;
    const shown = JSON.stringify(input)?.slice(0, 300);
    const what = e instanceof LpaError ? `LpaError ${e.code}: ${e.message}` : `${(e as Error)?.name}: ${(e as Error)?.message}`;
    throw new Error(`unexpected failure (${what}) on input ${shown}`, { cause: e });
  }
}

/** An LpaError message must be one bounded human line, whatever the input. */
export function expectSaneMessage(e: unknown, max = 600): void {
  if (e instanceof LpaError) {
    expect(e.message.length).toBeLessThanOrEqual(max);
    expect(e.message.length).toBeGreaterThan(0);
  }
}

// ---------------------------------------------------------------------------------------------
// mutations

export type ByteMutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'dup'; at: number; count: number };

/** One mutation; positions are fractions of the input length (so they fit any input). */
export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 6 }),
      // length-ish bytes: long-form length prefixes that claim a lot
      fc.constantFrom(Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0x83, 0x7f, 0xff, 0xff), Uint8Array.of(0x80), Uint8Array.of(0x00, 0x00)),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
);

/** Applies mutations in order to a copy of `input`. */
export function mutate(input: Uint8Array, muts: readonly ByteMutation[]): Uint8Array {
  let b: Uint8Array = input.slice();
  for (const m of muts) {
    const n = b.length;
    const at = n === 0 ? 0 : m.at % (m.kind === 'insert' ? n + 1 : n);
    switch (m.kind) {
      case 'set':
        if (n > 0) b[at] = m.value;
        break;
      case 'flip':
        if (n > 0) b[at]! ^= 1 << m.bit;
        break;
      case 'insert':
        b = concatBytes(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      case 'delete':
        b = concatBytes(b.subarray(0, at), b.subarray(at + m.count));
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'dup':
        b = concatBytes(b.subarray(0, at + m.count), b.subarray(at));
        break;
    }
  }
  return b;
}

/** 1-4 mutations. */
export const byteMutations = fc.array(byteMutation, { minLength: 1, maxLength: 4 });

/** Character-level mutation of a text (JSON, AT lines, codes). */
export type TextMutation = { at: number; del: number; ins: string };

export const textMutations = fc.array(
  fc.record({
    at: fc.nat(),
    del: fc.integer({ min: 0, max: 4 }),
    ins: fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u', 'null', '1e999', '-0', '\u0000', '\ud800', '='),
    ),
  }),
  { minLength: 1, maxLength: 4 },
);

export function mutateText(s: string, muts: readonly TextMutation[]): string {
  let t = s;
  for (const m of muts) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    t = t.slice(0, at) + m.ins + t.slice(at + m.del);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// well-formed TLV trees

/** DER definite length bytes. */
function len(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n < 0x100) return Uint8Array.of(0x81, n);
  if (n < 0x10000) return Uint8Array.of(0x82, n >> 8, n & 0xff);
  return Uint8Array.of(0x83, n >> 16, (n >> 8) & 0xff, n & 0xff);
}

/** Tag bytes of a tag number written as its raw bytes (0xBF2D -> BF 2D). */
export function tagBytesOf(tag: number): Uint8Array {
  const out: number[] = [];
  for (let t = tag; t > 0; t = Math.floor(t / 256)) out.unshift(t % 256);
  return Uint8Array.from(out.length ? out : [0]);
}

export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  return concatBytes(tagBytesOf(tag), len(value.length), value);
}

/**
 * Tags SGP.22 ES10 messages use: context-specific primitive/constructed, the application tags
 * (5A ICCID, 4F AID, 5F37 signature, 5C tag list), a few private/application constructed ones.
 */
const PRIMITIVE_TAGS = [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x99, 0x5a, 0x4f, 0x5c, 0x5f37, 0x04, 0x02, 0x06, 0x0c, 0x9f70, 0x9f7f, 0x5f49, 0x01];
const CONSTRUCTED_TAGS = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0x30, 0x61, 0xe3, 0xb6, 0xb7, 0xbf20, 0xbf22, 0xbf27, 0xbf2f, 0xbf76, 0x7f21];

/** Primitive values that hit the interesting checks: sizes around 3/10/16/32/64, BCD, UTF-8, INTEGERs. */
const primitiveValue: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 3, 8, 10, 16, 32, 64, 65, 132, 133).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })) },
  { weight: 1, arbitrary: fc.constantFrom(Uint8Array.of(0), Uint8Array.of(0x7f), Uint8Array.of(0xff), Uint8Array.of(0x02, 0x00, 0x00), Uint8Array.of(0x07, 0x80)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))) },
);

export interface TlvTreeOptions {
  rootTag: number;
  maxDepth?: number;
}

/** A DER element with `rootTag` holding a random tree of ES10-like TLVs (always well-formed BER). */
export function tlvTree(opts: TlvTreeOptions): fc.Arbitrary<Uint8Array> {
  const { tree } = fc.letrec<{ tree: Uint8Array; node: Uint8Array }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.tuple(fc.constantFrom(...PRIMITIVE_TAGS), primitiveValue).map(([t, v]) => encodeTlv(t, v)),
      fc
        .tuple(fc.constantFrom(...CONSTRUCTED_TAGS), fc.array(tie('node'), { maxLength: 4 }))
        .map(([t, kids]) => encodeTlv(t, concatBytes(...kids))),
    ),
    // CHOICE answers hold exactly one element: make that the common case
    tree: fc
      .oneof({ weight: 2, arbitrary: tie('node').map((k) => [k]) }, { weight: 1, arbitrary: fc.array(tie('node'), { maxLength: 6 }) })
      .map((kids) => encodeTlv(opts.rootTag, concatBytes(...kids))),
  }));
  return tree;
}

// ---------------------------------------------------------------------------------------------
// structure-aware mutation: edit the TLV tree of a real message, then re-encode valid lengths

interface Node {
  tag: number;
  value?: Uint8Array;
  children?: Node[];
}

export type TreeMutation =
  | { kind: 'value'; node: number; bytes: Uint8Array }
  | { kind: 'drop'; node: number }
  | { kind: 'dup'; node: number }
  | { kind: 'retag'; node: number; tag: number }
  | { kind: 'insert'; node: number; tag: number; bytes: Uint8Array }
  | { kind: 'swap'; node: number };

export const treeMutations: fc.Arbitrary<TreeMutation[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('value' as const), node: fc.nat(), bytes: primitiveValue }),
    fc.record({ kind: fc.constant('drop' as const), node: fc.nat() }),
    fc.record({ kind: fc.constant('dup' as const), node: fc.nat() }),
    fc.record({ kind: fc.constant('retag' as const), node: fc.nat(), tag: fc.constantFrom(...PRIMITIVE_TAGS, ...CONSTRUCTED_TAGS) }),
    fc.record({ kind: fc.constant('insert' as const), node: fc.nat(), tag: fc.constantFrom(...PRIMITIVE_TAGS), bytes: primitiveValue }),
    fc.record({ kind: fc.constant('swap' as const), node: fc.nat() }),
  ),
  { minLength: 1, maxLength: 3 },
);

function toNode(t: Tlv): Node {
  return t.constructed ? { tag: t.tag, children: t.children.map(toNode) } : { tag: t.tag, value: t.value.slice() };
}

function fromNode(n: Node): Uint8Array {
  return encodeTlv(n.tag, n.children ? concatBytes(...n.children.map(fromNode)) : (n.value ?? new Uint8Array(0)));
}

/** All nodes with their parent (pre-order). */
function walk(root: Node): { node: Node; parent?: Node }[] {
  const out: { node: Node; parent?: Node }[] = [];
  const go = (n: Node, parent?: Node): void => {
    out.push(parent ? { node: n, parent } : { node: n });
    for (const c of n.children ?? []) go(c, n);
  };
  go(root);
  return out;
}

const isConstructedTag = (tag: number): boolean => {
  let first = tag;
  while (first > 0xff) first = Math.floor(first / 256);
  return (first & 0x20) !== 0;
};

/** Applies tree mutations to a valid DER element; the result is always valid BER again. */
export function mutateTree(der: Uint8Array, muts: readonly TreeMutation[]): Uint8Array {
  const root = toNode(parseTlv(der, 'corpus'));
  for (const m of muts) {
    const all = walk(root);
    const { node, parent } = all[m.node % all.length]!;
    switch (m.kind) {
      case 'value':
        if (!node.children) node.value = m.bytes;
        break;
      case 'drop':
        if (parent) parent.children!.splice(parent.children!.indexOf(node), 1);
        break;
      case 'dup':
        if (parent) parent.children!.splice(parent.children!.indexOf(node), 0, structuredClone(node));
        break;
      case 'retag':
        // keep the primitive/constructed form consistent with the new tag
        if (isConstructedTag(m.tag) === Boolean(node.children)) node.tag = m.tag;
        break;
      case 'insert':
        if (node.children) node.children.splice(m.node % (node.children.length + 1), 0, { tag: m.tag, value: m.bytes });
        break;
      case 'swap':
        if (node.children && node.children.length > 1) node.children.push(node.children.shift()!);
        break;
    }
  }
  return fromNode(root);
}

// ---------------------------------------------------------------------------------------------
// the captured session

export interface Exchange {
  function: string;
  request: Record<string, string>;
  httpStatus: number;
  response: Record<string, unknown>;
}

export interface SessionVector {
  es9p: Exchange[];
}

let cached: { text: string; json: SessionVector } | undefined;

/** The captured ES9+ download session (text as stored, and parsed). */
export function sessionVector(): { text: string; json: SessionVector } {
  if (!cached) {
    const text = readFileSync(new URL('../fixtures/vectors/es9p-download-session.json', import.meta.url), 'utf8');
    cached = { text, json: JSON.parse(text) as SessionVector };
  }
  return cached;
}

export const b64 = (s: unknown): Uint8Array => new Uint8Array(Buffer.from(String(s), 'base64'));
