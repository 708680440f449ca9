/**
 * Fuzz: what a (broken, noisy or hostile) MBIM device sends, driver side.
 *
 * - MbimReader + MbimAssembler on random bytes and on mutated real messages (fragmented or not):
 *   only TRANSPORT_BAD_FRAME, reported not thrown, held-back bytes bounded.
 * - any chunking of a stream of valid (fragmented) messages gives back exactly those messages.
 * - the InfoBuffer parsers (open channel, APDU, subscriber ready 1.0 / v3, device caps, proxy
 *   version) on random and mutated InfoBuffers: a value or TRANSPORT_BAD_FRAME.
 * - the virtual module's MBIM endpoint takes random input without throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISDR_AID } from '../../src/apdu/cla.js';
import { CommandType, MAX_FRAGMENT, MbimAssembler, MbimReader, MbimType, decodeBody, encodeMbim, type MbimMessage } from '../../drivers/mbim/codec.js';
import { buildInfo } from '../../drivers/mbim/info.js';
import { Service, Uicc, apduInfo, openChannelInfo, parseApdu, parseDeviceCaps, parseOpenChannel, parseProxyVersion, parseSubscriberReady, subscriberReadyInfo } from '../../drivers/mbim/messages.js';
import { VirtualMbimEndpoint } from '../../drivers/virtual/mbim/endpoint.js';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import { TestCard } from '../drivers/virtual/testCard.js';
import { byteMutations, expectSaneMessage, mutate, onlyTyped } from './helpers.js';

const BAD = ['TRANSPORT_BAD_FRAME'] as const;

const REAL: MbimMessage[] = [
  { type: MbimType.open, tid: 1, maxControlTransfer: 4096 },
  { type: MbimType.openDone, tid: 1, status: 0 },
  { type: MbimType.command, tid: 2, service: Service.msUiccLowLevelAccess, cid: Uicc.openChannel, commandType: CommandType.set, info: openChannelInfo(ISDR_AID, 0, 1) },
  { type: MbimType.commandDone, tid: 3, service: Service.msUiccLowLevelAccess, cid: Uicc.apdu, status: 0, info: buildInfo([{ u32: 0x90 }, { uiccBytes: new Uint8Array(120).fill(0xbf) }]) },
  { type: MbimType.indicateStatus, tid: 0, service: Service.basicConnect, cid: 2, info: subscriberReadyInfo(1, '001010123456789', '8988307000000000016', false) },
  { type: MbimType.functionError, tid: 4, error: 5 },
];
const REAL_BYTES = REAL.map((m) => Buffer.concat(encodeMbim(m, 64)));

function drain(chunks: Uint8Array[]): { messages: MbimMessage[]; errors: number } {
  const r = new MbimReader();
  const a = new MbimAssembler();
  const messages: MbimMessage[] = [];
  let errors = 0;
  for (const c of chunks) {
    const out = onlyTyped(() => r.push(c), BAD, c);
    if (out instanceof Error) throw out;
    for (const e of out.errors) {
      expect(e.code).toBe('TRANSPORT_BAD_FRAME');
      expectSaneMessage(e);
      errors++;
    }
    for (const f of out.fragments) {
      const { message, error } = a.push(f);
      if (error) {
        expect(error.code).toBe('TRANSPORT_BAD_FRAME');
        errors++;
      }
      if (message) messages.push(message);
    }
    expect(r.pending).toBeLessThanOrEqual(MAX_FRAGMENT);
  }
  return { messages, errors };
}

describe('fuzz: MBIM reading', () => {
  it('random bytes and mutated real messages: messages or reported TRANSPORT_BAD_FRAME, never thrown', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(...REAL_BYTES).chain((b) => byteMutations.map((m) => mutate(b, m)))), { maxLength: 8 }), (chunks) => {
        drain(chunks);
      }),
      { seed: 0x3b01, numRuns: 2000 },
    );
  });

  it('any chunking of valid fragmented messages gives exactly those messages', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...REAL), { minLength: 1, maxLength: 5 }), fc.integer({ min: 64, max: 300 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 40 }), (msgs, max, cuts) => {
        const stream = Buffer.concat(msgs.flatMap((m) => encodeMbim(m, max)));
        const chunks: Uint8Array[] = [];
        let p = 0;
        for (const c of cuts) {
          chunks.push(stream.subarray(p, p + c));
          p += c;
        }
        chunks.push(stream.subarray(p));
        const { messages, errors } = drain(chunks);
        expect(errors).toBe(0);
        expect(messages).toEqual(msgs);
      }),
      { seed: 0x3b02, numRuns: 500 },
    );
  });

  it('decodeBody on random bodies: a message or TRANSPORT_BAD_FRAME', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(MbimType)), fc.uint8Array({ maxLength: 120 }), (type, body) => {
        expectSaneMessage(onlyTyped(() => decodeBody(type, 1, body), BAD, body));
      }),
      { seed: 0x3b03, numRuns: 2000 },
    );
  });
});

describe('fuzz: MBIM InfoBuffer parsers', () => {
  const parsers: ((b: Uint8Array) => unknown)[] = [parseOpenChannel, parseApdu, (b) => parseSubscriberReady(b, false), (b) => parseSubscriberReady(b, true), parseDeviceCaps, parseProxyVersion];
  const corpus = [
    buildInfo([{ u32: 0x90 }, { u32: 1 }, { uiccBytes: new Uint8Array(20).fill(0x6f) }]),
    apduInfo(1, 0, 1, Uint8Array.of(0x81, 0xe2, 0x91, 0, 1, 0)),
    subscriberReadyInfo(1, '001010123456789', '8988307000000000016', true),
    buildInfo([{ u32: 1 }, { u32: 1 }, { u32: 1 }, { u32: 2 }, { u32: 0x20 }, { u32: 3 }, { u32: 1 }, { u32: 8 }, { string: '' }, { string: '350000000000014' }, { string: 'FW' }, { string: 'HW' }]),
  ];

  it('random and mutated InfoBuffers: a value or TRANSPORT_BAD_FRAME; strings bounded', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(...corpus).chain((b) => byteMutations.map((m) => mutate(b, m)))), (b) => {
        for (const p of parsers) {
          const r = onlyTyped(() => p(b), BAD, b);
          expectSaneMessage(r);
          if (r && typeof r === 'object' && 'iccid' in r && typeof r.iccid === 'string') expect(r.iccid.length).toBeLessThanOrEqual(1024);
        }
      }),
      { seed: 0x3b04, numRuns: 3000 },
    );
  });
});

describe('fuzz: the virtual MBIM endpoint', () => {
  it('takes random and mutated input without throwing', () => {
    const modem = new VirtualModem({ card: new TestCard() });
    const ep = new VirtualMbimEndpoint({ modem, maxControlTransfer: 64 });
    ep.attach(() => undefined);
    ep.input(Buffer.concat(encodeMbim({ type: MbimType.open, tid: 1, maxControlTransfer: 64 })));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(...REAL_BYTES).chain((b) => byteMutations.map((m) => mutate(b, m)))), { maxLength: 6 }), (chunks) => {
        for (const c of chunks) ep.input(c);
      }),
      { seed: 0x3b05, numRuns: 1500 },
    );
    ep.dispose();
    modem.dispose();
  });
});
