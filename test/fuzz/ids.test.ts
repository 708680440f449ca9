/**
 * Fuzz: the identifiers and codes users type or QR codes carry.
 *
 * - EID (src/ids/eid.ts): only INVALID_EID; every 30-digit prefix + its check digits validates,
 *   and every single-digit error or adjacent transposition is caught (ISO 7064 MOD 97-10).
 * - ICCID (src/ids/iccid.ts): only INVALID_ICCID on text and on stored bytes.
 * - activation codes (src/lpa/activationCode.ts): only INVALID_ACTIVATION_CODE; codes built from
 *   valid parts read back to those parts.
 * - SM-DP+ addresses (src/es9p/address.ts): only INVALID_ADDRESS; accepted addresses are
 *   normalised idempotently.
 * - --connect-to (src/es9p/connectTo.ts): only USAGE / CONFIG_INVALID; accepted rules re-written
 *   and parsed again give the same rule; resolution never throws.
 * - profile references (src/ids/profileRef.ts) and AIDs (src/ids/aid.ts): only INVALID_ICCID /
 *   USAGE; an accepted reference is an ICCID of 18-20 digits or an AID of 5-16 bytes.
 * Complements the 1-property checks in test/ids, test/lpa and test/es9p.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { parseSmdpAddress, sameSmdpAddress } from '../../src/es9p/address.js';
import { parseConnectTo, resolveConnectTo, type ConnectToRule } from '../../src/es9p/connectTo.js';
import { eidCheckDigits, isValidEid, validateEid } from '../../src/ids/eid.js';
import { iccidFromBcd, iccidToBcd, isValidIccid, parseIccid } from '../../src/ids/iccid.js';
import { parseActivationCode } from '../../src/lpa/activationCode.js';
import { parseAid } from '../../src/ids/aid.js';
import { parseProfileRef } from '../../src/ids/profileRef.js';
import { expectSaneMessage, onlyTyped } from './helpers.js';

const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
const noisy = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^\s{0,2}[0-9Ff]{16,34}\s{0,2}$/),
  fc.constantFrom('', ' ', '٣'.repeat(32), '８９０４９０３２１２３４５１２３４５１２３４５６７８９０１２３５'),
);

describe('EID', () => {
  it('only INVALID_EID, and isValidEid agrees with validateEid', () => {
    fc.assert(
      fc.property(noisy, (s) => {
        const r = onlyTyped(() => validateEid(s), ['INVALID_EID'], s);
        expectSaneMessage(r);
        expect(isValidEid(s)).toBe(!(r instanceof LpaError));
        if (!(r instanceof LpaError)) expect(r).toMatch(/^[0-9]{32}$/);
      }),
      { seed: 0x1d1, numRuns: 4000 },
    );
  });

  it('prefix + check digits is valid; any one-digit error or adjacent swap is caught', () => {
    fc.assert(
      fc.property(digits(30), fc.nat(31), fc.integer({ min: 1, max: 9 }), fc.nat(30), (prefix, pos, delta, swap) => {
        const eid = prefix + eidCheckDigits(prefix);
        expect(validateEid(eid)).toBe(eid);
        const d = (Number(eid[pos]) + delta) % 10;
        expect(isValidEid(eid.slice(0, pos) + d + eid.slice(pos + 1))).toBe(false);
        if (eid[swap] !== eid[swap + 1]) {
          expect(isValidEid(eid.slice(0, swap) + eid[swap + 1] + eid[swap] + eid.slice(swap + 2))).toBe(false);
        }
      }),
      { seed: 0x1d2, numRuns: 3000 },
    );
  });

  it('eidCheckDigits refuses anything but 30 digits with INVALID_EID', () => {
    fc.assert(
      fc.property(noisy, (s) => {
        onlyTyped(() => eidCheckDigits(s), ['INVALID_EID'], s);
      }),
      { seed: 0x1d3, numRuns: 2000 },
    );
  });
});

describe('ICCID', () => {
  it('text: only INVALID_ICCID; accepted ones are 18-20 digits and encode to 10 bytes that decode back', () => {
    fc.assert(
      fc.property(noisy, (s) => {
        const r = onlyTyped(() => parseIccid(s), ['INVALID_ICCID'], s);
        expect(isValidIccid(s)).toBe(!(r instanceof LpaError));
        if (r instanceof LpaError) {
          onlyTyped(() => iccidToBcd(s), ['INVALID_ICCID'], s);
          return;
        }
        expect(r).toMatch(/^[0-9]{18,20}$/);
        expect(iccidFromBcd(iccidToBcd(s))).toBe(r);
      }),
      { seed: 0x1c1, numRuns: 4000 },
    );
  });

  it('stored bytes: only INVALID_ICCID', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 10, maxLength: 10 }), fc.uint8Array({ maxLength: 16 })), (b) => {
        const r = onlyTyped(() => iccidFromBcd(b), ['INVALID_ICCID'], b);
        if (typeof r === 'string') expect(Buffer.from(iccidToBcd(r)).equals(Buffer.from(b))).toBe(true);
      }),
      { seed: 0x1c2, numRuns: 4000 },
    );
  });
});

// ---- host names and addresses

const label = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/);
const hostName = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,5}$/))
  .map(([ls, tld]) => [...ls, tld].join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.constantFrom('::1', 'fe80::1', '2001:db8::8443', '::ffff:127.0.0.1', '2001:DB8:0:0:0:0:0:1');
const port = fc.integer({ min: 1, max: 65535 });

const addressText = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.oneof(hostName, ipv4, ipv6.map((h) => `[${h}]`)), fc.option(port, { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('', 'https://', 'HTTPS://', 'http://', 'ftp://', '//', 'user@'), fc.string({ maxLength: 30 }), fc.constantFrom('', '/', '/x', '?q', ':', ':0', ':65536', ':443')).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(64) + '.com', `${'a.'.repeat(130)}com`, '[::1', '[zz]:1', '1.2.3.4.5', '-a.com', 'a..b', '[::1]x') },
);

describe('SM-DP+ address', () => {
  it('only INVALID_ADDRESS; accepted addresses normalise idempotently', () => {
    fc.assert(
      fc.property(addressText, (s) => {
        const r = onlyTyped(() => parseSmdpAddress(s), ['INVALID_ADDRESS'], s);
        expectSaneMessage(r);
        if (r instanceof LpaError) return;
        expect(r.port).toBeGreaterThanOrEqual(1);
        expect(r.port).toBeLessThanOrEqual(65535);
        expect(r.host).toBe(r.host.toLowerCase());
        const again = parseSmdpAddress(r.authority);
        expect(again.normalized).toBe(r.normalized);
        expect(sameSmdpAddress(r, s.toUpperCase().replace(/^HTTPS:\/\//, 'https://'))).toBe(true);
      }),
      { seed: 0xad1, numRuns: 4000 },
    );
  });
});

describe('activation code', () => {
  const matchingId = fc.stringMatching(/^[A-Za-z0-9-]{0,40}$/);
  const oid = fc.tuple(fc.constantFrom('1.3', '2.999', '0.4', '2'), fc.array(fc.nat(100000), { maxLength: 4 })).map(([a, b]) => [a, ...b].join('.'));

  it('codes built from valid parts read back to their parts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', 'LPA:', 'lpa:', 'Lpa:'),
        fc.oneof(hostName, ipv4, fc.tuple(hostName, port).map(([h, p]) => `${h}:${p}`)),
        matchingId,
        fc.option(oid, { nil: undefined }),
        fc.boolean(),
        fc.constantFrom('', ' ', '\n'),
        (pre, addr, mid, o, cc, ws) => {
          fc.pre(o === undefined || o.includes('.'));
          const fields = ['1', addr, mid];
          if (o !== undefined || cc) fields.push(o ?? '');
          if (cc) fields.push('1');
          const code = parseActivationCode(`${ws}${pre}${fields.join('$')}${ws}`);
          expect(code.smdpAddress).toBe(addr);
          expect(code.matchingId).toBe(mid);
          expect(code.oid).toBe(o);
          expect(code.confirmationCodeRequired).toBe(cc);
        },
      ),
      { seed: 0xac1, numRuns: 3000 },
    );
  });

  // messages may quote up to the 1024-character input limit (e.g. the data after the 5th field)
  it('anything else: only INVALID_ACTIVATION_CODE, bounded messages even for 1 MB input', () => {
    const field = fc.oneof(addressText, fc.string({ maxLength: 12 }), fc.constantFrom('1', '2', '', '1.2.840', '2.999.10', '3.1', '1.40', '0', 'LPA:'));
    fc.assert(
      fc.property(fc.constantFrom('', 'LPA:', 'lpa:'), fc.array(field, { maxLength: 7 }), (pre, fields) => {
        expectSaneMessage(onlyTyped(() => parseActivationCode(pre + fields.join('$')), ['INVALID_ACTIVATION_CODE'], fields), 1200);
      }),
      { seed: 0xac2, numRuns: 4000 },
    );
    expectSaneMessage(onlyTyped(() => parseActivationCode(`LPA:1$${'a'.repeat(1 << 20)}$x`), ['INVALID_ACTIVATION_CODE']), 1200);
    expectSaneMessage(onlyTyped(() => parseActivationCode(`1$a.com$${'$'.repeat(1000)}`), ['INVALID_ACTIVATION_CODE']), 1200);
  });
});

describe('--connect-to', () => {
  const hostField = fc.oneof(fc.constant(''), hostName, ipv4, ipv6.map((h) => `[${h}]`));
  const portField = fc.oneof(fc.constant(''), port.map(String));

  function rewrite(r: ConnectToRule): string {
    const h = (x?: string) => (x === undefined ? '' : x.includes(':') ? `[${x}]` : x);
    const p = (x?: number) => (x === undefined ? '' : String(x));
    return `${h(r.fromHost)}:${p(r.fromPort)}:${h(r.toHost)}:${p(r.toPort)}`;
  }

  it('well-formed rules re-write and re-parse to the same rule; resolution never throws', () => {
    fc.assert(
      fc.property(hostField, portField, hostField, portField, hostName, port, (h1, p1, h2, p2, qh, qp) => {
        const rule = parseConnectTo(`${h1}:${p1}:${h2}:${p2}`);
        const again = parseConnectTo(rewrite(rule));
        expect({ ...again, source: '' }).toEqual({ ...rule, source: '' });
        const to = resolveConnectTo([rule], qh, qp);
        expect(to.port).toBeGreaterThanOrEqual(1);
      }),
      { seed: 0xc71, numRuns: 3000 },
    );
  });

  it('anything else: USAGE (or CONFIG_INVALID from a config file) only', () => {
    const piece = fc.oneof(hostField, portField, fc.string({ maxLength: 10 }), fc.constantFrom('[', ']', '[::1', '::', '0', '65536', ' '));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), fc.constantFrom(':', '::', ''), fc.boolean(), (pieces, sep, fromConfig) => {
        const v = pieces.join(sep === '' ? ':' : sep);
        const r = onlyTyped(() => parseConnectTo(v, fromConfig ? { code: 'CONFIG_INVALID' } : {}), fromConfig ? ['CONFIG_INVALID'] : ['USAGE'], v);
        if (r instanceof LpaError) expect(r.message).toContain('--connect-to');
      }),
      { seed: 0xc72, numRuns: 4000 },
    );
  });
});

describe('profile references and AIDs', () => {
  it('only INVALID_ICCID / USAGE; accepted values are well formed', () => {
    const hexish = fc.stringMatching(/^[0-9A-Fa-f: ]{0,40}$/);
    fc.assert(
      fc.property(fc.oneof(noisy, hexish), (s) => {
        const r = onlyTyped(() => parseProfileRef(s), ['INVALID_ICCID'], s);
        expectSaneMessage(r);
        if (!(r instanceof LpaError)) {
          if ('iccid' in r) expect(r.iccid).toMatch(/^[0-9]{18,20}$/);
          else expect(r.isdpAid.length).toBeGreaterThanOrEqual(5);
        }
        const a = onlyTyped(() => parseAid(s, '--isdr-aid'), ['USAGE'], s);
        expectSaneMessage(a);
        if (!(a instanceof LpaError)) expect(a.length).toBeGreaterThanOrEqual(5);
      }),
      { seed: 0x1d9, numRuns: 3000 },
    );
  });
});
