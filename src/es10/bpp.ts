/**
 * The bound profile package (BoundProfilePackage, tag BF36; SGP.22 2.5.5 and 2.6.4):
 *
 *   BF36 { BF23 InitialiseSecureChannel, A0 { 87 ConfigureISDP.. }, A1 { 88 StoreMetadata.. },
 *          [A2 { 87 ReplaceSessionKeys }], A3 { 86 profile segment.. } }
 *
 * Parsing keeps raw byte slices (the LPA forwards them to the eUICC unchanged) and bounds every
 * length. `bppSequences` gives the STORE DATA command payloads in the order the eUICC expects them.
 * The SM-DP+ side (`buildBoundProfilePackage`) protects the parts with a BSP session.
 * Parsing and encoding use the shared bounded TLV reader and writer (src/util/tlv.ts).
 */

import { LpaError } from '../errors.js';
import { concatBytes } from '../util/hex.js';
import { BspSession } from '../crypto/bsp.js';
import { ecdsaSign, ecdsaVerify, OTPK_TAG, SIGNATURE_TAG } from '../crypto/ecdsa.js';
import { childrenOf, encodeTlv, parseTlv, readSingleTlv, tagHex, type Tlv, type TlvElement } from '../util/tlv.js';
import type { KeyObject } from 'node:crypto';

export const TAG_BPP = 0xbf36;
export const TAG_INITIALISE_SECURE_CHANNEL = 0xbf23;
export const TAG_CONFIGURE_ISDP = 0xbf24;
export const TAG_REPLACE_SESSION_KEYS = 0xbf26;

/** Largest BPP accepted (the ES9+ answer is at most 8 MiB of base64, about 6 MiB of DER). */
export const MAX_BPP_BYTES = 8 * 1024 * 1024;
/** Most 86/88 TLVs one group may hold: 8192 x 1 KiB segments = 8 MiB of profile. */
const MAX_ITEMS = 8192;

/** One of the A0..A3 groups: its raw bytes, its tag+length alone and its 8x TLVs (raw). */
export interface BppGroup {
  raw: Uint8Array;
  header: Uint8Array;
  items: Uint8Array[];
}

export interface BoundProfilePackage {
  /** The whole BF36 TLV. */
  raw: Uint8Array;
  /** BF36 tag and length alone. */
  header: Uint8Array;
  /** The raw BF23 InitialiseSecureChannelRequest. */
  initialiseSecureChannel: Uint8Array;
  /** A0: 87 TLVs carrying ConfigureISDP. */
  configureIsdp: BppGroup;
  /** A1: 88 TLVs carrying StoreMetadata. */
  storeMetadata: BppGroup;
  /** A2: 87 TLVs carrying ReplaceSessionKeys, when the SM-DP+ sent it. */
  replaceSessionKeys?: BppGroup;
  /** A3: 86 TLVs carrying the profile. */
  profileElements: BppGroup;
}

function fail(message: string, details: Record<string, unknown> = {}, cause?: unknown): LpaError {
  return new LpaError('ASN1_DECODE', `BoundProfilePackage: ${message}`, { function: 'LoadBoundProfilePackage', ...details }, cause === undefined ? undefined : { cause });
}

function group(t: TlvElement, itemTag: number): BppGroup {
  if (!t.constructed) throw fail(`group ${tagHex(t.tag)} must be constructed`);
  const children = childrenOf(t, MAX_ITEMS, `BoundProfilePackage group ${tagHex(t.tag)}`);
  for (const it of children) {
    if (it.tag !== itemTag) throw fail(`group ${tagHex(t.tag)} holds tag ${tagHex(it.tag)}, expected ${tagHex(itemTag)}`);
  }
  return { raw: t.raw, header: t.header, items: children.map((i) => i.raw) };
}

/**
 * Parses a BPP (untrusted bytes): structure and tags are checked, contents are not decrypted. The
 * package is read one level at a time (BF36, its parts, each group's TLVs) under its own size
 * limit, so profiles beyond the generic 1 MiB tree-walk limit load.
 */
