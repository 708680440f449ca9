import { describe, expect, it } from 'vitest';
import { sendEs10, storeDataBlocks } from '../../src/apdu/storeData.js';
import { isLpaError, LpaError } from '../../src/errors.js';
import { concatBytes, fromHex, toHex } from '../../src/util/hex.js';
import { FakeChannel, SW_OK } from './fakeChannel.js';
import { Es10Client } from '../../src/es10/client.js';

function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
}

describe('storeDataBlocks', () => {
  it('sends GetEID as one block (golden)', () => {
    expect(storeDataBlocks(fromHex('BF3E035C015A')).map(toHex)).toEqual(['80E2910006BF3E035C015A']);
  });

  it.each([
    [1, [[0x91, 0, 1]]],
    [255, [[0x91, 0, 255]]],
    [256, [[0x11, 0, 255], [0x91, 1, 1]]],
    [510, [[0x11, 0, 255], [0x91, 1, 255]]],
    [600, [[0x11, 0, 255], [0x11, 1, 255], [0x91, 2, 90]]],
  ])('%i bytes -> P1/P2/Lc %j', (n, expected) => {
    const der = bytes(n);
    const blocks = storeDataBlocks(der);
    expect(blocks.map((b) => [b[2], b[3], b[4]])).toEqual(expected);
    for (const b of blocks) {
      expect(b[0]).toBe(0x80);
      expect(b[1]).toBe(0xe2);
      expect(b.length).toBe(5 + b[4]!); // no Le
    }
    expect(toHex(concatBytes(...blocks.map((b) => b.subarray(5))))).toBe(toHex(der));
  });

  it('honours blockSize and cla', () => {
    const blocks = storeDataBlocks(bytes(10), { blockSize: 4, cla: 0x81 });
    expect(blocks.map(toHex)).toEqual(['81E211000400010203', '81E211010404050607', '81E29102020809']);
  });

  it('rejects empty input, bad block sizes and more than 256 blocks', () => {
    for (const f of [() => storeDataBlocks(new Uint8Array(0)), () => storeDataBlocks(bytes(3), { blockSize: 0 }), () => storeDataBlocks(bytes(3), { blockSize: 256 }), () => storeDataBlocks(bytes(257), { blockSize: 1 })]) {
      expect(f).toThrow(LpaError);
    }
  });
});

describe('sendEs10', () => {
  it('sends every block, concatenates response data and passes timeoutMs', async () => {
    const ch = new FakeChannel((apdu) => (apdu[2] === 0x91 ? fromHex('BF2E0380010A9000') : SW_OK));
    const resp = await sendEs10(ch, bytes(600), { timeoutMs: 1234 });
    expect(toHex(resp)).toBe('BF2E0380010A');
    expect(ch.sent.length).toBe(3);
    expect(ch.options).toEqual([{ timeoutMs: 1234 }, { timeoutMs: 1234 }, { timeoutMs: 1234 }]);
  });

  it('concatenates data answered on intermediate blocks', async () => {
    const ch = new FakeChannel((_a, i) => (i === 0 ? fromHex('BF2E9000') : fromHex('0380010A9000')));
    expect(toHex(await sendEs10(ch, bytes(300)))).toBe('BF2E0380010A');
  });

  it('returns empty when the eUICC answers nothing', async () => {
    const ch = new FakeChannel(() => SW_OK);
    expect((await sendEs10(ch, bytes(5))).length).toBe(0);
    expect(ch.options).toEqual([undefined]);
  });

  it('accepts 91xx on any block (a proactive command is pending) and keeps the data', async () => {
    const ch = new FakeChannel((apdu) => (apdu[2] === 0x91 ? fromHex('BF2E0380010A9110') : fromHex('910B')));
    expect(toHex(await sendEs10(ch, bytes(600)))).toBe('BF2E0380010A');
  });

  it('6601 on a long block suggests --apdu-size', async () => {
    const ch = new FakeChannel(() => fromHex('6601'));
    await expect(sendEs10(ch, bytes(300))).rejects.toThrow(/--apdu-size 120/);
  });

  it('stops at the first non-9000 with APDU_STATUS', async () => {
    const ch = new FakeChannel((_a, i) => (i === 1 ? fromHex('6A80') : SW_OK));
    try {
      await sendEs10(ch, bytes(600), { fn: 'AuthenticateServer' });
      expect.unreachable();
    } catch (e) {
      expect(isLpaError(e, 'APDU_STATUS')).toBe(true);
      expect((e as LpaError).details.sw).toBe('6A80');
      expect((e as LpaError).message).toMatch(/AuthenticateServer \(block 2\/3\)/);
    }
    expect(ch.sent.length).toBe(2);
  });
});

describe('Es10Client block size', () => {
  const answer = (apdu: Uint8Array) => (apdu[2] === 0x91 ? fromHex('BF2F00' + '9000') : SW_OK);
  const lcs = (ch: FakeChannel) => ch.sent.map((a) => a[4]);

  it('255 by default; --apdu-size wins over the transport preference; the transport cap always applies', async () => {
    const der = concatBytes(fromHex('BF2F82012C'), bytes(300));
    const plain = new FakeChannel(answer);
    await new Es10Client(plain).call('X', der);
    expect(lcs(plain)).toEqual([255, 50]);

    const vendor = Object.assign(new FakeChannel(answer), { storeDataBlockSize: 120 });
    await new Es10Client(vendor).call('X', der);
    expect(lcs(vendor)).toEqual([120, 120, 65]);

    const user = Object.assign(new FakeChannel(answer), { storeDataBlockSize: 120 });
    await new Es10Client(user, { blockSize: 200 }).call('X', der);
    expect(lcs(user)).toEqual([200, 105]);

    // a +CSIM line limit of 128 bytes leaves 123 data bytes, whatever was asked
    const capped = Object.assign(new FakeChannel(answer), { maxCommandApduBytes: 128 });
    const client = new Es10Client(capped, { blockSize: 255 });
    expect(client.blockSize).toBe(123);
    await client.call('X', der);
    expect(lcs(capped)).toEqual([123, 123, 59]);
    expect(Math.max(...capped.sent.map((a) => a.length))).toBe(128);
  });

  it('every sequence restarts P2 at 0 and only its last block has P1 91', async () => {
    const ch = new FakeChannel(answer);
    const es10 = new Es10Client(ch, { blockSize: 7 });
    await es10.call('A', bytes(20));
    await es10.call('B', bytes(7));
    expect(ch.sent.map((a) => [a[2], a[3], a[4]])).toEqual([
      [0x11, 0, 7],
      [0x11, 1, 7],
      [0x91, 2, 6],
      [0x91, 0, 7],
    ]);
  });
});
