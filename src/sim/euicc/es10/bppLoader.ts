/**
 * The eUICC side of LoadBoundProfilePackage after InitialiseSecureChannel (SGP.22 2.5.5, 2.6.4,
 * 5.7.6): the BPP arrives as STORE DATA sequences - A0 { 87 ConfigureISDP }, the A1 header, each
 * 88 StoreMetadata, [A2 { 87 ReplaceSessionKeys }], the A3 header, each 86 segment - and every
 * TLV is checked and opened with the BSP session as it arrives (nothing buffered but plaintext).
 *
 * `feedSequence` consumes one sequence and says what happens next: continue (answer 9000 empty),
 * fail (error PIR with bppCommandId and reason) or complete (install the profile). Lenient in one
 * way only: a sequence may carry a group header together with whole item TLVs.
 */

import { LpaError } from '../../../errors.js';
import { parseReplaceSessionKeys } from '../../../es10/bpp.js';
import { decodeStoreMetadata, type StoreMetadata } from '../../../es10/storeMetadata.js';
import { parseTlv, readTlvHeader, readTlvs, type Tlv, type TlvHeader } from '../../../util/tlv.js';
import type { BspSession } from '../../../crypto/bsp.js';
import { concatBytes } from '../../../util/hex.js';
import type { BppCommand, InstallErrorReason } from './installResult.js';
import { decodeConfigureIsdp, euiccMetadata, type EuiccMetadata } from './storeMetadata.js';

/** Largest profile (plaintext) the virtual eUICC accepts. */
export const MAX_PROFILE_BYTES = 2 * 1024 * 1024;
/** Largest StoreMetadataRequest accepted (an icon is at most 1 KiB). */
export const MAX_METADATA_BYTES = 8 * 1024;

type Expect = 'A0' | 'A1' | '88' | 'A2|A3' | 'A3' | '86';

export interface BppLoadState {
  expect: Expect;
  bsp: BspSession;
  /** Bytes of the BF36 value not yet received. */
  bppRemaining: number;
  /** Bytes of the current A1/A3 value not yet received. */
  groupRemaining: number;
  metadataParts: Uint8Array[];
  metadataLength: number;
  metadata?: EuiccMetadata;
  profileParts: Uint8Array[];
  profileLength: number;
  segments: number;
  /** True when a profile with this ICCID is already on the eUICC. */
  iccidInstalled: (iccid: string) => boolean;
  /** True when the eUICC's RAT allows the profile's policy rules. */
  pprAllowed: (metadata: StoreMetadata) => boolean;
}

export type FeedResult =
  | { kind: 'continue' }
  | { kind: 'fail'; bppCommandId: BppCommand; errorReason: InstallErrorReason; message: string }
  | { kind: 'complete'; metadata: EuiccMetadata; profile: Uint8Array };

class LoadFailure extends Error {
  constructor(
    readonly bppCommandId: BppCommand,
    readonly errorReason: InstallErrorReason,
    message: string,
  ) {
    super(message);
  }
}

const COMMAND_OF: Record<Expect, BppCommand> = {
  A0: 'configureISDP',
  A1: 'storeMetadata',
  '88': 'storeMetadata',
  'A2|A3': 'loadProfileElements',
  A3: 'loadProfileElements',
  '86': 'loadProfileElements',
};

export function newLoadState(
  bsp: BspSession,
  bppRemaining: number,
  iccidInstalled: (iccid: string) => boolean,
  pprAllowed: (metadata: StoreMetadata) => boolean = () => true,
): BppLoadState {
  return {
    expect: 'A0',
    bsp,
    bppRemaining,
    groupRemaining: 0,
    metadataParts: [],
    metadataLength: 0,
    profileParts: [],
    profileLength: 0,
    segments: 0,
    iccidInstalled,
    pprAllowed,
  };
}

/** Tag and length of a TLV whose value may not be here (group headers); undefined when malformed. */
export function readHeader(data: Uint8Array): TlvHeader | undefined {
  try {
    return readTlvHeader(data, 0, data.length, 'BPP header');
  } catch {
    return undefined;
  }
}

