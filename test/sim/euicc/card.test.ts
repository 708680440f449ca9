import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISD_R_FCI } from '../../../src/sim/euicc/capabilities.js';
import { openVirtualEuicc, VirtualEuicc, EuiccStateStore, type Es10Handler } from '../../../src/sim/euicc/index.js';
import { transmitWithChaining } from '../../../src/apdu/getResponse.js';
import type { Es10Continuation } from '../../../src/sim/euicc/index.js';
import { concatBytes, fromHex, toHex } from '../../../src/util/hex.js';
import { claFor, ISD_R_AID, openIsdR, send, storeData } from './helpers.js';

/** Test function BF7E: answers BF7E { 04 <request bytes> } so reassembly and chaining are visible. */
const ECHO: Es10Handler = {
  name: 'Echo',
  tag: 0xbf7e,
  handle: (req) => {
    const len = req.length;
    const inner = concatBytes(Uint8Array.of(0x04, 0x82, len >> 8, len & 0xff), req);
    return concatBytes(Uint8Array.of(0xbf, 0x7e, 0x82, inner.length >> 8, inner.length & 0xff), inner);
  },
};

function echoCard(): VirtualEuicc {
  return new VirtualEuicc({ store: EuiccStateStore.open(), handlers: [ECHO] });
}

/** BF7E request of `n` bytes in total (value filled with a counting pattern). */
function echoRequest(n: number): Uint8Array {
  const body = new Uint8Array(n - 5).map((_, i) => i & 0xff);
  return concatBytes(Uint8Array.of(0xbf, 0x7e, 0x82, body.length >> 8, body.length & 0xff), body);
}

/**
 * Test function BF7D sent as three STORE DATA sequences (like LoadBoundProfilePackage): the first
 * two answer empty (continue), the third answers BF7D { 80 count } with the bytes seen.
 */
const MULTI: Es10Handler = {
  name: 'Multi',
  tag: 0xbf7d,
  handle: (req, ctx) => {
    let seen = req.length;
    let step = 0;
    const next: Es10Continuation = (data, c) => {
      if (data[0] !== 0xa0) return undefined; // not a continuation: dispatch by tag
      seen += data.length;
      if (++step < 2) {
        c.continueWith(next);
        return new Uint8Array(0);
      }
      return Uint8Array.of(0xbf, 0x7d, 0x03, 0x80, 0x01, seen);
    };
    ctx.continueWith(next);
    return new Uint8Array(0);
  },
};