export function parseBoundProfilePackage(der: Uint8Array): BoundProfilePackage {
  if (der.length > MAX_BPP_BYTES) throw fail(`${der.length} bytes exceed the ${MAX_BPP_BYTES}-byte limit`);
  let top: TlvElement;
  let parts: TlvElement[];
  try {
    top = readSingleTlv(der, 'BoundProfilePackage');
    parts = childrenOf(top, 8, 'BoundProfilePackage');
  } catch (e) {
    throw fail((e as Error).message.replace(/^cannot decode BoundProfilePackage: /, ''), {}, e);
  }
  if (top.tag !== TAG_BPP) throw fail(`expected tag BF36, found ${tagHex(top.tag)}`);
  const [bf23, a0, a1, ...rest] = parts;
  if (!bf23 || bf23.tag !== TAG_INITIALISE_SECURE_CHANNEL) throw fail('the first element must be InitialiseSecureChannel (BF23)');
  if (bf23.raw.length > 1024) throw fail(`InitialiseSecureChannel of ${bf23.raw.length} bytes is too long`);
  if (!a0 || a0.tag !== 0xa0) throw fail('firstSequenceOf87 (A0) missing');
  if (!a1 || a1.tag !== 0xa1) throw fail('sequenceOf88 (A1) missing');
  let a2: TlvElement | undefined;
  let a3: TlvElement | undefined;
  if (rest.length === 2 && rest[0]!.tag === 0xa2 && rest[1]!.tag === 0xa3) [a2, a3] = rest;
  else if (rest.length === 1 && rest[0]!.tag === 0xa3) a3 = rest[0];
  if (!a3) throw fail(`unexpected elements after A1: ${rest.map((t) => tagHex(t.tag)).join(', ') || 'none'} (expected [A2] A3)`);
  const bpp: BoundProfilePackage = {
    raw: top.raw,
    header: top.header,
    initialiseSecureChannel: bf23.raw,
    configureIsdp: group(a0, 0x87),
    storeMetadata: group(a1, 0x88),
    profileElements: group(a3, 0x86),
  };
  if (a2) bpp.replaceSessionKeys = group(a2, 0x87);
  if (bpp.configureIsdp.items.length === 0) throw fail('A0 holds no ConfigureISDP TLV');
  if (bpp.profileElements.items.length === 0) throw fail('A3 holds no profile segment');
  return bpp;
}

/**
 * The STORE DATA sequences of SGP.22 2.5.5, each a list of ES10 command payloads:
 * (a) BF36 tag through the end of BF23; (b) the whole A0; (c) the A1 tag+length, then each 88;
 * (d) the whole A2 if present; (e) the A3 tag+length, then each 86.
 */
export function bppSequences(bpp: BoundProfilePackage | Uint8Array): Uint8Array[][] {
  const p = bpp instanceof Uint8Array ? parseBoundProfilePackage(bpp) : bpp;
  const seqs: Uint8Array[][] = [
    [concatBytes(p.header, p.initialiseSecureChannel)],
    [p.configureIsdp.raw],
    [p.storeMetadata.header, ...p.storeMetadata.items],
  ];
  if (p.replaceSessionKeys) seqs.push([p.replaceSessionKeys.raw]);
  seqs.push([p.profileElements.header, ...p.profileElements.items]);
  return seqs;
}

/**
 * The StoreMetadataRequest (BF25) a BPP carries: its 88 TLVs are MACed, not encrypted, so each
 * value is plaintext followed by the 8-byte MAC. The LPA compares it with the profileMetadata of
 * authenticateClient (a mismatch cancels the download with metadataMismatch).
 */
