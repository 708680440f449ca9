import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { isDottedOid, parseActivationCode } from '../../src/lpa/activationCode.js';

describe('parseActivationCode', () => {
  it('parses the full form, with or without LPA: in any case', () => {
    const full = { smdpAddress: 'testsmdpplus1.example.com', matchingId: 'TS48V2-SAIP2-1-BERTLV-UNIQUE', oid: '2.999.10', confirmationCodeRequired: true };
    expect(parseActivationCode('LPA:1$testsmdpplus1.example.com$TS48V2-SAIP2-1-BERTLV-UNIQUE$2.999.10$1')).toEqual(full);
    expect(parseActivationCode('lpa:1$testsmdpplus1.example.com$TS48V2-SAIP2-1-BERTLV-UNIQUE$2.999.10$1')).toEqual(full);
    expect(parseActivationCode('1$testsmdpplus1.example.com$TS48V2-SAIP2-1-BERTLV-UNIQUE$2.999.10$1')).toEqual(full);
  });

  it('parses all six fields (SGP.22 4.1): a confirmation-code flag of 0 or empty, and the CI public key id', () => {
    const ski = 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3';
    const ac = parseActivationCode(`LPA:1$rsp.example.com$M-1$2.999.10$0$${ski}`);
    expect(ac).toMatchObject({ smdpAddress: 'rsp.example.com', matchingId: 'M-1', oid: '2.999.10', confirmationCodeRequired: false });
    expect(Buffer.from(ac.ciPkId!).toString('hex').toUpperCase()).toBe(ski);
    expect(parseActivationCode('LPA:1$rsp.example.com$M$2.999.10$').confirmationCodeRequired).toBe(false);
    expect(parseActivationCode('LPA:1$rsp.example.com$M$$$').ciPkId).toBeUndefined();
    expect(parseActivationCode(`LPA:1$rsp.example.com$M$$1$${ski.toLowerCase()}`)).toMatchObject({ confirmationCodeRequired: true });
  });

  it('parses the short forms', () => {
    expect(parseActivationCode('LPA:1$rsp.example.com$ABC-123')).toEqual({ smdpAddress: 'rsp.example.com', matchingId: 'ABC-123', confirmationCodeRequired: false });
    expect(parseActivationCode('LPA:1$rsp.example.com$')).toEqual({ smdpAddress: 'rsp.example.com', matchingId: '', confirmationCodeRequired: false });
    expect(parseActivationCode('LPA:1$rsp.example.com$M$1.3.6.1.4.1.31746')).toMatchObject({ oid: '1.3.6.1.4.1.31746', confirmationCodeRequired: false });
    expect(parseActivationCode('LPA:1$rsp.example.com$M$$1')).toEqual({ smdpAddress: 'rsp.example.com', matchingId: 'M', confirmationCodeRequired: true });
    expect(parseActivationCode(' LPA:1$RSP.Example.com:8443$m \n')).toMatchObject({ smdpAddress: 'RSP.Example.com:8443', matchingId: 'm' });
  });

  it.each([
    ['', 'empty'],
    ['LPA:', 'expected 1$'],
    ['LPA:1$rsp.example.com', 'expected 1$'],
    ['LPA:2$rsp.example.com$M', 'format version "2"'],
    ['LPA:$rsp.example.com$M', 'format version ""'],
    ['LPA:1$$M', 'address is empty'],
    ['LPA:1$https://rsp.example.com$M', 'bad SM-DP+ address'],
    ['LPA:1$rsp..example.com$M', 'bad SM-DP+ address'],
    ['LPA:1$rsp.example.com$M N', 'matching id'],
    ['LPA:1$rsp.example.com$M$2.999.x', 'dotted OID'],
    ['LPA:1$rsp.example.com$M$3.1', 'dotted OID'],
    ['LPA:1$rsp.example.com$M$1.40', 'dotted OID'],
    ['LPA:1$rsp.example.com$M$2.999.10$2', 'flag must be "1" (required) or "0"'],
    ['LPA:1$rsp.example.com$M$2.999.10$yes', 'flag must be "1" (required) or "0"'],
    ['LPA:1$rsp.example.com$M$2.999.10$1$extra', 'CI public key id "extra" is not hex'],
    ['LPA:1$rsp.example.com$M$2.999.10$1$ABC', 'is not hex'],
    ['LPA:1$rsp.example.com$M$2.999.10$1$AB$x', 'after the 6th field'],
    [`LPA:1$rsp.example.com$${'A'.repeat(256)}`, 'longer than 255'],
    ['x'.repeat(2000), 'longer than 1024'],
  ])('%j is INVALID_ACTIVATION_CODE (%s)', (input, reason) => {
    let err: unknown;
    try {
      parseActivationCode(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LpaError);
    expect((err as LpaError).code).toBe('INVALID_ACTIVATION_CODE');
    expect((err as LpaError).message).toContain(reason);
  });

  it('checks OIDs', () => {
    expect(isDottedOid('2.999.10')).toBe(true);
    expect(isDottedOid('0.39')).toBe(true);
    for (const bad of ['2', '2.', '.2.1', '2..1', '2.01', '2.a', '']) expect(isDottedOid(bad)).toBe(false);
  });

  it('never throws anything but an LpaError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.array(fc.constantFrom('LPA:', '1', '$', 'a.example.com', ':', '2.999', ''), { maxLength: 8 }).map((a) => a.join(''))), (s) => {
        try {
          const ac = parseActivationCode(s);
          return typeof ac.smdpAddress === 'string' && typeof ac.matchingId === 'string';
        } catch (e) {
          return e instanceof LpaError && e.code === 'INVALID_ACTIVATION_CODE';
        }
      }),
      { seed: 11, numRuns: 1000 },
    );
  });
});