/** Splits bytes into whole TLVs; a malformed structure is scp03tStructureError for `cmd`. */
function items(data: Uint8Array, cmd: BppCommand): Uint8Array[] {
  try {
    return readTlvs(data, cmd, 4096).map((t) => t.raw);
  } catch (e) {
    throw new LoadFailure(cmd, 'scp03tStructureError', `malformed TLV in ${cmd}: ${(e as Error).message}`);
  }
}

function unwrap(st: BppLoadState, tlv: Uint8Array, tag: number, encrypted: boolean, cmd: BppCommand): Uint8Array {
  try {
    return st.bsp.unwrap(tlv, { encrypted, tag });
  } catch (e) {
    const failure = e instanceof LpaError ? e.details.failure : undefined;
    const reason: InstallErrorReason = failure === 'tag' || failure === 'length' ? 'scp03tStructureError' : 'scp03tSecurityError';
    throw new LoadFailure(cmd, reason, `${cmd}: ${(e as Error).message}`);
  }
}

function consume(st: BppLoadState, n: number, inGroup: boolean, cmd: BppCommand): void {
  if (n > st.bppRemaining || (inGroup && n > st.groupRemaining)) {
    throw new LoadFailure(cmd, 'scp03tStructureError', `${cmd}: data runs past the end of its ${inGroup ? 'group' : 'BPP'}`);
  }
  st.bppRemaining -= n;
  if (inGroup) st.groupRemaining -= n;
}

/** A whole constructed group (A0 or A2) of 87 TLVs -> the concatenated plaintext. */
function wholeGroup(st: BppLoadState, data: Uint8Array, cmd: BppCommand): Uint8Array {
  let t: Tlv;
  try {
    t = parseTlv(data, cmd);
  } catch (e) {
    throw new LoadFailure(cmd, 'scp03tStructureError', `${cmd}: ${(e as Error).message}`);
  }
  if (t.children.length === 0 || t.children.some((c) => c.tag !== 0x87)) {
    throw new LoadFailure(cmd, 'scp03tStructureError', `${cmd}: the group must hold 87 TLVs only`);
  }
  consume(st, data.length, false, cmd);
  return concatBytes(...t.children.map((c) => unwrap(st, c.raw, 0x87, true, cmd)));
}

/** A group header (A1/A3) possibly followed by whole item TLVs; returns the bytes after the header. */
function groupHeader(st: BppLoadState, data: Uint8Array, tag: number, cmd: BppCommand): Uint8Array {
  const h = readHeader(data);
  if (!h || h.tag !== tag) throw new LoadFailure(cmd, 'scp03tStructureError', `${cmd}: expected the ${tag.toString(16).toUpperCase()} header`);
  if (h.length === 0) throw new LoadFailure(cmd, 'scp03tStructureError', `${cmd}: empty ${tag.toString(16).toUpperCase()} group`);
  consume(st, h.headerLength, false, cmd);
  st.groupRemaining = h.length;
  return data.subarray(h.headerLength);
}

function storeMetadataItems(st: BppLoadState, data: Uint8Array): void {
  for (const it of items(data, 'storeMetadata')) {
    consume(st, it.length, true, 'storeMetadata');
    const plain = unwrap(st, it, 0x88, false, 'storeMetadata');
    st.metadataLength += plain.length;
    if (st.metadataLength > MAX_METADATA_BYTES) throw new LoadFailure('storeMetadata', 'incorrectInputValues', 'StoreMetadata is too large');
    st.metadataParts.push(plain);
  }
  if (st.groupRemaining > 0) {
    st.expect = '88';
    return;
  }
  let decoded: StoreMetadata;
  try {
    decoded = decodeStoreMetadata(concatBytes(...st.metadataParts));
    st.metadata = euiccMetadata(decoded);
  } catch (e) {
    throw new LoadFailure('storeMetadata', 'incorrectInputValues', `StoreMetadata: ${(e as Error).message}`);
  }
  if (!st.pprAllowed(decoded)) {
    throw new LoadFailure('storeMetadata', 'pprNotAllowed', `the RAT does not allow the profile's policy rules (${(decoded.profilePolicyRules ?? []).join(', ')})`);
  }
  if (st.metadata.unknownProfileClass !== undefined) {
    throw new LoadFailure('storeMetadata', 'unsupportedProfileClass', `profile class ${st.metadata.unknownProfileClass} is not supported`);
  }
  if (st.iccidInstalled(st.metadata.iccid)) {
    throw new LoadFailure('storeMetadata', 'installFailedDueToIccidAlreadyExistsOnEuicc', `ICCID ${st.metadata.iccid} is already on the eUICC`);
  }
  st.metadataParts = [];
  st.expect = 'A2|A3';
}

