/**
 * Fuzz: every ES10 decoder (src/es10 decode* and the BPP / StoreMetadata parsers) on hostile bytes.
 *
 * Property for all of them: the only failure is LpaError ASN1_DECODE, with a bounded message.
 * Inputs come in three kinds: raw random bytes; well-formed TLV trees under the decoder's own root
 * tag (so the field checks run, not just the walker); and byte mutations (flip / set / insert /
 * delete / truncate / duplicate) of golden answers from test/es10/codecs.test.ts and of the ES10
 * pieces of the captured download session. Huge declared lengths are rejected from the header
 * alone, before any copy. Complements test/es10/tlv.test.ts (64-byte random input, 4 decoders).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as es10 from '../../src/es10/index.js';
import { parseBoundProfilePackage, parseInitialiseSecureChannel, parseReplaceSessionKeys } from '../../src/es10/bpp.js';
import { decodeStoreMetadata } from '../../src/es10/storeMetadata.js';
import { MAX_BPP_BYTES } from '../../src/es10/bpp.js';
import { parseTlv, parseTlvs, TLV_LIMITS } from '../../src/util/tlv.js';
import { LpaError } from '../../src/errors.js';
import { concatBytes, fromHex } from '../../src/util/hex.js';
import { b64, byteMutations, encodeTlv, expectSaneMessage, mutate, mutateTree, onlyTyped, sessionVector, tlvTree, treeMutations } from './helpers.js';

type Decoder = (der: Uint8Array) => unknown;

/** Every byte decoder with the root tag it expects. */
const DECODERS: Record<string, { f: Decoder; tag: number }> = {};
const ROOT: Record<string, number> = {
  decodeCtxParams1: 0xa0,
  decodeServerSigned1: 0x30,
  decodeEuiccSigned1: 0x30,
  decodeAuthenticateServerRequest: 0xbf38,
  decodeAuthenticateServerResponse: 0xbf38,
  decodeCancelSessionRequest: 0xbf41,
  decodeEuiccCancelSessionSigned: 0x30,
  decodeCancelSessionResponse: 0xbf41,
  decodeConfiguredAddressesRequest: 0xbf3c,
  decodeConfiguredAddressesResponse: 0xbf3c,
  decodeDeleteProfileRequest: 0xbf33,
  decodeDeleteProfileResponse: 0xbf33,
  decodeDisableProfileRequest: 0xbf32,
  decodeDisableProfileResponse: 0xbf32,
  decodeEnableProfileRequest: 0xbf31,
  decodeEnableProfileResponse: 0xbf31,
  decodeEuiccChallengeRequest: 0xbf2e,
  decodeEuiccChallengeResponse: 0xbf2e,
  decodeEuiccInfo1Request: 0xbf20,
  decodeEuiccInfo1Response: 0xbf20,
  decodeEuiccInfo2Request: 0xbf22,
  decodeEuiccInfo2Response: 0xbf22,
  decodeGetEidRequest: 0xbf3e,
  decodeGetEidResponse: 0xbf3e,
  decodeGetRatRequest: 0xbf43,
  decodeGetRatResponse: 0xbf43,
  decodeListNotificationRequest: 0xbf28,
  decodeListNotificationResponse: 0xbf28,
  decodeMemoryResetRequest: 0xbf34,
  decodeMemoryResetResponse: 0xbf34,
  decodeNotificationMetadata: 0xbf2f,
  decodeSmdpSigned2: 0x30,
  decodeEuiccSigned2: 0x30,
  decodePrepareDownloadRequest: 0xbf21,
  decodePrepareDownloadResponse: 0xbf21,
  decodeProfileInstallationResult: 0xbf37,
  decodeProfilesInfoRequest: 0xbf2d,
  decodeProfilesInfoResponse: 0xbf2d,
  decodeRemoveNotificationRequest: 0xbf30,
  decodeRemoveNotificationResponse: 0xbf30,
  decodeRetrieveNotificationsListRequest: 0xbf2b,
  decodeRetrieveNotificationsListResponse: 0xbf2b,
  decodePendingNotification: 0x30,
  decodeSetDefaultDpAddressRequest: 0xbf3f,
  decodeSetDefaultDpAddressResponse: 0xbf3f,
  decodeSetNicknameRequest: 0xbf29,
  decodeSetNicknameResponse: 0xbf29,
};
/** decode* exports that are building blocks with another signature, not byte decoders. */
const NOT_DECODERS = new Set(['decodeRoot']);
const isDecoderName = (n: string): boolean => n.startsWith('decode') && !NOT_DECODERS.has(n);
for (const [name, value] of Object.entries(es10)) {
  if (isDecoderName(name) && typeof value === 'function') DECODERS[name] = { f: value as Decoder, tag: ROOT[name] ?? 0x30 };
}
DECODERS.decodePendingNotificationPir = { f: es10.decodePendingNotification, tag: 0xbf37 };
DECODERS.decodeStoreMetadata = { f: decodeStoreMetadata, tag: 0xbf25 };
DECODERS.parseBoundProfilePackage = { f: parseBoundProfilePackage, tag: 0xbf36 };
DECODERS.parseInitialiseSecureChannel = { f: parseInitialiseSecureChannel, tag: 0xbf23 };
DECODERS.parseReplaceSessionKeys = { f: parseReplaceSessionKeys, tag: 0xbf26 };
DECODERS.parseExtCardResource = { f: es10.parseExtCardResource, tag: 0x81 };
DECODERS.signatureValue = { f: es10.signatureValue, tag: 0x5f37 };
DECODERS.parseTlvs = { f: (b) => parseTlvs(b, 'fuzz'), tag: 0x30 };
const NAMES = Object.keys(DECODERS).sort();