describe('VirtualEuicc ISO 7816 layer', () => {
  it('opens logical channels 1..19 with MANAGE CHANNEL, then refuses with 6A81', () => {
    const card = echoCard();
    for (let n = 1; n <= 19; n++) {
      const r = send(card, '0070000001');
      expect(r.sw).toBe('9000');
      expect(Array.from(r.data)).toEqual([n]);
    }
    expect(send(card, '0070000001').sw).toBe('6A81');
    expect(card.openChannels()).toHaveLength(20);
  });

  it('closes channels with P1=80 and answers 6881 on a closed channel', () => {
    const card = echoCard();
    expect(send(card, '0070000001').data[0]).toBe(1);
    expect(send(card, '0070800100').sw).toBe('9000');
    expect(send(card, `01A4040010${ISD_R_AID}00`).sw).toBe('6881');
    expect(send(card, '0070800100').sw).toBe('6881'); // already closed
    expect(send(card, '0070800000').sw).toBe('6A86'); // the basic channel cannot close
    expect(send(card, '0070000001').data[0]).toBe(1); // lowest free number is reused
  });

  it('decodes further-interindustry CLA bytes (0x4X / 0xCX) as channels 4..19', () => {
    const card = echoCard();
    for (let n = 1; n <= 19; n++) send(card, '0070000001');
    for (const ch of [4, 11, 19]) {
      const sel = send(card, `${toHex(Uint8Array.of(claFor(ch, false)))}A4040010${ISD_R_AID}00`);
      expect(sel.sw).toBe('9000');
      const ans = storeData(card, ch, echoRequest(40));
      expect(ans.sw).toBe('9000');
    }
    expect(send(card, '4F70800000').sw).toBe('9000'); // close channel 19 via its own CLA
    expect(send(card, `4FA4040010${ISD_R_AID}00`).sw).toBe('6881');
  });

  it('selects only the ISD-R: FCI with 9000, 6A82 for other AIDs, no data for P2=0C', () => {
    const card = echoCard();
    const r = send(card, `00A4040010${ISD_R_AID}00`);
    expect(r.sw).toBe('9000');
    expect(toHex(r.data)).toBe(toHex(ISD_R_FCI));
    expect(toHex(r.data)).toMatch(/^6F1F8410A0000005591010FFFFFFFF8900000100A50B/);
    expect(send(card, `00A404000CA0000005591010FFFFFFFF89`).sw).toBe('6A82');
    expect(send(card, '00A40000023F00').sw).toBe('6A82');
    const quiet = send(card, `00A4040C10${ISD_R_AID}`);
    expect(quiet.sw).toBe('9000');
    expect(quiet.data.length).toBe(0);
  });

  it('refuses STORE DATA before SELECT (6985) and with an interindustry class (6E00)', () => {
    const card = echoCard();
    const ch = send(card, '0070000001').data[0]!;
    expect(storeData(card, ch, echoRequest(20)).sw).toBe('6985');
    send(card, `0${ch}A4040010${ISD_R_AID}00`);
    expect(send(card, `0${ch}E2910005BF7E020000`).sw).toBe('6E00');
  });

  it.each([255, 120, 17])('reassembles STORE DATA blocks of %i bytes and chains a long answer with 61xx', (size) => {
    const card = echoCard();
    const ch = openIsdR(card);
    const req = echoRequest(1000);
    const ans = storeData(card, ch, req, size);
    expect(ans.sw).toBe('9000');
    const expected = ECHO.handle(req, undefined as never);
    expect(toHex(ans.data)).toBe(toHex(expected));
    // blocks + GET RESPONSE rounds of 256 bytes
    expect(ans.apdus).toBe(Math.ceil(1000 / size) + Math.ceil(expected.length / 256));
  });

  it('answers 61xx with no data and serves GET RESPONSE in chunks of at most Le bytes', () => {
    const card = echoCard();
    const ch = openIsdR(card);
    const req = echoRequest(300);
    send(card, concatBytes(Uint8Array.of(0x80 | ch, 0xe2, 0x11, 0x00, 0xff), req.subarray(0, 255)));
    const first = send(card, concatBytes(Uint8Array.of(0x80 | ch, 0xe2, 0x91, 0x01, 45), req.subarray(255)));
    expect(first.sw).toBe('6100');
    expect(first.data.length).toBe(0);
    const a = send(card, Uint8Array.of(0x80 | ch, 0xc0, 0, 0, 0x10));
    expect(a.data.length).toBe(16);
    expect(a.sw).toBe('6100');
    const total = 300 + 9;
    let got = 16;
    let last = a;
    while (last.sw !== '9000') {
      last = send(card, Uint8Array.of(0x00 | ch, 0xc0, 0, 0, 0x00));
      got += last.data.length;
    }
    expect(got).toBe(total);
    expect(send(card, Uint8Array.of(0x80 | ch, 0xc0, 0, 0, 0x00)).sw).toBe('6985'); // nothing left
  });

  it('answers 6A86 to out-of-order STORE DATA blocks and drops the partial request', () => {
    const card = echoCard();
    const ch = openIsdR(card);
    const req = echoRequest(600);
    const cla = 0x80 | ch;
    expect(send(card, concatBytes(Uint8Array.of(cla, 0xe2, 0x11, 0, 255), req.subarray(0, 255))).sw).toBe('9000');
    expect(send(card, concatBytes(Uint8Array.of(cla, 0xe2, 0x11, 2, 255), req.subarray(255, 510))).sw).toBe('6A86');
    expect(send(card, concatBytes(Uint8Array.of(cla, 0xe2, 0x91, 1, 90), req.subarray(510))).sw).toBe('6A86');
    expect(send(card, concatBytes(Uint8Array.of(cla, 0xe2, 0x91, 3, 4), Uint8Array.of(1, 2, 3, 4))).sw).toBe('6A86');
    // a fresh sequence from block 0 works again
    expect(storeData(card, ch, req).sw).toBe('9000');
  });

  it('keeps STORE DATA sequences of different channels apart', () => {
    const card = echoCard();
    const a = openIsdR(card);
    const b = openIsdR(card);
    const ra = echoRequest(400);
    const rb = echoRequest(300);
    send(card, concatBytes(Uint8Array.of(0x80 | a, 0xe2, 0x11, 0, 255), ra.subarray(0, 255)));
    send(card, concatBytes(Uint8Array.of(0x80 | b, 0xe2, 0x11, 0, 255), rb.subarray(0, 255)));
    const endA = send(card, concatBytes(Uint8Array.of(0x80 | a, 0xe2, 0x91, 1, ra.length - 255), ra.subarray(255)));
    expect(endA.sw).toBe('6100');
    const endB = send(card, concatBytes(Uint8Array.of(0x80 | b, 0xe2, 0x91, 1, rb.length - 255), rb.subarray(255)));
    expect(endB.sw).toBe('6100');
  });

  it('routes follow-up STORE DATA sequences to a continuation, per channel', () => {
    const card = new VirtualEuicc({ store: EuiccStateStore.open(), handlers: [ECHO, MULTI] });
    const ch = openIsdR(card);
    const other = openIsdR(card);
    expect(storeData(card, ch, fromHex('BF7D020102')).data.length).toBe(0);
    // the other channel is not affected by the pending continuation
    expect(storeData(card, other, fromHex('A0020102')).sw).toBe('6A88');
    expect(storeData(card, ch, fromHex('A0020304')).data.length).toBe(0);
    const end = storeData(card, ch, fromHex('A0020506'));
    expect(toHex(end.data)).toBe('BF7D0380010D');
    // done: A0 is no longer expected
    expect(storeData(card, ch, fromHex('A0020506')).sw).toBe('6A88');
    // a continuation that says "not mine" falls back to tag dispatch
    storeData(card, ch, fromHex('BF7D020102'));
    expect(storeData(card, ch, echoRequest(10)).sw).toBe('9000');
    expect(storeData(card, ch, fromHex('A0020304')).sw).toBe('6A88');
  });

  it('works with the LPA-side GET RESPONSE helper (transmitWithChaining)', async () => {
    const card = echoCard();
    const ch = openIsdR(card);
    const req = echoRequest(200);
    const apdu = concatBytes(Uint8Array.of(0x80 | ch, 0xe2, 0x91, 0x00, req.length), req);
    const out = await transmitWithChaining(async (a) => card.transmit(a), apdu, 0x80 | ch);
    expect(toHex(out)).toBe(toHex(concatBytes(ECHO.handle(req, undefined as never), fromHex('9000'))));
  });

  it('answers TERMINAL CAPABILITY with 9000', () => {
    const card = echoCard();
    expect(send(card, '80AA000005A903830107').sw).toBe('9000');
  });

  it('answers hostile APDUs with status words', () => {
    const card = echoCard();
    const ch = openIsdR(card);
    const p = (0x80 | ch).toString(16).toUpperCase();
    expect(send(card, '').sw).toBe('6700');
    expect(send(card, '80').sw).toBe('6700');
    expect(send(card, '80E291').sw).toBe('6700');
    expect(send(card, `${p}E2910010BF7E03`).sw).toBe('6700'); // Lc says 16, 3 bytes follow
    expect(send(card, `${p}E2910002BF7E03020100`).sw).toBe('6700'); // longer than Lc + Le
    expect(send(card, `${p}E2910000`).sw).toBe('6700'); // no data
    expect(send(card, `${p}E29100000100`).sw).toBe('6700'); // extended length
    expect(send(card, `${p}50000000`).sw).toBe('6D00');
    expect(send(card, `${p}CA9F7F00`).sw).toBe('6D00');
    expect(send(card, 'A0A40000023F00').sw).toBe('6E00');
    expect(send(card, '20A40000023F00').sw).toBe('6E00');
    expect(send(card, 'FFA40000023F00').sw).toBe('6E00');
    expect(send(card, '0CA40000023F00').sw).toBe('6882'); // secure messaging
    expect(send(card, '10A40000023F00').sw).toBe('6884'); // command chaining
    expect(send(card, '03A4040010' + ISD_R_AID).sw).toBe('6881');
    expect(send(card, '0070400000').sw).toBe('6A86');
    expect(send(card, `${p}C00000`).sw).toBe("6700");
  });

  it('answers garbage DER in STORE DATA with 6A80 and unknown functions with 6A88', () => {
    const card = echoCard();
    const ch = openIsdR(card);
    expect(storeData(card, ch, Uint8Array.of(0xbf)).sw).toBe('6A80');
    expect(storeData(card, ch, Uint8Array.of(0xbf, 0xff, 0xff, 0xff, 0x01)).sw).toBe('6A80');
    expect(storeData(card, ch, Uint8Array.of(0xbf, 0x3e, 0x03, 0x5c, 0x01, 0x5a)).sw).toBe('6A88');
    expect(storeData(card, ch, Uint8Array.of(0x30, 0x00)).sw).toBe('6A88');
  });

  it('reset() closes every logical channel and drops partial STORE DATA and pending responses', () => {
    const card = echoCard();
    const ch = openIsdR(card);
    send(card, concatBytes(Uint8Array.of(0x80 | ch, 0xe2, 0x11, 0, 5), echoRequest(5)));
    card.reset();
    expect(card.openChannels()).toEqual([0]);
    expect(send(card, concatBytes(Uint8Array.of(0x80 | ch, 0xe2, 0x91, 1, 5), echoRequest(5))).sw).toBe('6881');
    const again = openIsdR(card);
    expect(again).toBe(1);
    expect(send(card, concatBytes(Uint8Array.of(0x80 | again, 0xe2, 0x91, 1, 5), echoRequest(5))).sw).toBe('6A86');
  });

  it('never throws and always ends with a status word, whatever the bytes', () => {
    const card = openVirtualEuicc();
    openIsdR(card);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (apdu) => {
        const out = card.transmit(apdu);
        return out.length >= 2;
      }),
      { numRuns: 2000, seed: 42 },
    );
    // STORE DATA framing with random payloads reaches the ES10 decoders
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 255 }), (payload) => {
        const out = card.transmit(concatBytes(Uint8Array.of(0x81, 0xe2, 0x91, 0x00, payload.length), payload));
        return out.length >= 2;
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