function profileItems(st: BppLoadState, data: Uint8Array): FeedResult {
  for (const it of items(data, 'loadProfileElements')) {
    consume(st, it.length, true, 'loadProfileElements');
    const plain = unwrap(st, it, 0x86, true, 'loadProfileElements');
    st.profileLength += plain.length;
    if (st.profileLength > MAX_PROFILE_BYTES) {
      throw new LoadFailure('loadProfileElements', 'installFailedDueToInsufficientMemoryForProfile', `profile exceeds ${MAX_PROFILE_BYTES} bytes`);
    }
    st.profileParts.push(plain);
    st.segments++;
  }
  if (st.groupRemaining > 0) {
    st.expect = '86';
    return { kind: 'continue' };
  }
  if (st.bppRemaining !== 0) throw new LoadFailure('loadProfileElements', 'scp03tStructureError', `${st.bppRemaining} BPP bytes follow the profile elements`);
  const profile = concatBytes(...st.profileParts);
  st.profileParts = [];
  return { kind: 'complete', metadata: st.metadata!, profile };
}

function step(st: BppLoadState, data: Uint8Array): FeedResult {
  const cmd = COMMAND_OF[st.expect];
  const tag = readHeader(data)?.tag;
  switch (st.expect) {
    case 'A0': {
      if (tag !== 0xa0) break;
      const plain = wholeGroup(st, data, 'configureISDP');
      try {
        decodeConfigureIsdp(plain);
      } catch (e) {
        throw new LoadFailure('configureISDP', 'incorrectInputValues', `ConfigureISDP: ${(e as Error).message}`);
      }
      st.expect = 'A1';
      return { kind: 'continue' };
    }
    case 'A1':
      if (tag !== 0xa1) break;
      storeMetadataItems(st, groupHeader(st, data, 0xa1, 'storeMetadata'));
      return { kind: 'continue' };
    case '88':
      if (tag !== 0x88) break;
      storeMetadataItems(st, data);
      return { kind: 'continue' };
    case 'A2|A3':
      if (tag === 0xa2) {
        const rsk = wholeGroup(st, data, 'replaceSessionKeys');
        try {
          const k = parseReplaceSessionKeys(rsk);
          st.bsp.replaceSessionKeys(k.ppkEnc, k.ppkCmac, k.initialMcv);
        } catch (e) {
          throw new LoadFailure('replaceSessionKeys', 'incorrectInputValues', `ReplaceSessionKeys: ${(e as Error).message}`);
        }
        st.expect = 'A3';
        return { kind: 'continue' };
      }
      if (tag !== 0xa3) break;
      return profileItems(st, groupHeader(st, data, 0xa3, 'loadProfileElements'));
    case 'A3':
      if (tag !== 0xa3) break;
      return profileItems(st, groupHeader(st, data, 0xa3, 'loadProfileElements'));
    case '86':
      if (tag !== 0x86) break;
      return profileItems(st, data);
  }
  const got = tag === undefined ? 'malformed data' : `tag ${tag.toString(16).toUpperCase()}`;
  throw new LoadFailure(cmd, 'scp03tStructureError', `expected ${st.expect}, got ${got} (wrong sequence order)`);
}

/** Consumes one STORE DATA sequence of the BPP; never throws. */
export function feedSequence(st: BppLoadState, data: Uint8Array): FeedResult {
  try {
    return step(st, data);
  } catch (e) {
    if (e instanceof LoadFailure) return { kind: 'fail', bppCommandId: e.bppCommandId, errorReason: e.errorReason, message: e.message };
    return { kind: 'fail', bppCommandId: COMMAND_OF[st.expect], errorReason: 'installFailedDueToUnknownError', message: String(e) };
  }
}

/** Tags a BPP sequence after the first can start with (anything else is another ES10 command). */
export const BPP_SEQUENCE_TAGS: readonly number[] = [0xa0, 0xa1, 0xa2, 0xa3, 0x86, 0x87, 0x88];