function decodeOnly(name: string, bytes: Uint8Array): void {
  const r = onlyTyped(() => DECODERS[name]!.f(bytes), ['ASN1_DECODE'], { name, hex: Buffer.from(bytes).toString('hex') });
  expectSaneMessage(r);
}

describe('ES10 decoders: table', () => {
  it('knows the root tag of every decode* export (a new decoder must be added to ROOT)', () => {
    const missing = Object.keys(es10).filter((n) => isDecoderName(n) && ROOT[n] === undefined);
    expect(missing).toEqual([]);
    expect(NAMES.length).toBeGreaterThanOrEqual(50);
  });
});

describe('ES10 decoders: only ASN1_DECODE on hostile input', () => {
  it('random bytes (up to 512), with and without a plausible root tag', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), fc.uint8Array({ maxLength: 512 }), fc.boolean(), (name, body, prefixed) => {
        const bytes = prefixed ? concatBytes(encodeTlv(DECODERS[name]!.tag, new Uint8Array(0)).subarray(0, -1), Uint8Array.of(Math.min(body.length, 0x7f)), body) : body;
        decodeOnly(name, bytes);
      }),
      { seed: 0x5eed01, numRuns: 5000 },
    );
  });

  it('well-formed TLV trees under the decoder root tag', () => {
    const arb = fc.constantFrom(...NAMES).chain((name) => fc.tuple(fc.constant(name), tlvTree({ rootTag: DECODERS[name]!.tag })));
    fc.assert(
      fc.property(arb, ([name, der]) => {
        // the generator only builds valid BER: the walker must accept it
        expect(() => parseTlv(der, 'tree')).not.toThrow();
        decodeOnly(name, der);
      }),
      { seed: 0x5eed02, numRuns: 5000 },
    );
  });
});

// Golden ES10 answers (and requests) from test/es10/codecs.test.ts, plus captured-session pieces.
const ICCID_BCD = '5A0A989444999999990940F9';
const AID = 'A0000005591010FFFFFFFF8900001000';
const TX = '576DB55F33E54E99AF3A62C9829BBE77';
const SIG = `5F3740${'11'.repeat(64)}`;
const MD_HEX = `BF2F1A8001018102078 00C0564702E696F${ICCID_BCD}`.replace(/ /g, '');
const PIR_HEX = `BF3779BF273380020102${MD_HEX}060388370AA20BA0094F05A0000005590400${SIG}`;
const OTHER_HEX = `306A${MD_HEX.replace('BF2F1A80010181020780', 'BF2F1A80010281020640')}${SIG}30030201013003020102`;

