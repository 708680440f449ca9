import { describe, expect, it } from 'vitest';
import {
  apdusOfLine,
  DEFAULT_LINK,
  formatLinkSpec,
  functionOfTag,
  LinkTimer,
  linkFloorMs,
  parseLinkSpec,
  responsesOfAnswer,
  serialMs,
  type LinkModel,
} from '../../../drivers/virtual/link.js';
import type { CommandTiming } from '../../../drivers/virtual/modem.js';
import { blocksNeeded, bppSequences } from '../../../src/es10/bpp.js';
import { isLpaError } from '../../../src/errors.js';
import { quiet } from './terminal.js';
import { ISD_R_AID } from './testCard.js';

/** Only the eUICC part of the model: no UART, no module latency. */
const EUICC_ONLY: Partial<LinkModel> = { baud: 0, latencyMs: 0 };

function tlv(tag: number, value: Uint8Array): Uint8Array {
  const t = tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  const n = value.length;
  const l = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([...t, ...l, ...value]);
}
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const fill = (n: number, b = 0x5a) => new Uint8Array(n).fill(b);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/** STORE DATA blocks (as +CGLA lines on session `s`) for one ES10 payload, at most 255 bytes each. */
function storeDataLines(payload: Uint8Array, s = '1'): string[] {
  const out: string[] = [];
  const n = Math.max(1, Math.ceil(payload.length / 255));
  for (let i = 0; i < n; i++) {
    const part = payload.subarray(i * 255, (i + 1) * 255);
    const apdu = cat(Uint8Array.of(0x80, 0xe2, i === n - 1 ? 0x91 : 0x11, i, part.length), part);
    out.push(`AT+CGLA=${s},${apdu.length * 2},"${hex(apdu)}"`);
  }
  return out;
}

const timing = (line: string, answer: string): CommandTiming => ({ line, lineBytes: line.length + 1, answerBytes: answer.length, apduBytes: 0, storeData: false });
const ok = (data = '') => `\r\n+CGLA: ${data.length + 4},"${data}9000"\r\n\r\nOK\r\n`;

