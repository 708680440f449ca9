/**
 * Fuzz: what a (broken, noisy or hostile) module sends on the AT port, driver side.
 *
 * - drivers/at/lines.ts answer parsers on AT-shaped lines (right and wrong prefixes, odd spacing
 *   and quoting, lengths that lie, non-hex, huge numbers): only AT_BAD_RESPONSE, bounded
 *   messages; parseFinal / cmeNumber / quoteLine never throw.
 * - round trips: any response APDU written the ways modules write +CGLA / +CSIM / +CRSM answers
 *   parses back to the same bytes; +CCHO ids and ICCID answers likewise.
 * - drivers/at/engine.ts line handling: random line sequences during a command (answers, echo,
 *   URCs, stray finals, junk, floods of answer lines) always settle the command with its
 *   prefixed answers or a typed error, and the engine still works for the next command.
 * - drivers/at/port.ts line splitting over @serialport/binding-mock: arbitrary byte chunks give
 *   exactly the CR / LF separated, trimmed, non-empty lines.
 * Complements test/drivers/at/lines.test.ts (300 free-form strings).
 */
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtEngine } from '../../drivers/at/engine.js';
import {
  cmeNumber,
  decodeIccidEf,
  matchPrefix,
  parseCcho,
  parseCgla,
  parseCrsm,
  parseCsim,
  parseFinal,
  parseIccidLine,
  quoteLine,
  splitParams,
} from '../../drivers/at/lines.js';
import { SerialAtPort, type AtLinePort } from '../../drivers/at/port.js';
import { GENERIC_URC_PREFIXES } from '../../drivers/at/vendors.js';
import { LpaError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';
import { ScriptedModem } from '../drivers/at/scriptedModem.js';
import { expectSaneMessage, onlyTyped, onlyTypedAsync } from './helpers.js';

// ---- AT-shaped text

const PREFIXES = ['+CGLA', '+CSIM', '+CRSM', '+CCHO', '+QCCID', '+ICCID', '%XICCID', '+CCID', '#CCID', 'ICCID', '+CME ERROR', '+CMS ERROR', '+CPIN', ''];
const fragment = fc.oneof(
  fc.constantFrom(',', '"', ' ', ':', '""', ',,', '\t', '\\', '\u0000', '\u00ff'),
  fc.nat().map(String),
  fc.constantFrom('99999999999999999999', '-1', '1e3', '0x10', '00004', '4', '9000', 'FFFF', 'F'),
  fc.uint8Array({ maxLength: 12 }).map((b) => toHex(b)),
  fc.string({ maxLength: 6 }),
);
const atLine = fc
  .tuple(
    fc.constantFrom(...PREFIXES),
    fc.mapToConstant({ num: 1, build: () => (s: string) => s }, { num: 1, build: () => (s: string) => s.toLowerCase() }),
    fc.constantFrom(':', ': ', ':  ', '', ' :'),
    fc.array(fragment, { maxLength: 8 }),
  )
  .map(([p, cs, sep, frags]) => `${cs(p)}${sep}${frags.join('')}`);
const anyLine = fc.oneof({ weight: 3, arbitrary: atLine }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) });

const PARSERS: [string, (l: string) => unknown][] = [
  ['parseCgla', parseCgla],
  ['parseCsim', parseCsim],
  ['parseCcho', parseCcho],
  ['parseCrsm', parseCrsm],
  ['parseIccidLine', (l) => parseIccidLine(l)],
  ['parseIccidLine(+QCCID)', (l) => parseIccidLine(l, '+QCCID')],
];

describe('AT answer parsers: only AT_BAD_RESPONSE', () => {
  it('AT-shaped and binary lines', () => {
    fc.assert(
      fc.property(anyLine, (line) => {
        for (const [name, f] of PARSERS) expectSaneMessage(onlyTyped(() => f(line), ['AT_BAD_RESPONSE'], { name, line }), 400);
        const fin = parseFinal(line);
        if (fin && (fin.kind === 'cme' || fin.kind === 'cms')) expect(() => cmeNumber(fin.code)).not.toThrow();
        const q = quoteLine(line);
        expect(q.length).toBeLessThanOrEqual(4 * 80 + 5);
        expect(q).not.toMatch(/[\u0000-\u001f\u007f-\u00ff]/);
      }),
      { seed: 0xa71, numRuns: 5000 },
    );
  });

  it('decodeIccidEf on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
        const r = onlyTyped(() => decodeIccidEf(b), ['AT_BAD_RESPONSE'], b);
        if (typeof r === 'string') expect(r).toMatch(/^\d{18,20}$/);
      }),
      { seed: 0xa72, numRuns: 3000 },
    );
  });
});

