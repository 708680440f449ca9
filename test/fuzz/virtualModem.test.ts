/**
 * Fuzz: the virtual module's input side (drivers/virtual/lines.ts and dialect.ts).
 *
 * - LineSplitter: the same byte stream cut at arbitrary chunk boundaries gives the same lines,
 *   and no line is ever longer than the limit.
 * - parseLine inverts the way commands are written (basic chains, extended commands, `;` chains,
 *   quoted and unquoted arguments), and never throws on free text.
 * - executeLine, for every vendor and random quirk shapes, on random sequences of command lines
 *   (right and wrong forms of every command, random arguments, APDUs): never throws, always
 *   gives a known final result and single-line info lines, and whatever it prints for +CCHO,
 *   +CGLA, +CSIM, +CRSM and the ICCID commands is readable by the real driver's parsers.
 * Complements test/drivers/virtual/lines.test.ts (300 random inputs each).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCcho, parseCgla, parseCrsm, parseCsim, parseIccidLine } from '../../drivers/at/lines.js';
import { executeLine } from '../../drivers/virtual/dialect.js';
import { LineSplitter, parseLine, type LineEvent } from '../../drivers/virtual/lines.js';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import type { CchoShape, Quirks } from '../../drivers/virtual/quirks.js';
import type { ModemState } from '../../drivers/virtual/state.js';
import { VENDOR_NAMES, type VendorName } from '../../drivers/virtual/vendors.js';
import { toHex } from '../../src/util/hex.js';
import { ISD_R_AID, TestCard } from '../drivers/virtual/testCard.js';

// ---- LineSplitter

describe('virtual module: LineSplitter', () => {
  const stream = fc.array(
    fc.oneof(fc.constantFrom('\r', '\n', '\r\n', '\b', '\x7f', 'AT', '+CGLA=1,4,"0070"', ' '), fc.string({ unit: 'binary-ascii', maxLength: 20 })),
    { maxLength: 30 },
  );

  it('chunk boundaries do not matter, and lines stay within the limit', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 4, max: 64 }), (parts, cuts, max) => {
        const bytes = new Uint8Array(Buffer.from(parts.join(''), 'latin1'));
        const whole = new LineSplitter(max).push(bytes);
        const s = new LineSplitter(max);
        const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
        const chunked: LineEvent[] = [];
        let prev = 0;
        for (const p of [...points, bytes.length]) {
          chunked.push(...s.push(bytes.subarray(prev, p)));
          prev = p;
        }
        expect(chunked).toEqual(whole);
        for (const e of whole) if ('line' in e) expect(e.line.length).toBeLessThanOrEqual(max);
      }),
      { seed: 0x71, numRuns: 3000 },
    );
  });
});

// ---- parseLine

interface Cmd {
  name: string;
  kind: 'exec' | 'set' | 'read' | 'test';
  args: { value: string; quoted: boolean }[];
}

const extName = fc.tuple(fc.constantFrom('+', '%', '#', '$', '^', '!', '*'), fc.stringMatching(/^[A-Z][A-Z0-9]{0,6}$/)).map(([p, n]) => p + n);
const arg = fc.oneof(
  fc.string({ maxLength: 12 }).map((v) => ({ value: v.replace(/"/g, ''), quoted: true })),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/).map((v) => ({ value: v, quoted: false })),
);
const extCmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ name: extName, kind: fc.constantFrom('exec' as const, 'read' as const, 'test' as const), args: fc.constant([] as Cmd["args"]) }),
  fc.record({ name: extName, kind: fc.constant('set' as const), args: fc.array(arg, { minLength: 1, maxLength: 4 }) }),
);

function writeCmd(c: Cmd): string {
  if (c.kind === 'exec') return c.name;
  if (c.kind === 'read') return `${c.name}?`;
  if (c.kind === 'test') return `${c.name}=?`;
  return `${c.name}=${c.args.map((a) => (a.quoted ? `"${a.value}"` : a.value)).join(',')}`;
}

describe('virtual module: parseLine', () => {
  it('reads back ;-chained extended commands with their arguments, any case of AT', () => {
    fc.assert(
      fc.property(fc.array(extCmd, { minLength: 1, maxLength: 4 }), fc.constantFrom('AT', 'at', 'At'), (cmds, at) => {
        const parsed = parseLine(`${at}${cmds.map(writeCmd).join(';')}`);
        expect(parsed).toBeDefined();
        expect(parsed!.map((c) => ({ name: c.name, kind: c.kind, args: c.args }))).toEqual(cmds.map((c) => ({ ...c, name: c.name.toUpperCase() })));
      }),
      { seed: 0x72, numRuns: 3000 },
    );
  });

  it('never throws on free text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 60 }).map((s) => `AT${s}`)), (s) => {
        const r = parseLine(s);
        if (r) for (const c of r) expect(['exec', 'set', 'read', 'test']).toContain(c.kind);
      }),
      { seed: 0x73, numRuns: 5000 },
    );
  });
});

// ---- executeLine

const NAMES = ['+CCHO', '+CGLA', '+CCHC', '+CSIM', '+CRSM', '+QCCID', '+CICCID', '%XICCID', '+CCID', '#CCID', '+CGMI', '+CGMM', '+CGMR', '+CGSN', '+CMEE', '+CPIN', '+CFUN', '+XYZ'];
const apduHex = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 40 }).map(toHex),
  fc.uint8Array({ maxLength: 30 }).map((d) => toHex(Uint8Array.of(0x81, 0xe2, 0x91, 0x00, d.length, ...d))),
  fc.constantFrom('00A4040010' + ISD_R_AID, '80AA000000', '0070000001', '00B0000000', 'ABC', ''),
);
const argText = fc.oneof(
  // {ch}: the session id the last +CCHO answered (or a wrong one)
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('{ch}', '{ch}', '{ch}', '0', '7', '20'), apduHex).map(([ch, h]) => `${ch},${h.length},"${h}"`) },
  { weight: 2, arbitrary: apduHex.map((h) => `${h.length},"${h}"`) },
  { weight: 1, arbitrary: fc.constantFrom(`"${ISD_R_AID}"`, '176,12258,0,0,10', '178,28423,1,4,0', '0', '1', '2', '4,1', '1,1', '"x', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const commandLine = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('', '?', '=?', '='), argText).map(([n, form, a]) => `AT${n}${form}${form === '=' ? a : ''}`) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('+CGLA', '+CSIM', '+CCHC'), argText).map(([n, a]) => `AT${n}=${a}`) },
  { weight: 1, arbitrary: fc.constantFrom('AT', 'ATE0', 'ATE1', 'ATZ', 'ATI', 'AT&F', 'ATE0+CMEE=2', 'ATV0', 'AT+CMEE=1;+CPIN?') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const shape = fc.record({ space: fc.boolean(), quoted: fc.boolean(), lowerCase: fc.boolean() });
const quirks: fc.Arbitrary<Partial<Quirks>> = fc.record(
  {
    cchoShape: fc.constantFrom<CchoShape>('spec-bare', 'colon-space', 'colon-nospace', 'handle16'),
    cglaShape: shape,
    testCommands: fc.constantFrom('ok' as const, 'error' as const, 'silent' as const),
    noCchc: fc.boolean(),
    cchcFailsUnknown: fc.boolean(),
    csimOnly: fc.boolean(),
    needsTerminalCapability: fc.boolean(),
    commandNotSupport: fc.boolean(),
    cmeeDefault: fc.constantFrom(0 as const, 1 as const, 2 as const),
  },
  { requiredKeys: [] },
);

/** The driver parser for a command's info lines, where the driver reads them. */
function driverCheck(line: string, info: string[], cchoShape: CchoShape | undefined): void {
  const cmd = parseLine(line);
  if (!cmd || cmd.length !== 1) return;
  const { name, kind } = cmd[0]!;
  for (const l of info) {
    if (name === '+CGLA' && kind === 'set') expect(parseCgla(l).length).toBeGreaterThanOrEqual(2);
    if (name === '+CSIM' && kind === 'set') expect(parseCsim(l).length).toBeGreaterThanOrEqual(2);
    if (name === '+CRSM' && kind === 'set') parseCrsm(l);
    if (name === '+CCHO' && kind === 'set' && cchoShape !== undefined) expect(parseCcho(l)).toMatch(/^[0-9a-f]+$/i);
    if (['+QCCID', '+CICCID', '%XICCID', '+CCID', '#CCID'].includes(name) && (kind === 'exec' || kind === 'read')) {
      expect(parseIccidLine(l)).toMatch(/^\d{18,20}$/);
    }
  }
}

