import { describe, expect, it } from 'vitest';
import { ISDR_AID } from '../../../src/apdu/cla.js';
import { CTL_FLAG, QmiService, QmuxReader, SERVICE_FLAG, decodeQmi, encodeQmi, kindOf, resultOf, tlv } from '../../../drivers/qmi/codec.js';
import {
  AppState,
  AppType,
  CTL,
  CardState,
  UIM,
  allocateCidTlvs,
  cardReady,
  closeChannelTlvs,
  encodeCardStatus,
  openLogicalChannelTlvs,
  parseApduResponse,
  parseCardStatus,
  parseChannelAnswer,
  proxyOpenTlvs,
  sendApduTlvs,
} from '../../../drivers/qmi/messages.js';
import { isLpaError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';

const hex = (s: string) => fromHex(s.replace(/\s+/g, ''));

/** Byte-exact frames from transport-facts.md 1.5 (captured from libqmi's qmi-proxy, or derived from its layouts). */
const GOLDEN = {
  allocateUim: '01 0F 00 00 00 00 00 01 22 00 04 00 01 01 00 0B',
  openIsdr: `01 24 00 00 0B 01 00 01 00 42 00 18 00 01 01 00 01 10 11 00 10 ${toHex(ISDR_AID)}`,
  closeChannel1: '01 14 00 00 0B 01 00 03 00 3F 00 08 00 01 01 00 01 11 01 00 01',
  proxyOpenDevNull: '01 17 00 00 00 00 00 01 00 FF 0C 00 01 09 00 2F 64 65 76 2F 6E 75 6C 6C',
  proxyOpenAnswer: '01 12 00 80 00 00 01 01 00 FF 07 00 02 04 00 00 00 00 00',
};

describe('QMUX codec: golden frames', () => {
  it('encodes CTL Allocate CID for UIM byte for byte', () => {
    const f = encodeQmi({ service: QmiService.CTL, clientId: 0, flags: CTL_FLAG.request, transaction: 1, messageId: CTL.allocateCid, tlvs: allocateCidTlvs(QmiService.UIM) });
    expect(toHex(f)).toBe(toHex(hex(GOLDEN.allocateUim)));
  });

  it('encodes UIM Open Logical Channel to the ISD-R and the Logical Channel close', () => {
    const open = encodeQmi({ service: QmiService.UIM, clientId: 1, flags: SERVICE_FLAG.request, transaction: 1, messageId: UIM.openLogicalChannel, tlvs: openLogicalChannelTlvs(1, ISDR_AID) });
    expect(toHex(open)).toBe(toHex(hex(GOLDEN.openIsdr)));
    const close = encodeQmi({ service: QmiService.UIM, clientId: 1, flags: SERVICE_FLAG.request, transaction: 3, messageId: UIM.logicalChannel, tlvs: closeChannelTlvs(1, 1) });
    expect(toHex(close)).toBe(toHex(hex(GOLDEN.closeChannel1)));
  });

  it('encodes qmi-proxy\'s open message and decodes its captured answer', () => {
    const open = encodeQmi({ service: QmiService.CTL, clientId: 0, flags: CTL_FLAG.request, transaction: 1, messageId: CTL.internalProxyOpen, tlvs: proxyOpenTlvs('/dev/null') });
    expect(toHex(open)).toBe(toHex(hex(GOLDEN.proxyOpenDevNull)));
    const m = decodeQmi(hex(GOLDEN.proxyOpenAnswer));
    expect(m).toMatchObject({ service: 0, clientId: 0, flags: CTL_FLAG.response, transaction: 1, messageId: 0xff00, control: 0x80 });
    expect(kindOf(m)).toBe('response');
    expect(resultOf(m)).toEqual({ status: 0, error: 0 });
  });

  it('round-trips a Send APDU request and answer', () => {
    const apdu = hex('81E2910006BF3E035C015A');
    const req = decodeQmi(encodeQmi({ service: QmiService.UIM, clientId: 2, flags: 0, transaction: 0x1234, messageId: UIM.sendApdu, tlvs: sendApduTlvs(1, 2, apdu) }));
    expect(req.transaction).toBe(0x1234);
    expect(toHex(req.tlvs.find((t) => t.type === 0x02)!.value)).toBe(`0B00${toHex(apdu)}`);
    const resp = hex('BF3E125A1089049032123451234512345678901235 9000');
    const answer = decodeQmi(encodeQmi({ service: QmiService.UIM, clientId: 2, flags: SERVICE_FLAG.response, transaction: 0x1234, messageId: UIM.sendApdu, tlvs: [tlv(0x02, [0, 0, 0, 0]), tlv(0x10, [resp.length, 0, ...resp])] }, true));
    expect(answer.control).toBe(0x80);
    expect(toHex(parseApduResponse(answer.tlvs.find((t) => t.type === 0x10)!.value))).toBe(toHex(resp));
  });

  it('refuses frames whose lengths do not add up, with TRANSPORT_BAD_FRAME', () => {
    const good = hex(GOLDEN.allocateUim);
    const cases = [good.subarray(0, 10), Uint8Array.of(0x02, ...good.subarray(1)), Uint8Array.of(...good, 0x00)];
    const badTlv = good.slice();
    badTlv[13] = 0x09; // TLV claims 9 bytes, 1 present
    cases.push(badTlv);
    for (const c of cases) {
      let err: unknown;
      try {
        decodeQmi(c);
      } catch (e) {
        err = e;
      }
      expect(isLpaError(err, 'TRANSPORT_BAD_FRAME')).toBe(true);
    }
  });
});

describe('QMUX stream reader', () => {
  it('splits several frames per chunk and one frame over several chunks', () => {
    const a = hex(GOLDEN.proxyOpenAnswer);
    const b = hex(GOLDEN.allocateUim);
    const r = new QmuxReader();
    const all = Uint8Array.of(...a, ...b, ...a);
    const got = [...r.push(all.subarray(0, 5)).messages, ...r.push(all.subarray(5, 30)).messages, ...r.push(all.subarray(30)).messages];
    expect(got.map((m) => m.messageId)).toEqual([0xff00, 0x22, 0xff00]);
    expect(r.pending).toBe(0);
  });

  it('reports garbage and resynchronises on the next marker; refuses an oversized length', () => {
    const r = new QmuxReader();
    const out = r.push(Uint8Array.of(0x41, 0x54, 0x0d, ...hex(GOLDEN.proxyOpenAnswer)));
    expect(out.errors[0]!.message).toMatch(/3 byte\(s\) that are not QMUX frames \(41540D\)/);
    expect(out.messages).toHaveLength(1);
    const big = r.push(Uint8Array.of(0x01, 0xff, 0xff, 0x80, 0x00));
    expect(big.errors[0]!.message).toMatch(/exceeds 8192/);
  });

  it('holds a truncated frame back until the rest comes', () => {
    const r = new QmuxReader();
    const f = hex(GOLDEN.proxyOpenAnswer);
    expect(r.push(f.subarray(0, 12)).messages).toHaveLength(0);
    expect(r.pending).toBe(12);
    expect(r.push(f.subarray(12)).messages).toHaveLength(1);
  });
});

describe('UIM card status', () => {
  it('encodes and parses a present card with a ready USIM, and says when it is ready', () => {
    const aid = hex('A0000000871002FFFFFFFF89');
    const v = encodeCardStatus({ cardState: CardState.present, errorCode: 0, apps: [{ type: AppType.usim, state: AppState.ready, aid }] });
    const s = parseCardStatus(v);
    expect(s.cards).toHaveLength(1);
    expect(s.cards[0]!.apps[0]).toMatchObject({ type: 2, state: 7 });
    expect(toHex(s.cards[0]!.apps[0]!.aid)).toBe(toHex(aid));
    expect(cardReady(s, 1).ready).toBe(true);
    expect(cardReady(s, 2)).toEqual({ ready: false, why: 'no card in slot 2' });
    const resetting = parseCardStatus(encodeCardStatus({ cardState: CardState.present, errorCode: 0, apps: [{ type: AppType.usim, state: AppState.detected, aid }] }));
    expect(cardReady(resetting, 1).ready).toBe(false);
    // an eUICC without an enabled profile: present, no application, ready for ISD-R work
    expect(cardReady(parseCardStatus(encodeCardStatus({ cardState: CardState.present, errorCode: 0, apps: [] })), 1).ready).toBe(true);
  });

  it('parses the channel answer of Open Logical Channel', () => {
    const a = parseChannelAnswer([tlv(0x10, [2]), tlv(0x11, [0x90, 0x00]), tlv(0x12, [3, 0x6f, 0x01, 0x84])]);
    expect(a).toMatchObject({ channel: 2, sw: 0x9000 });
    expect(toHex(a.selectResponse!)).toBe('6F0184');
    expect(() => parseChannelAnswer([tlv(0x12, [9, 1])])).toThrow(/select response claims 9 bytes/);
  });
});