// ---- round trips

/** One way of writing `<len>,"<hex>"` as modules do. */
const style = fc.record({ space: fc.boolean(), quote: fc.boolean(), lower: fc.boolean(), prefixLower: fc.boolean(), pad: fc.constantFrom('', ' ', '  ') });
type Style = { space: boolean; quote: boolean; lower: boolean; prefixLower: boolean; pad: string };

function write(prefix: string, fields: string[], s: Style): string {
  const p = s.prefixLower ? prefix.toLowerCase() : prefix;
  return `${s.pad}${p}:${s.space ? ' ' : ''}${fields.join(',')}${s.pad}`;
}

describe('AT answer parsers: round trips', () => {
  it('+CGLA / +CSIM: any response APDU (data + SW) comes back byte for byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 258 }), style, fc.boolean(), (apdu, s, csim) => {
        const hex = s.lower ? toHex(apdu).toLowerCase() : toHex(apdu);
        const line = write(csim ? '+CSIM' : '+CGLA', [String(hex.length), s.quote ? `"${hex}"` : hex], s);
        const got = csim ? parseCsim(line) : parseCgla(line);
        expect(toHex(got)).toBe(toHex(apdu));
      }),
      { seed: 0xa73, numRuns: 3000 },
    );
  });

  it('+CGLA / +CSIM: a length that disagrees with the data is refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 64 }), fc.integer({ min: 0, max: 99999 }), (apdu, len) => {
        fc.pre(len !== apdu.length * 2);
        const e = onlyTyped(() => parseCgla(`+CGLA: ${len},"${toHex(apdu)}"`), ['AT_BAD_RESPONSE']);
        expect(e).toBeInstanceOf(LpaError);
      }),
      { seed: 0xa74, numRuns: 2000 },
    );
  });

  it('+CRSM: sw1, sw2 and optional data', () => {
    fc.assert(
      fc.property(fc.nat(255), fc.nat(255), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), style, (sw1, sw2, data, s) => {
        const fields = [String(sw1), String(sw2)];
        if (data !== undefined) fields.push(s.quote ? `"${toHex(data)}"` : toHex(data));
        const r = parseCrsm(write('+CRSM', fields, s));
        expect([r.sw1, r.sw2, toHex(r.data)]).toEqual([sw1, sw2, data === undefined ? '' : toHex(data)]);
      }),
      { seed: 0xa75, numRuns: 2000 },
    );
  });

  it('+CCHO ids (numbers, quoted, bare, 16-hex handles) are returned verbatim', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }).map(String), fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => toHex(b).toLowerCase()));
    fc.assert(
      fc.property(id, style, fc.boolean(), (cid, s, bare) => {
        const field = s.quote ? `"${cid}"` : cid;
        expect(parseCcho(bare ? `${s.pad}${field}` : write('+CCHO', [field], s))).toBe(cid);
      }),
      { seed: 0xa76, numRuns: 2000 },
    );
  });

  it('ICCID answers of every vendor prefix, with or without F padding and quotes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{18,20}$/), fc.constantFrom('+QCCID', '+ICCID', '%XICCID', '+CCID', '#CCID', 'ICCID', ''), style, (iccid, prefix, s) => {
        const v = iccid.length === 19 ? `${iccid}F` : iccid;
        const field = s.quote ? `"${v}"` : v;
        expect(parseIccidLine(prefix === '' ? field : write(prefix, [field], s))).toBe(iccid);
      }),
      { seed: 0xa77, numRuns: 2000 },
    );
  });

  it('splitParams / matchPrefix invert a plain join', () => {
    const plain = fc.string({ maxLength: 10 }).map((x) => x.replace(/[,"]/g, '').trim());
    fc.assert(
      fc.property(fc.array(plain, { minLength: 1, maxLength: 6 }), fc.constantFrom('+CGLA', '%XICCID', '#CCID'), (params, prefix) => {
        const rest = params.join(',');
        expect(splitParams(rest)).toEqual(params);
        expect(matchPrefix(`${prefix}: ${rest}`, prefix)).toBe(rest.trim());
      }),
      { seed: 0xa78, numRuns: 2000 },
    );
  });
});

// ---- the engine

/** An in-memory line port: what the engine writes is recorded; the test pushes lines in. */
class LinePort extends EventEmitter implements AtLinePort {
  isOpen = true;
  bytesWritten = 0;
  bytesRead = 0;
  readonly writes: string[] = [];
  async write(text: string): Promise<void> {
    this.bytesWritten += text.length;
    this.writes.push(text);
    // the resync probe after a timeout or a flood: answer it like a module
    if (text === 'AT+CMEE?\r') setImmediate(() => this.lines('+CMEE: 1', 'OK'));
  }
  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('close', undefined);
  }
  lines(...ls: string[]): void {
    for (const l of ls) {
      this.bytesRead += l.length + 2;
      this.emit('line', l);
    }
  }
}