export function bppStoreMetadata(bpp: BoundProfilePackage): Uint8Array {
  return concatBytes(
    ...bpp.storeMetadata.items.map((raw, i) => {
      const t = readSingleTlv(raw, `StoreMetadata TLV ${i}`);
      if (t.value.length <= 8) throw fail(`StoreMetadata TLV ${i} holds no data besides its MAC`);
      return t.value.subarray(0, t.value.length - 8);
    }),
  );
}

/** Minimum number of STORE DATA blocks (APDUs) that load this BPP with blocks of `blockSize` bytes. */
export function blocksNeeded(bpp: BoundProfilePackage | Uint8Array, blockSize = 255): number {
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 255) {
    throw new LpaError('APDU_INVALID', `STORE DATA block size must be 1..255, got ${blockSize}`);
  }
  let n = 0;
  for (const seq of bppSequences(bpp)) for (const payload of seq) n += Math.max(1, Math.ceil(payload.length / blockSize));
  return n;
}

// ---------------------------------------------------------------------------------------------
// InitialiseSecureChannelRequest (BF23)

export interface InitialiseSecureChannel {
  raw: Uint8Array;
  remoteOpId: number;
  transactionId: Uint8Array;
  keyType: number;
  keyLength: number;
  hostId: Uint8Array;
  /** otPK.DP.ECKA, uncompressed point. */
  smdpOtpk: Uint8Array;
  /** r||s (64 bytes). */
  smdpSign: Uint8Array;
  /** The bytes from remoteOpId through smdpOtpk (what smdpSign covers, before 5F49 + otPK.EUICC.ECKA). */
  signedFields: Uint8Array;
}

export function parseInitialiseSecureChannel(der: Uint8Array): InitialiseSecureChannel {
  const top = parseTlv(der, 'InitialiseSecureChannelRequest');
  if (top.tag !== TAG_INITIALISE_SECURE_CHANNEL) throw fail(`InitialiseSecureChannel: expected tag BF23, found ${tagHex(top.tag)}`);
  const f = top.children;
  const byTag = (tag: number): Tlv => {
    const t = f.find((x) => x.tag === tag);
    if (!t) throw fail(`InitialiseSecureChannel: field ${tagHex(tag)} missing`);
    return t;
  };
  const opId = byTag(0x82).value;
  const crt = byTag(0xa6).children;
  const crtField = (tag: number): Uint8Array => {
    const t = crt.find((x) => x.tag === tag);
    if (!t) throw fail(`InitialiseSecureChannel: controlRefTemplate field ${tagHex(tag)} missing`);
    return t.value;
  };
  const keyType = crtField(0x80);
  const keyLen = crtField(0x81);
  const hostId = crtField(0x84);
  const sign = byTag(SIGNATURE_TAG);
  if (opId.length !== 1 || keyType.length !== 1 || keyLen.length !== 1 || hostId.length < 1 || hostId.length > 16) {
    throw fail('InitialiseSecureChannel: field sizes out of range', { hostIdLength: hostId.length });
  }
  if (sign.value.length !== 64) throw fail(`InitialiseSecureChannel: smdpSign must be 64 bytes, got ${sign.value.length}`);
  return {
    raw: top.raw,
    remoteOpId: opId[0]!,
    transactionId: byTag(0x80).value,
    keyType: keyType[0]!,
    keyLength: keyLen[0]!,
    hostId,
    smdpOtpk: byTag(OTPK_TAG).value,
    smdpSign: sign.value,
    signedFields: top.raw.subarray(top.header.length, sign.offset),
  };
}

/** True when smdpSign verifies with the DPpb public key over the fields + 5F49 + otPK.EUICC.ECKA. */
export function verifyInitialiseSecureChannel(isc: InitialiseSecureChannel, dpPbKey: KeyObject, euiccOtpk: Uint8Array): boolean {
  return ecdsaVerify(dpPbKey, concatBytes(isc.signedFields, encodeTlv(OTPK_TAG, euiccOtpk)), isc.smdpSign);
}

export interface InitialiseSecureChannelInput {
  transactionId: Uint8Array;
  hostId: Uint8Array;
  smdpOtpk: Uint8Array;
  euiccOtpk: Uint8Array;
  /** DPpb private key. */
  dpPbKey: KeyObject;
}

