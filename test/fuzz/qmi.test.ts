/**
 * Fuzz: what a (broken, noisy or hostile) QMI device sends, driver side.
 *
 * - decodeQmi on random bytes and on mutated real frames: only TRANSPORT_BAD_FRAME, bounded messages.
 * - QmuxReader: any chunking of a stream of valid frames gives exactly those frames; garbage
 *   around them is reported and skipped, never thrown, and the held-back bytes stay bounded.
 * - the UIM answer parsers (card status, channel answer, APDU response, strings) on random bytes.
 * - the virtual module's QMI endpoint takes random input without throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISDR_AID } from '../../src/apdu/cla.js';
import { CTL_FLAG, MAX_QMUX_FRAME, QmiService, QmuxReader, SERVICE_FLAG, decodeQmi, encodeQmi, tlv, type QmiMessage } from '../../drivers/qmi/codec.js';
import { CTL, UIM, encodeCardStatus, openLogicalChannelTlvs, parseApduResponse, parseCardStatus, parseChannelAnswer, parseQmiString, sendApduTlvs } from '../../drivers/qmi/messages.js';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import { VirtualQmiEndpoint } from '../../drivers/virtual/qmi/endpoint.js';
import { TestCard } from '../drivers/virtual/testCard.js';
import { byteMutations, expectSaneMessage, mutate, onlyTyped } from './helpers.js';

const BAD = ['TRANSPORT_BAD_FRAME'] as const;

const message: fc.Arbitrary<QmiMessage> = fc.record({
  service: fc.constantFrom(QmiService.CTL, QmiService.DMS, QmiService.UIM, 0x03),
  clientId: fc.integer({ min: 0, max: 255 }),
  flags: fc.constantFrom(0, 1, 2, 4),
  transaction: fc.integer({ min: 0, max: 0xffff }),
  messageId: fc.integer({ min: 0, max: 0xffff }),
  tlvs: fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 6 }),
});

const REAL_FRAMES = [
  encodeQmi({ service: QmiService.CTL, clientId: 0, flags: CTL_FLAG.request, transaction: 1, messageId: CTL.allocateCid, tlvs: [tlv(0x01, [0x0b])] }),
  encodeQmi({ service: QmiService.UIM, clientId: 1, flags: SERVICE_FLAG.request, transaction: 1, messageId: UIM.openLogicalChannel, tlvs: openLogicalChannelTlvs(1, ISDR_AID) }),
  encodeQmi({ service: QmiService.UIM, clientId: 1, flags: SERVICE_FLAG.request, transaction: 9, messageId: UIM.sendApdu, tlvs: sendApduTlvs(1, 1, Uint8Array.of(0x81, 0xe2, 0x91, 0, 6, 0xbf, 0x3e, 3, 0x5c, 1, 0x5a)) }),
  encodeQmi({ service: QmiService.UIM, clientId: 1, flags: SERVICE_FLAG.indication, transaction: 0, messageId: UIM.cardStatusIndication, tlvs: [tlv(0x10, encodeCardStatus({ cardState: 1, errorCode: 0, apps: [{ type: 2, state: 7, aid: new Uint8Array(12) }] }))] }, true),
];

describe('fuzz: QMUX decoding', () => {
  it('decodeQmi on random bytes: a message or TRANSPORT_BAD_FRAME', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const r = onlyTyped(() => decodeQmi(b), BAD, b);
        expectSaneMessage(r);
      }),
      { seed: 0x9a01, numRuns: 3000 },
    );
  });

  it('decodeQmi on mutated real frames: a message that re-encodes to the same bytes, or TRANSPORT_BAD_FRAME', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REAL_FRAMES), byteMutations, (frame, muts) => {
        const b = mutate(frame, muts);
        const r = onlyTyped(() => decodeQmi(b), BAD, b);
        if (!(r instanceof Error)) expect(Buffer.from(encodeQmi(r)).equals(Buffer.from(b))).toBe(true);
        else expectSaneMessage(r);
      }),
      { seed: 0x9a02, numRuns: 3000 },
    );
  });

  it('encode then decode is the identity for any message', () => {
    fc.assert(
      fc.property(message, (m) => {
        const d = decodeQmi(encodeQmi(m));
        expect({ ...d, control: undefined }).toEqual({ ...m, transaction: m.service === 0 ? m.transaction & 0xff : m.transaction, control: undefined });
      }),
      { seed: 0x9a03, numRuns: 1000 },
    );
  });
});

describe('fuzz: QMUX stream reader', () => {
  it('any chunking of valid frames gives exactly those frames', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }), (msgs, cuts) => {
        const stream = Buffer.concat(msgs.map((m) => encodeQmi(m)));
        const r = new QmuxReader();
        const got: QmiMessage[] = [];
        let p = 0;
        for (const c of cuts) {
          const out = r.push(stream.subarray(p, p + c));
          expect(out.errors).toEqual([]);
          got.push(...out.messages);
          p += c;
        }
        got.push(...r.push(stream.subarray(p)).messages);
        expect(got.map((m) => m.messageId)).toEqual(msgs.map((m) => m.messageId));
        expect(r.pending).toBe(0);
      }),
      { seed: 0x9a04, numRuns: 500 },
    );
  });

  it('garbage and broken frames in the stream are reported, never thrown; held-back bytes stay bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.constantFrom(...REAL_FRAMES), fc.constantFrom(...REAL_FRAMES).chain((f) => byteMutations.map((m) => mutate(f, m)))), { maxLength: 12 }), (chunks) => {
        const r = new QmuxReader();
        for (const c of chunks) {
          const out = onlyTyped(() => r.push(c), BAD, c);
          if (out instanceof Error) throw out;
          for (const e of out.errors) expect(e.code).toBe('TRANSPORT_BAD_FRAME');
          expect(r.pending).toBeLessThanOrEqual(MAX_QMUX_FRAME);
        }
      }),
      { seed: 0x9a05, numRuns: 1500 },
    );
  });
});

describe('fuzz: UIM answer parsers', () => {
  it('card status, channel answer, APDU response and strings: a value or TRANSPORT_BAD_FRAME', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        onlyTyped(() => parseCardStatus(b), BAD, b);
        onlyTyped(() => parseApduResponse(b), BAD, b);
        onlyTyped(() => parseChannelAnswer([tlv(0x10, b.subarray(0, 2)), tlv(0x11, b.subarray(0, 2)), tlv(0x12, b)]), BAD, b);
        const s = parseQmiString(b);
        if (s !== undefined) expect(s.length).toBeLessThanOrEqual(128);
      }),
      { seed: 0x9a06, numRuns: 3000 },
    );
  });

  it('mutated card status TLVs parse or fail typed', () => {
    const good = encodeCardStatus({ cardState: 1, errorCode: 0, apps: [{ type: 2, state: 7, aid: new Uint8Array(16).fill(0xa0) }] });
    fc.assert(
      fc.property(byteMutations, (muts) => {
        const b = mutate(good, muts);
        onlyTyped(() => parseCardStatus(b), BAD, b);
      }),
      { seed: 0x9a07, numRuns: 2000 },
    );
  });
});

describe('fuzz: the virtual QMI endpoint', () => {
  it('takes random and mutated input without throwing', () => {
    const modem = new VirtualModem({ card: new TestCard() });
    const ep = new VirtualQmiEndpoint({ modem });
    ep.attach(() => undefined);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(...REAL_FRAMES).chain((f) => byteMutations.map((m) => mutate(f, m)))), { maxLength: 8 }), (chunks) => {
        for (const c of chunks) ep.input(c);
      }),
      { seed: 0x9a08, numRuns: 1500 },
    );
    ep.dispose();
    modem.dispose();
  });
});