const GOLDEN: [string, string][] = [
  ['decodeGetEidResponse', 'BF3E125A1089049032123451234512345678901235'],
  ['decodeEuiccChallengeResponse', 'BF2E12801' + '06FF64B62254A454A42FD5DB167F4BEA6'],
  ['decodeConfiguredAddressesResponse', 'BF3C0E800564702E696F810564732E696F'],
  ['decodeSetDefaultDpAddressRequest', 'BF3F07800564702E696F'],
  ['decodeProfilesInfoRequest', `BF2D11A00C${ICCID_BCD}5C015A`],
  ['decodeProfilesInfoResponse', `BF2D41A03FE33D${ICCID_BCD}4F10${AID}9F70010190017891027370920170930101950102B70580 0300F11099020640`.replace(/ /g, '')],
  ['decodeProfilesInfoResponse', `BF2D2CA02AE328${ICCID_BCD}940489504E47B60D300B80020560810564702E696FB8050603883701`],
  ['decodeEnableProfileRequest', `BF3111A00C${ICCID_BCD}8101FF`],
  ['decodeEnableProfileResponse', 'BF3103800102'],
  ['decodeDisableProfileRequest', `BF3217A0124F10${AID}810100`],
  ['decodeDeleteProfileRequest', `BF330C${ICCID_BCD}`],
  ['decodeSetNicknameRequest', `BF290F${ICCID_BCD}900178`],
  ['decodeMemoryResetRequest', 'BF3404820205E0'],
  ['decodeRemoveNotificationRequest', 'BF300480020 12C'.replace(' ', '')],
  ['decodeNotificationMetadata', MD_HEX],
  ['decodeListNotificationResponse', `BF281FA01D${MD_HEX}`],
  ['decodeProfileInstallationResult', PIR_HEX],
  ['decodeRetrieveNotificationsListResponse', `BF2B81EBA081E8${PIR_HEX}${OTHER_HEX}`],
  ['decodePendingNotification', OTHER_HEX],
  ['decodeCancelSessionRequest', `BF41158010${TX}810101`],
  ['decodeCancelSessionResponse', `BF4161A05F301A8010${TX}810388370A820101${SIG}`],
  ['decodeGetRatResponse', 'BF4315A013301180020560A1073005800300F11082020780'],
];

function goldenCorpus(): [string, Uint8Array][] {
  const { json } = sessionVector();
  const [init, auth, bpp] = json.es9p as [typeof json.es9p[0], typeof json.es9p[0], typeof json.es9p[0]];
  const out: [string, Uint8Array][] = GOLDEN.map(([n, h]) => [n, fromHex(h)]);
  out.push(['decodeEuiccInfo1Response', b64(init.request.euiccInfo1)]);
  out.push(['decodeServerSigned1', b64(init.response.serverSigned1)]);
  out.push(['signatureValue', b64(init.response.serverSignature1)]);
  out.push(['decodeAuthenticateServerResponse', b64(auth.request.authenticateServerResponse)]);
  out.push(['decodeStoreMetadata', b64(auth.response.profileMetadata)]);
  out.push(['decodeSmdpSigned2', b64(auth.response.smdpSigned2)]);
  out.push(['decodePrepareDownloadResponse', b64(bpp.request.prepareDownloadResponse)]);
  const parsed = parseBoundProfilePackage(b64(bpp.response.boundProfilePackage));
  out.push(['parseInitialiseSecureChannel', parsed.initialiseSecureChannel]);
  return out;
}