/** SM-DP+ side: builds and signs BF23. */
export function encodeInitialiseSecureChannel(input: InitialiseSecureChannelInput): Uint8Array {
  const fields = concatBytes(
    encodeTlv(0x82, Uint8Array.of(1)),
    encodeTlv(0x80, input.transactionId),
    encodeTlv(0xa6, encodeTlv(0x80, Uint8Array.of(0x88)), encodeTlv(0x81, Uint8Array.of(0x10)), encodeTlv(0x84, input.hostId)),
    encodeTlv(OTPK_TAG, input.smdpOtpk),
  );
  const sig = ecdsaSign(input.dpPbKey, concatBytes(fields, encodeTlv(OTPK_TAG, input.euiccOtpk)));
  return encodeTlv(TAG_INITIALISE_SECURE_CHANNEL, fields, encodeTlv(SIGNATURE_TAG, sig));
}

// ---------------------------------------------------------------------------------------------
// ReplaceSessionKeysRequest (BF26) and the protected parts

export interface ReplaceSessionKeys {
  initialMcv: Uint8Array;
  ppkEnc: Uint8Array;
  ppkCmac: Uint8Array;
}

export function encodeReplaceSessionKeys(k: ReplaceSessionKeys): Uint8Array {
  return encodeTlv(TAG_REPLACE_SESSION_KEYS, encodeTlv(0x80, k.initialMcv), encodeTlv(0x81, k.ppkEnc), encodeTlv(0x82, k.ppkCmac));
}

export function parseReplaceSessionKeys(der: Uint8Array): ReplaceSessionKeys {
  const t = parseTlv(der, 'ReplaceSessionKeysRequest');
  if (t.tag !== TAG_REPLACE_SESSION_KEYS) throw fail(`ReplaceSessionKeys: expected tag BF26, found ${tagHex(t.tag)}`);
  const f = t.children;
  const get = (tag: number, name: string): Uint8Array => {
    const v = f.find((x) => x.tag === tag)?.value;
    if (!v || v.length !== 16) throw fail(`ReplaceSessionKeys: ${name} (${tag.toString(16)}) missing or not 16 bytes`);
    return v.slice();
  };
  return { initialMcv: get(0x80, 'initialMacChainingValue'), ppkEnc: get(0x81, 'ppkEnc'), ppkCmac: get(0x82, 'ppkCmac') };
}

export interface OpenedBoundProfilePackage {
  initialiseSecureChannel: InitialiseSecureChannel;
  /** Decrypted ConfigureISDPRequest (BF24) DER. */
  configureIsdp: Uint8Array;
  /** StoreMetadataRequest (BF25) DER, MAC-verified. */
  storeMetadata: Uint8Array;
  replaceSessionKeys?: ReplaceSessionKeys;
  /** The decrypted profile package (SAIP DER). */
  profile: Uint8Array;
  /** Number of 86 segments. */
  segments: number;
}

/**
 * eUICC side: verifies and decrypts a whole BPP with `session` (keys from the KDF), switching keys
 * on ReplaceSessionKeys. Throws LpaError CRYPTO naming the failing TLV on a MAC or padding error.
 */
