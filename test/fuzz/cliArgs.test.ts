/**
 * Fuzz: the CLI argument parser (src/cli/args.ts) with the real global option specs plus a
 * command-like set, on random argv built from option names (known, unknown, negated, with
 * `=value`, Object.prototype member names), values, `--`, short flags and free text.
 *
 * Properties: the only failure is USAGE naming the offending option; a parse result holds only
 * declared options, each with the type its spec says (boolean, string, string[] for repeatable
 * ones); positionals are exactly the non-option words, in order; `--` passes everything after it
 * through. intOption accepts exactly whole numbers within its bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intOption, parseArgs, type OptionSpecs } from '../../src/cli/args.js';
import { GLOBAL_OPTIONS } from '../../src/cli/globals.js';
import { LpaError } from '../../src/errors.js';
import { onlyTyped } from './helpers.js';

const SPECS: OptionSpecs = {
  ...GLOBAL_OPTIONS,
  'activation-code': { type: 'string', arg: '<code>', description: 'x' },
  'connect-to': { type: 'string', multiple: true, arg: '<rule>', description: 'x' },
  timeout: { type: 'string', arg: '<ms>', description: 'x' },
  confirm: { type: 'boolean', description: 'x' },
};
const names = Object.keys(SPECS);
const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '-', '-5', '--', 'true', 'false', '=', 'LPA:1$a.b$x'));
const token = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...names).map((n) => `--${n}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...names), value).map(([n, v]) => `--${n}=${v}`) },
  { weight: 1, arbitrary: fc.constantFrom(...names, ...PROTO_NAMES).map((n) => `--no-${n}`) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_NAMES).map((n) => `--${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('--', '-h', '-V', '-x', '-', '--=', '---', '-1') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map((s) => `--${s}`) },
  { weight: 4, arbitrary: value },
);

describe('CLI argument parser', () => {
  it('only USAGE; results hold declared options with the right types', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), (argv) => {
        const r = onlyTyped(() => parseArgs(argv, SPECS), ['USAGE'], argv);
        if (r instanceof LpaError) {
          expect(r.message).toMatch(/option|--/);
          return;
        }
        for (const [k, v] of Object.entries(r.options)) {
          expect(Object.hasOwn(SPECS, k)).toBe(true);
          const spec = SPECS[k]!;
          if (spec.type === 'boolean') expect(typeof v).toBe('boolean');
          else if (spec.multiple) expect(Array.isArray(v) && v.every((x) => typeof x === 'string')).toBe(true);
          else expect(typeof v).toBe('string');
        }
        expect(Object.getPrototypeOf(r.options)).toBe(Object.prototype);
        for (const p of r.positionals) expect(typeof p).toBe('string');
      }),
      { seed: 0xc11, numRuns: 5000 },
    );
  });

  it('positionals are the free words, in order, when no option takes them', () => {
    const word = fc.stringMatching(/^[a-z0-9][a-z0-9.$:-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(fc.oneof(word, fc.constantFrom('--json', '--confirm', '--no-confirm', '--timeout=5')), { maxLength: 10 }), (argv) => {
        fc.pre(!(argv.includes('--confirm') && argv.includes('--no-confirm'))); // a contradiction, refused (below)
        const r = parseArgs(argv, SPECS);
        expect(r.positionals).toEqual(argv.filter((a) => !a.startsWith('--')));
      }),
      { seed: 0xc12, numRuns: 3000 },
    );
  });

  it('a single-valued option given twice: the same value passes, different values are a USAGE error naming it', () => {
    fc.assert(
      fc.property(fc.constantFrom('timeout', 'activation-code', 'device', 'confirm', 'json'), value, value, (name, a, b) => {
        const bool = SPECS[name]!.type === 'boolean';
        const x = bool ? (a.length % 2 === 0 ? `--${name}` : `--no-${name}`) : `--${name}=${a}`;
        const y = bool ? (b.length % 2 === 0 ? `--${name}` : `--no-${name}`) : `--${name}=${b}`;
        const r = onlyTyped(() => parseArgs([x, 'word', y], SPECS), ['USAGE'], [x, y]);
        if (x === y) expect(r).not.toBeInstanceOf(LpaError);
        else {
          expect(r).toBeInstanceOf(LpaError);
          expect((r as LpaError).message).toMatch(new RegExp(`^option --${name} given twice with different values`));
        }
      }),
      { seed: 0xc15, numRuns: 1000 },
    );
  });

  it('everything after -- is positional, verbatim', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('--json', '--confirm', '-h', 'word'), { maxLength: 4 }), fc.array(token, { maxLength: 6 }), (before, after) => {
        const r = parseArgs([...before, '--', ...after], SPECS);
        expect(r.positionals).toEqual([...before.filter((a) => a === 'word'), ...after]);
      }),
      { seed: 0xc14, numRuns: 2000 },
    );
  });

  it('intOption: whole numbers within bounds, USAGE otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat().map(String), fc.string({ maxLength: 8 }), fc.constantFrom('1e3', '0x10', '-1', ' 5', '5 ', '99999999999999999999')), fc.nat(1000), fc.nat(1000), (v, a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const r = onlyTyped(() => intOption({ timeout: v }, 'timeout', min, max), ['USAGE'], v);
        if (!(r instanceof LpaError)) {
          expect(v).toMatch(/^\d+$/);
          expect(r).toBeGreaterThanOrEqual(min);
          expect(r).toBeLessThanOrEqual(max);
        }
      }),
      { seed: 0xc13, numRuns: 3000 },
    );
  });
});