describe('ES10 decoders: mutated golden messages', () => {
  const corpus = goldenCorpus();

  it('the corpus decodes as is', () => {
    for (const [name, der] of corpus) expect(() => DECODERS[name]!.f(der), name).not.toThrow();
  });

  it('flip / set / insert / delete / truncate / duplicate bytes: only ASN1_DECODE', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: corpus.length - 1 }), byteMutations, (k, muts) => {
        const [name, der] = corpus[k]!;
        decodeOnly(name, mutate(der, muts));
      }),
      { seed: 0x5eed03, numRuns: 5000 },
    );
  });

  it('structure-aware edits (replace a value, drop / duplicate / retag / insert / reorder fields): only ASN1_DECODE', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: corpus.length - 1 }), treeMutations, (k, muts) => {
        const [name, der] = corpus[k]!;
        decodeOnly(name, mutateTree(der, muts));
      }),
      { seed: 0x5eed06, numRuns: 5000 },
    );
  });

  it('mutated messages fed to every other decoder too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: corpus.length - 1 }), fc.constantFrom(...NAMES), byteMutations, (k, name, muts) => {
        decodeOnly(name, mutate(corpus[k]![1], muts));
      }),
      { seed: 0x5eed04, numRuns: 3000 },
    );
  });
});

describe('ES10 decoders: huge declared lengths', () => {
  it('a header claiming up to 4 GiB is refused from the header, without reading or copying', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 32 }),
        (name, n, claimed, body) => {
          const lenBytes: number[] = [];
          for (let i = n - 1; i >= 0; i--) lenBytes.push(Math.floor(claimed / 256 ** i) % 256);
          const tag = encodeTlv(DECODERS[name]!.tag, new Uint8Array(0)).subarray(0, -1);
          const der = concatBytes(tag, Uint8Array.of(0x80 | n, ...lenBytes), body);
          const declared = lenBytes.reduce((a, b) => a * 256 + b, 0);
          const r = onlyTyped(() => DECODERS[name]!.f(der), ['ASN1_DECODE'], { name, hex: Buffer.from(der).toString('hex') });
          if (declared > body.length) {
            expect(r).toBeInstanceOf(LpaError);
            expect((r as LpaError).message).toMatch(/claims|truncated|trailing|expected|length/);
          }
        },
      ),
      { seed: 0x5eed05, numRuns: 3000 },
    );
  });

  it('a 1 MiB + 1 input is refused before walking; 5-byte lengths and 5-byte tags are refused', () => {
    const big = new Uint8Array(TLV_LIMITS.maxSize + 1);
    for (const name of ['decodeProfilesInfoResponse', 'parseTlvs']) {
      const e = onlyTyped(() => DECODERS[name]!.f(big), ['ASN1_DECODE']);
      expect((e as LpaError).message).toMatch(/exceeds/);
    }
    // the BPP is read one level at a time under its own, larger limit
    const e = onlyTyped(() => DECODERS.parseBoundProfilePackage!.f(new Uint8Array(MAX_BPP_BYTES + 1)), ['ASN1_DECODE']);
    expect((e as LpaError).message).toMatch(/exceed/);
    expect(onlyTyped(() => parseTlv(fromHex('BF2D85FFFFFFFFFF00'), 'x'), ['ASN1_DECODE'])).toBeInstanceOf(LpaError);
    expect(onlyTyped(() => parseTlv(fromHex('BFFFFFFFFF0100'), 'x'), ['ASN1_DECODE'])).toBeInstanceOf(LpaError);
  });

  it('50k+ tiny elements are refused in bounded time (element cap)', () => {
    // 60 000 empty primitives (02 00) inside one long-form SEQUENCE: over the element cap
    const body = new Uint8Array(120_000);
    for (let i = 0; i < body.length; i += 2) body[i] = 0x04;
    const der = concatBytes(Uint8Array.of(0x30, 0x83, 0x01, 0xd4, 0xc0), body);
    const e = onlyTyped(() => parseTlv(der, 'many'), ['ASN1_DECODE']);
    expect((e as LpaError).message).toMatch(/more than 50000 elements/);
  });
});
