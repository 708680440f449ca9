import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { formatTarget, parseConnectTo, parseConnectToList, resolveConnectTo } from '../../src/es9p/connectTo.js';

describe('parseConnectTo', () => {
  it('parses the four fields', () => {
    expect(parseConnectTo('testsmdpplus1.example.com:443:127.0.0.1:8443')).toEqual({
      source: 'testsmdpplus1.example.com:443:127.0.0.1:8443',
      fromHost: 'testsmdpplus1.example.com',
      fromPort: 443,
      toHost: '127.0.0.1',
      toPort: 8443,
    });
  });

  it('empty fields mean any (source) or unchanged (target)', () => {
    expect(parseConnectTo('::127.0.0.1:')).toEqual({ source: '::127.0.0.1:', toHost: '127.0.0.1' });
    expect(parseConnectTo(':443::8443')).toEqual({ source: ':443::8443', fromPort: 443, toPort: 8443 });
    expect(parseConnectTo(':::')).toEqual({ source: ':::' });
  });

  it('takes IPv6 in brackets on both sides', () => {
    expect(parseConnectTo('[2001:db8::1]:443:[::1]:9443')).toMatchObject({ fromHost: '2001:db8::1', fromPort: 443, toHost: '::1', toPort: 9443 });
    expect(parseConnectTo('RSP.Example.com::[::1]:')).toMatchObject({ fromHost: 'rsp.example.com', toHost: '::1' });
  });

  it.each([
    ['', 'empty'],
    ['a.example.com:443:127.0.0.1', '4 fields'],
    ['a.example.com:443:127.0.0.1:8443:9', '4 fields'],
    ['a.example.com:https:127.0.0.1:8443', 'not a number'],
    ['a.example.com:443:127.0.0.1:70000', 'out of range'],
    ['a.example.com:0:127.0.0.1:1', 'out of range'],
    ['::1:443:127.0.0.1:8443', '4 fields'],
    ['[::1:443:127.0.0.1:8443', 'unclosed'],
    ['[::1]x:443:127.0.0.1:8443', 'unexpected'],
    ['[nothost]:443:127.0.0.1:8443', 'not an IPv6'],
    ['bad_host:443:127.0.0.1:8443', 'not a host name'],
    ['a.example.com:443:127.0.0.1:8443 ', 'white space'],
  ])('%j is refused (%s)', (value, reason) => {
    let err: unknown;
    try {
      parseConnectTo(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LpaError);
    expect((err as LpaError).code).toBe('USAGE');
    expect((err as LpaError).message).toContain(`"${value}"`);
    expect((err as LpaError).message).toContain(reason);
    expect((err as LpaError).details.value).toBe(value);
  });

  it('reports CONFIG_INVALID for values from a config file', () => {
    expect(() => parseConnectTo('nope', { code: 'CONFIG_INVALID' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('never throws anything but an LpaError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          parseConnectTo(s);
        } catch (e) {
          return e instanceof LpaError;
        }
        return true;
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('resolveConnectTo', () => {
  const rules = parseConnectToList([
    'rsp.example.com:443:127.0.0.1:8443',
    'rsp.example.com::127.0.0.2:',
    ':9443:[::1]:',
    '::fallback.example.net:1',
  ]);

  it('applies the first matching rule, case-insensitively', () => {
    expect(resolveConnectTo(rules, 'RSP.example.com', 443)).toMatchObject({ host: '127.0.0.1', port: 8443 });
    expect(resolveConnectTo(rules, 'rsp.example.com', 444)).toMatchObject({ host: '127.0.0.2', port: 444 });
    expect(resolveConnectTo(rules, 'other.example.com', 9443)).toMatchObject({ host: '::1', port: 9443 });
    expect(resolveConnectTo(rules, 'other.example.com', 443)).toMatchObject({ host: 'fallback.example.net', port: 1 });
    expect(formatTarget(resolveConnectTo(rules, 'x.example.com', 9443))).toBe('[::1]:9443');
  });

  it('leaves unmatched traffic alone', () => {
    expect(resolveConnectTo([], 'rsp.example.com', 443)).toEqual({ host: 'rsp.example.com', port: 443 });
  });
});