describe('virtual module: executeLine on random command sequences', () => {
  it('never throws, answers with a known final and one-line infos the driver can read', () => {
    fc.assert(
      fc.property(fc.constantFrom<VendorName>(...VENDOR_NAMES), quirks, fc.array(commandLine, { minLength: 1, maxLength: 12 }), (vendor, q, lines) => {
        const modem = new VirtualModem({ card: new TestCard(), vendor, quirks: q });
        try {
          const st = (modem as unknown as { state: ModemState }).state;
          // open a channel first half of the time, so +CGLA / +CCHC reach the card
          const script = lines.length % 2 === 0 ? [`AT+CCHO="${ISD_R_AID}"`, ...lines] : lines;
          let ch = '1';
          for (const raw of script) {
            const line = raw.replace('{ch}', ch);
            const a = executeLine(st, line);
            if (line.startsWith('AT+CCHO=') && a.final.kind === 'ok' && a.info[0]) ch = parseCcho(a.info[0]);
            expect(['ok', 'error', 'cme', 'silent', 'not-support']).toContain(a.final.kind);
            for (const l of a.info) expect(l).not.toMatch(/[\r\n]/);
            if (a.final.kind === 'ok') driverCheck(line, a.info, st.quirks.cchoShape);
          }
        } finally {
          modem.dispose();
        }
      }),
      { seed: 0x74, numRuns: 1500 },
    );
  });
});
