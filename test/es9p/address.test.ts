import { describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { parseSmdpAddress, sameSmdpAddress } from '../../src/es9p/address.js';

describe('parseSmdpAddress', () => {
  it('keeps the address as given and normalises for comparison', () => {
    expect(parseSmdpAddress('TestSMDPplus1.Example.com')).toEqual({
      value: 'TestSMDPplus1.Example.com',
      host: 'testsmdpplus1.example.com',
      port: 443,
      explicitPort: false,
      authority: 'testsmdpplus1.example.com',
      normalized: 'testsmdpplus1.example.com',
      schemeStripped: false,
    });
  });

  it('accepts a port, IPv4 and bracketed IPv6', () => {
    expect(parseSmdpAddress('smdp.example.com:8443')).toMatchObject({ port: 8443, explicitPort: true, authority: 'smdp.example.com:8443' });
    expect(parseSmdpAddress('smdp.example.com:443')).toMatchObject({ value: 'smdp.example.com:443', normalized: 'smdp.example.com' });
    expect(parseSmdpAddress('127.0.0.1:9443')).toMatchObject({ host: '127.0.0.1', port: 9443 });
    expect(parseSmdpAddress('[::1]:9443')).toMatchObject({ host: '::1', port: 9443, authority: '[::1]:9443' });
    expect(parseSmdpAddress('localhost').host).toBe('localhost');
  });

  it('strips a leading https:// and a trailing / and says so', () => {
    expect(parseSmdpAddress('HTTPS://rsp.example.com/')).toMatchObject({ value: 'rsp.example.com', schemeStripped: true });
    expect(parseSmdpAddress('rsp.example.com/')).toMatchObject({ value: 'rsp.example.com', schemeStripped: true });
  });

  it.each([
    ['', 'empty'],
    [' rsp.example.com', 'white space'],
    ['http://rsp.example.com', 'scheme'],
    ['ftp://rsp.example.com', 'scheme'],
    ['https://', 'no host'],
    ['rsp.example.com/gsma/rsp2', 'path'],
    ['rsp.example.com?x=1', 'path, query'],
    ['user@rsp.example.com', 'user information'],
    ['rsp..example.com', 'not a valid host name'],
    ['rsp.example.com..', 'not a valid host name'],
    ['.', 'not a valid host name'],
    ['-rsp.example.com', 'not a valid host name'],
    ['rsp_1.example.com', 'not a valid host name'],
    [`${'a'.repeat(64)}.example.com`, 'not a valid host name'],
    ['rsp.example.com:0', 'out of range'],
    ['rsp.example.com:65536', 'out of range'],
    ['rsp.example.com:https', 'not a number'],
    ['rsp.example.com:', 'not a number'],
    ['::1', 'brackets'],
    ['[::1', 'unclosed'],
    ['[rsp.example.com]', 'not an IPv6'],
    ['[::1]8443', 'unexpected'],
    ['1.2.3.999', 'not a valid host name'],
  ])('%j is INVALID_ADDRESS (%s)', (input, reason) => {
    let err: unknown;
    try {
      parseSmdpAddress(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LpaError);
    expect((err as LpaError).code).toBe('INVALID_ADDRESS');
    expect((err as LpaError).message).toContain(reason);
  });

  it('drops the trailing dot of a fully qualified name (lenient: some servers and codes carry it)', () => {
    expect(parseSmdpAddress('rsp.example.com.')).toMatchObject({ value: 'rsp.example.com', host: 'rsp.example.com', schemeStripped: false });
    expect(parseSmdpAddress('RSP.example.com.:8443')).toMatchObject({ value: 'RSP.example.com:8443', port: 8443 });
    expect(sameSmdpAddress('rsp.example.com.', 'RSP.EXAMPLE.COM')).toBe(true);
  });

  it('compares addresses case-insensitively with :443 optional', () => {
    expect(sameSmdpAddress('RSP.example.com', 'rsp.example.com:443')).toBe(true);
    expect(sameSmdpAddress('rsp.example.com:8443', 'rsp.example.com')).toBe(false);
    expect(sameSmdpAddress('a.example.com', 'b.example.com')).toBe(false);
  });
});