const COMMAND = 'AT+CGLA=1,10,"80E2910000"';
const engineLine = fc.oneof(
  { weight: 4, arbitrary: atLine },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 2, maxLength: 20 }).map((b) => `+CGLA: ${b.length * 2},"${toHex(b)}"`) },
  { weight: 1, arbitrary: fc.constantFrom(COMMAND, 'AT+CG', '"80E2910000"', 'RDY', '+CPIN: READY', '+QIND: SMS DONE', 'ERROR', '+CME ERROR: 14', 'NO CARRIER') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
/** Sometimes a flood of answers (more than the engine keeps per command). */
const engineScript = fc.oneof(
  { weight: 9, arbitrary: fc.array(engineLine, { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }).map((n) => Array.from({ length: n }, () => '+CGLA: 4,"9000"')) },
);

describe('AT engine: random line sequences during a command', () => {
  it('the command settles with its own answers or a typed error, and the next command works', async () => {
    await fc.assert(
      fc.asyncProperty(engineScript, fc.constantFrom('OK', 'ERROR', '+CME ERROR: 3', 'COMMAND NOT SUPPORT'), async (script, final) => {
        const port = new LinePort();
        const engine = new AtEngine(port, { defaultTimeoutMs: 10_000, resyncTimeoutMs: 10_000, urcPrefixes: GENERIC_URC_PREFIXES });
        const urcs: string[] = [];
        engine.on('urc', (l: string) => urcs.push(l));
        const p = onlyTypedAsync(
          () => engine.send(COMMAND, { prefix: '+CGLA' }),
          ['AT_ERROR', 'AT_CME_ERROR', 'AT_CMS_ERROR', 'AT_NOT_SUPPORTED', 'AT_BAD_RESPONSE'],
          script,
        );
        await Promise.resolve();
        port.lines(...script, final);
        const r = await p;
        if (!(r instanceof LpaError)) {
          for (const l of r.lines) expect(matchPrefix(l, '+CGLA')).toBeDefined();
          expect(r.lines.length + urcs.length).toBeLessThanOrEqual(script.length);
        }
        // whatever happened, the engine recovers (resynchronising if it must) and runs the next command
        const next = engine.send('AT+CGMI', { bare: true });
        await new Promise((res) => setImmediate(res));
        await new Promise((res) => setImmediate(res));
        port.lines('Quectel', 'OK');
        expect((await next).lines).toEqual(['Quectel']);
        await engine.close();
      }),
      { seed: 0xa79, numRuns: 400 },
    );
  });
});

// ---- the serial line splitter

describe('AT port: byte stream to lines over binding-mock', () => {
  it('arbitrary chunks give exactly the CR/LF separated, trimmed, non-empty lines', async () => {
    const modem = new ScriptedModem(() => null);
    const port = await SerialAtPort.open({ path: modem.path, binding: modem.binding, lock: false });
    const got: string[] = [];
    port.on('line', (l: string) => got.push(l));
    const piece = fc.oneof(fc.constantFrom('\r', '\n', '\r\n', ' ', 'OK', '+CGLA: 4,"9000"', 'ERROR'), fc.string({ unit: 'binary-ascii', maxLength: 30 }));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(piece, { maxLength: 20 }), async (pieces) => {
          got.length = 0;
          const text = `${pieces.join('')}\r`;
          modem.emitRaw(text);
          const want = text
            .split(/[\r\n]/)
            .map((l) => l.trim())
            .filter((l) => l.length > 0);
          // binding-mock delivers asynchronously: wait until the last line arrived
          for (let i = 0; i < 50 && got.length < want.length; i++) await new Promise((res) => setImmediate(res));
          expect(got).toEqual(want);
        }),
        { seed: 0xa7a, numRuns: 300 },
      );
    } finally {
      await port.close();
    }
  });
});