describe('link model arithmetic', () => {
  it('serialises 10 bits per byte at the baud rate; baud 0 is free', () => {
    expect(serialMs(1152, 115200)).toBe(100);
    expect(serialMs(96, 9600)).toBe(100);
    expect(serialMs(123_456, 0)).toBe(0);
  });

  it('parses, formats and round-trips --link settings', () => {
    expect(parseLinkSpec('')).toEqual(DEFAULT_LINK);
    expect(parseLinkSpec('default')).toEqual(DEFAULT_LINK);
    expect(parseLinkSpec('baud=9600, latency=12.5,install=0')).toEqual({ ...DEFAULT_LINK, baud: 9600, latencyMs: 12.5, installMs: 0 });
    const m = parseLinkSpec('baud=0,apdu=1,auth=2,prepare=3,bpp=4,install=5,latency=6');
    expect(formatLinkSpec(m)).toBe('baud=0,latency=6,apdu=1,auth=2,prepare=3,bpp=4,install=5');
    expect(parseLinkSpec(formatLinkSpec(m))).toEqual(m);
  });

  it('refuses unknown keys, bad numbers and absurd values with USAGE', () => {
    for (const bad of ['speed=9600', 'baud', 'baud=-1', 'baud=fast', 'latency=1e3', 'apdu=99999999', '__proto__=1', 'x'.repeat(500)]) {
      let err: unknown;
      try {
        parseLinkSpec(bad);
      } catch (e) {
        err = e;
      }
      expect(isLpaError(err, 'USAGE'), bad).toBe(true);
    }
  });

  it('prices a plain command: UART both ways plus the module latency', () => {
    const t = new LinkTimer();
    // 'AT' + CR = 3 bytes in, CRLF OK CRLF = 6 bytes out: 9 x 10 / 115200 s + 5 ms
    expect(t.delayFor(timing('AT', '\r\nOK\r\n'), '\r\nOK\r\n')).toBeCloseTo(0.78125 + 5, 9);
    expect(t.tally).toMatchObject({ commands: 1, apdus: 0, bytesToModule: 3, bytesFromModule: 6, latencyMs: 5 });
  });

  it('golden: a 520-character STORE DATA line and its 9000 answer at 115200 baud', () => {
    const t = new LinkTimer();
    const [line] = storeDataLines(fill(200).fill(0xbf, 0, 1), '1');
    const ans = ok();
    // 5+200 byte APDU -> 410 hex digits; line = 'AT+CGLA=1,410,"' + 410 + '"' = 426 chars + CR
    expect(line!.length).toBe(426);
    const d = t.delayFor(timing(line!, ans), ans);
    expect(d).toBeCloseTo(((427 + ans.length) * 10 * 1000) / 115200 + 5 + 20, 9);
  });

  it('charges AuthenticateServer and PrepareDownload on their last block only, per channel', () => {
    const t = new LinkTimer(EUICC_ONLY);
    const auth = storeDataLines(tlv(0xbf38, fill(600)), '1');
    const prep = storeDataLines(tlv(0xbf21, fill(300)), '2');
    expect(auth).toHaveLength(3);
    expect(prep).toHaveLength(2);
    // interleaved on two channels: each series keeps its own function
    const order = [auth[0]!, prep[0]!, auth[1]!, prep[1]!, auth[2]!];
    const delays = order.map((l) => t.delayFor(timing(l, ok()), ok()));
    expect(delays).toEqual([20, 20, 20, 20 + 300, 20 + 300]);
    expect(t.tally).toMatchObject({ apdus: 5, storeDataBlocks: 5, authenticateServer: 1, prepareDownload: 1, euiccMs: 700 });
  });

  it('charges each BPP series, the installation instead on the block answered with the ProfileInstallationResult', () => {
    const t = new LinkTimer(EUICC_ONLY);
    const bpp = tlv(
      0xbf36,
      cat(tlv(0xbf23, tlv(0x80, fill(98))), tlv(0xa0, tlv(0x87, fill(20))), tlv(0xa1, cat(tlv(0x88, fill(50)), tlv(0x88, fill(10)))), tlv(0xa3, cat(tlv(0x86, fill(1020)), tlv(0x86, fill(300)))))
    );
    const seqs = bppSequences(bpp);
    const payloads = seqs.flat();
    const lines = payloads.map((p) => storeDataLines(p));
    const pir = ok(hex(tlv(0xbf37, fill(30))));
    let total = 0;
    lines.forEach((series, i) =>
      series.forEach((l, j) => {
        const last = i === lines.length - 1 && j === series.length - 1;
        total += t.delayFor(timing(l, last ? pir : ok()), last ? pir : ok());
      })
    );
    const blocks = lines.flat().length;
    expect(blocks).toBe(blocksNeeded(bpp));
    // one 50 ms charge per series but the last, which is the 500 ms installation
    expect(total).toBe(blocks * 20 + (payloads.length - 1) * 50 + 500);
    expect(t.tally).toMatchObject({ bppSequences: payloads.length - 1, installs: 1, bppBlocks: blocks, bppMinBlocks: blocksNeeded(bpp), bppBytes: bpp.length });
  });

  it('keeps a timeline: what each command was charged and the eUICC function its block completed', () => {
    const t = new LinkTimer(EUICC_ONLY);
    const auth = storeDataLines(tlv(0xbf38, fill(300)));
    const before = performance.timeOrigin + performance.now();
    t.delayFor(timing('AT', '\r\nOK\r\n'), '\r\nOK\r\n');
    for (const l of auth) t.delayFor(timing(l, ok()), ok());
    const [last] = storeDataLines(tlv(0x86, fill(40)));
    const pir = ok(hex(tlv(0xbf37, fill(30))));
    t.delayFor(timing(last!, pir), pir);
    expect(t.timeline.map(([, ms, fn]) => [ms, fn])).toEqual([[0, undefined], [20, 'storeData'], [320, 'authenticateServer'], [520, 'install']]);
    const times = t.timeline.map(([at]) => at);
    expect(times[0]).toBeGreaterThanOrEqual(before - 1);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('an installation result fetched with GET RESPONSE is charged there', () => {
    const t = new LinkTimer(EUICC_ONLY);
    const [last] = storeDataLines(tlv(0x86, fill(40)));
    expect(t.delayFor(timing(last!, ''), '\r\n+CGLA: 4,"6140"\r\n\r\nOK\r\n')).toBe(20 + 50);
    const pir = ok(hex(tlv(0xbf37, fill(30))));
    expect(t.delayFor(timing('AT+CGLA=1,10,"80C0000040"', pir), pir)).toBe(20 + 500);
    expect(t.tally.installs).toBe(1);
  });

  it('reads +CSIM channels from the class byte and answers in either case', () => {
    expect(apdusOfLine('AT+CSIM=10,"81E2910000"')[0]!.channel).toBe('c1');
    expect(apdusOfLine('AT+CSIM=10,"C1E2910000"')[0]!.channel).toBe('c5');
    expect(apdusOfLine('AT+CGLA=0385a7c000000101,10,"80E2910000"')[0]!.channel).toBe('s0385a7c000000101');
    expect(apdusOfLine('AT+CPIN?')).toEqual([]);
    expect(responsesOfAnswer('\r\n+CSIM:8,bf379000\r\n')).toEqual(['BF379000']);
  });

  it('recognises the ES10 functions by tag', () => {
    expect([0xbf38, 0xbf21, 0xbf36, 0xa0, 0xa3, 0x86, 0x88, 0xbf2e, 0xbf37].map(functionOfTag)).toEqual([
      'authenticateServer',
      'prepareDownload',
      'bppSequence',
      'bppSequence',
      'bppSequence',
      'bppSequence',
      'bppSequence',
      'other',
      'other',
    ]);
  });

  it('computes the module floor from counters', () => {
    const m: LinkModel = { ...DEFAULT_LINK };
    const counts = { atCommands: 100, bytesToModule: 8640, bytesFromModule: 2880, apdus: 90, authenticateServer: 1, prepareDownload: 1, bppSequences: 18, installs: 1 };
    // 11520 bytes at 115200 = 1000 ms; 100 x 5; 90 x 20; 300 + 300 + 18 x 50 + 500
    expect(linkFloorMs(m, counts)).toBe(1000 + 500 + 1800 + 300 + 300 + 900 + 500);
    expect(linkFloorMs({ ...m, baud: 0 }, { atCommands: 1, bytesToModule: 1e6, bytesFromModule: 0, apdus: 0 })).toBe(5);
  });
});

describe('link model in the virtual module', () => {
  it('answers arrive no earlier than the model says, in order', async () => {
    const t = new LinkTimer({ baud: 0, latencyMs: 15, apduMs: 25 });
    const { term, modem } = await quiet({ timing: t.hook });
    const seen: string[] = [];
    modem.attach((b) => seen.push(Buffer.from(b).toString('latin1')));
    const before = t.tally.totalMs;
    const started = performance.now();
    const answer = await term.cmd(`AT+CCHO="${ISD_R_AID}";+CGLA=1,14,"80E29100020A0B"`);
    const elapsed = performance.now() - started;
    expect(answer.at(-1)).toBe('OK');
    expect(t.tally.totalMs - before).toBe(15 + 25);
    // lower bound only, with slack for the timers' millisecond clock (a timer may seem ~1 ms early)
    expect(elapsed).toBeGreaterThanOrEqual(15 + 25 - 3);

    // two lines sent back to back: the second answer follows the first, each after its own delay
    seen.length = 0;
    const t0 = performance.now();
    modem.input(new Uint8Array(Buffer.from('AT+CPIN?\rAT\r', 'latin1')));
    await modem.whenIdle();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * 15 - 5);
    expect(seen.join('')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nOK\r\n');
  });

  it('without a model the module answers at once (the delay hook is the only source of delay)', async () => {
    const t = new LinkTimer({ baud: 0, latencyMs: 0, apduMs: 0 });
    const { term } = await quiet({ timing: t.hook });
    expect(await term.cmd('AT')).toEqual(['OK']);
    expect(t.tally.totalMs).toBe(0);
  });
});
