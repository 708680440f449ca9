/**
 * Fuzz: what vpcd (or anything listening on its port) sends to `serve-card`.
 *
 * - drivers/virtual/vpcd.ts frame splitting: any sequence of messages, cut into arbitrary chunks,
 *   comes out as exactly those messages; a partial message waits for the rest, never more.
 * - the card behind it answers every message that is not a control with a status word and never
 *   throws (random payloads of 2..300 bytes through the virtual eUICC).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VpcdFrameReader, parseVpcdAddress, vpcdFrame } from '../../drivers/virtual/vpcd.js';
import { openVirtualEuicc } from '../../src/sim/euicc/index.js';
import { isLpaError } from '../../src/errors.js';

describe('vpcd framing', () => {
  it('arbitrary chunking gives back exactly the messages sent', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (messages, cuts) => {
        const wire = Buffer.concat(messages.map((m) => vpcdFrame(m)));
        const reader = new VpcdFrameReader();
        const out: Uint8Array[] = [];
        let pos = 0;
        for (let i = 0; pos < wire.length; i++) {
          const n = cuts[i % cuts.length]!;
          out.push(...reader.push(wire.subarray(pos, pos + n)));
          pos += n;
        }
        expect(out.map((m) => Buffer.from(m).toString('hex'))).toEqual(messages.map((m) => Buffer.from(m).toString('hex')));
      }),
      { numRuns: 300 },
    );
  });

  it('a length that promises more than arrives yields nothing (and no growth beyond the bytes given)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff }), fc.uint8Array({ maxLength: 200 }), (len, body) => {
        fc.pre(body.length < len);
        const head = Buffer.alloc(2);
        head.writeUInt16BE(len, 0);
        expect(new VpcdFrameReader().push(Buffer.concat([head, body]))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('the virtual eUICC answers any payload with a status word', () => {
    const card = openVirtualEuicc();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 300 }), (apdu) => {
        const resp = card.transmit(apdu);
        expect(resp.length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 300 },
    );
  });

  it('addresses: host:port, [v6]:port, bare host; anything else is a usage error', () => {
    expect(parseVpcdAddress('127.0.0.1:35964')).toEqual({ host: '127.0.0.1', port: 35964 });
    expect(parseVpcdAddress('[::1]:35963')).toEqual({ host: '::1', port: 35963 });
    expect(parseVpcdAddress('localhost')).toEqual({ host: 'localhost', port: 35963 });
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          const a = parseVpcdAddress(text);
          expect(a.port).toBeGreaterThanOrEqual(1);
          expect(a.port).toBeLessThanOrEqual(65535);
          expect(a.host.length).toBeGreaterThan(0);
        } catch (e) {
          expect(isLpaError(e, 'USAGE')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