export function openBoundProfilePackage(bpp: BoundProfilePackage | Uint8Array, session: BspSession): OpenedBoundProfilePackage {
  const p = bpp instanceof Uint8Array ? parseBoundProfilePackage(bpp) : bpp;
  const step = <T>(where: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof LpaError) {
        e.details.where ??= where;
        if (!e.message.includes(where)) e.message = `${e.message} in ${where}`;
      }
      throw e;
    }
  };
  const configureIsdp = concatBytes(
    ...p.configureIsdp.items.map((it, i) => step(`ConfigureISDP TLV ${i}`, () => session.unwrap(it, { encrypted: true, tag: 0x87 }))),
  );
  const storeMetadata = concatBytes(
    ...p.storeMetadata.items.map((it, i) => step(`StoreMetadata TLV ${i}`, () => session.unwrap(it, { encrypted: false, tag: 0x88 }))),
  );
  const out: OpenedBoundProfilePackage = {
    initialiseSecureChannel: parseInitialiseSecureChannel(p.initialiseSecureChannel),
    configureIsdp,
    storeMetadata,
    profile: new Uint8Array(0),
    segments: p.profileElements.items.length,
  };
  if (p.replaceSessionKeys) {
    const plain = concatBytes(
      ...p.replaceSessionKeys.items.map((it, i) =>
        step(`ReplaceSessionKeys TLV ${i}`, () => session.unwrap(it, { encrypted: true, tag: 0x87 })),
      ),
    );
    const rsk = parseReplaceSessionKeys(plain);
    session.replaceSessionKeys(rsk.ppkEnc, rsk.ppkCmac, rsk.initialMcv);
    out.replaceSessionKeys = rsk;
  }
  out.profile = concatBytes(
    ...p.profileElements.items.map((it, i) => step(`profile segment ${i}`, () => session.unwrap(it, { encrypted: true, tag: 0x86 }))),
  );
  return out;
}

export interface BuildBppInput {
  /** Raw BF23 DER (already signed by DPpb). */
  initialiseSecureChannel: Uint8Array;
  /** ConfigureISDPRequest (BF24) DER. */
  configureIsdp: Uint8Array;
  /** StoreMetadataRequest (BF25) DER. */
  storeMetadata: Uint8Array;
  /** When given, an A2 ReplaceSessionKeys is added and the profile is protected with these keys. */
  replaceSessionKeys?: ReplaceSessionKeys;
  /** The profile package (SAIP DER). */
  profile: Uint8Array;
  /** BSP session with the keys derived for this download (its state advances). */
  session: BspSession;
  /** Plaintext bytes per 86 (and 88) TLV; default 1020 (1032 bytes on the wire after padding and MAC). */
  segmentSize?: number;
}

function chunks(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += size) out.push(data.subarray(off, Math.min(off + size, data.length)));
  return out.length > 0 ? out : [data];
}

/** SM-DP+ side: protects and assembles a BPP (BF36 DER). */
export function buildBoundProfilePackage(input: BuildBppInput): Uint8Array {
  const size = input.segmentSize ?? 1020;
  if (!Number.isInteger(size) || size < 1 || size > 4000) throw new LpaError('ASN1_ENCODE', `BPP segment size must be 1..4000, got ${size}`);
  if (input.profile.length === 0) throw new LpaError('ASN1_ENCODE', 'BPP: the profile is empty');
  const bf23 = parseTlv(input.initialiseSecureChannel, 'InitialiseSecureChannelRequest');
  if (bf23.tag !== TAG_INITIALISE_SECURE_CHANNEL) throw new LpaError('ASN1_ENCODE', `BPP: initialiseSecureChannel must be BF23, got ${tagHex(bf23.tag)}`);
  const s = input.session;
  const a0 = encodeTlv(0xa0, s.wrap(0x87, input.configureIsdp, { encrypt: true }));
  const a1 = encodeTlv(0xa1, ...chunks(input.storeMetadata, size).map((c) => s.wrap(0x88, c, { encrypt: false })));
  const parts = [input.initialiseSecureChannel, a0, a1];
  if (input.replaceSessionKeys) {
    const k = input.replaceSessionKeys;
    parts.push(encodeTlv(0xa2, s.wrap(0x87, encodeReplaceSessionKeys(k), { encrypt: true })));
    s.replaceSessionKeys(k.ppkEnc, k.ppkCmac, k.initialMcv);
  }
  parts.push(encodeTlv(0xa3, ...chunks(input.profile, size).map((c) => s.wrap(0x86, c, { encrypt: true }))));
  return encodeTlv(TAG_BPP, ...parts);
}
