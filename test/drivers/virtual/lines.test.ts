import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeLine } from '../../../drivers/virtual/dialect.js';
import { LineSplitter, parseArgs, parseLine } from '../../../drivers/virtual/lines.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { quiet } from './terminal.js';
import { TestCard } from './testCard.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('virtual module: line input', () => {
  it('splits on \\r, \\n and \\r\\n across chunk boundaries, ignoring empty lines', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('AT\r\nAT+C'))).toEqual([{ line: 'AT' }]);
    expect(s.push(bytes('PIN?\r'))).toEqual([{ line: 'AT+CPIN?' }]);
    expect(s.push(bytes('\n\r\nATI\n'))).toEqual([{ line: 'ATI' }]);
  });

  it('bounds line length: an over-long line becomes one overflow event', () => {
    const s = new LineSplitter(16);
    expect(s.push(bytes(`AT${'A'.repeat(100)}`))).toEqual([]);
    expect(s.push(bytes('\rAT\r'))).toEqual([{ overflow: true }, { line: 'AT' }]);
  });

  it('parses basic chains, extended commands, ;-chains and ATE0+CMEE=1', () => {
    expect(parseLine('AT')).toEqual([]);
    expect(parseLine('ATE0+CMEE=1')!.map((c) => [c.name, c.kind, c.argText])).toEqual([
      ['E', 'set', '0'],
      ['+CMEE', 'set', '1'],
    ]);
    expect(parseLine('at+cgla=1,4,"abcd";+CPIN?')!.map((c) => [c.name, c.kind])).toEqual([
      ['+CGLA', 'set'],
      ['+CPIN', 'read'],
    ]);
    expect(parseLine('AT%XICCID')![0]!.name).toBe('%XICCID');
    expect(parseLine('AT+CCHO=?')![0]!.kind).toBe('test');
    expect(parseLine('AT+CCHO="A;B"')![0]!.args).toEqual([{ value: 'A;B', quoted: true }]);
    expect(parseLine('XYZ')).toBeUndefined();
    expect(parseLine('AT+CGLA=1,"x')).toBeUndefined();
    expect(parseArgs(' 1 , "a b" ,c')).toEqual([
      { value: '1', quoted: false },
      { value: 'a b', quoted: true },
      { value: 'c', quoted: false },
    ]);
  });

  it('answers ATE0+CMEE=1 as a real module does', async () => {
    const { term, modem } = await quiet();
    await term.cmd('AT+CMEE=0');
    expect(await term.cmd('ATE0+CMEE=1')).toEqual(['OK']);
    expect(modem.cmee).toBe(1);
  });

  it('never throws and always ends with a final result or silence on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const modem = new VirtualModem({ card: new TestCard() });
        let out = '';
        modem.attach((b) => (out += Buffer.from(b).toString('latin1')));
        modem.input(data);
        modem.input(bytes('\rAT\r'));
        expect(out.endsWith('\r\nOK\r\n')).toBe(true);
        modem.dispose();
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const modem = new VirtualModem({ card: new TestCard() });
        const st = (modem as unknown as { state: Parameters<typeof executeLine>[0] }).state;
        const a = executeLine(st, `AT+CGLA=${s}`);
        expect(['ok', 'error', 'cme', 'silent', 'not-support']).toContain(a.final.kind);
        modem.dispose();
      }),
      { numRuns: 300 },
    );
  });
});
