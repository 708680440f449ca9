import { describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { base64Field, summarizeBody, transactionIdField } from '../../src/es9p/body.js';
import { checkExecutionStatus, explainStatus } from '../../src/es9p/status.js';

const fes = (status: unknown, statusCodeData?: unknown) => ({ header: { functionExecutionStatus: { status, ...(statusCodeData ? { statusCodeData } : {}) } } });

function thrown(f: () => unknown): LpaError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LpaError);
    return e as LpaError;
  }
  throw new Error('expected a throw');
}

describe('checkExecutionStatus', () => {
  it('passes Executed-Success and Executed-WithWarning', () => {
    expect(checkExecutionStatus(fes('Executed-Success'), 'x')).toEqual({ status: 'Executed-Success' });
    expect(checkExecutionStatus(fes('Executed-WithWarning', { subjectCode: '8.1', reasonCode: '1.1' }), 'x')).toEqual({
      status: 'Executed-WithWarning',
      statusCodeData: { subjectCode: '8.1', reasonCode: '1.1' },
    });
  });

  it('maps every common code to a readable message', () => {
    for (const [s, r] of [['8.1', '6.1'], ['8.2', '1.2'], ['8.2.6', '3.8'], ['8.2.7', '2.2'], ['8.2.7', '3.8'], ['8.8.5', '4.1'], ['8.10.1', '3.9']] as const) {
      const e = thrown(() => checkExecutionStatus(fes('Failed', { subjectCode: s, reasonCode: r }), 'authenticateClient'));
      expect(e.code).toBe('ES9_FAILED');
      expect(e.message).toContain(explainStatus(s, r)!);
    }
    expect(thrown(() => checkExecutionStatus(fes('Expired', { subjectCode: '8.2', reasonCode: '3.7' }), 'x')).code).toBe('PROFILE_ALREADY_DOWNLOADED');
  });

  it('copes with hostile status data', () => {
    const e = thrown(() => checkExecutionStatus(fes('Failed', { subjectCode: 8, reasonCode: null, message: 'x'.repeat(5000) }), 'x'));
    expect(e.code).toBe('ES9_FAILED');
    expect(e.message).toContain('no status code');
    expect(thrown(() => checkExecutionStatus(fes('Whatever'), 'x')).code).toBe('ES9_BAD_RESPONSE');
    expect(thrown(() => checkExecutionStatus({ header: 'x' }, 'x')).code).toBe('ES9_BAD_RESPONSE');
    expect(thrown(() => checkExecutionStatus({}, 'x')).code).toBe('ES9_BAD_RESPONSE');
  });
});

describe('answer fields', () => {
  it('decodes base64 (padding optional) to the exact bytes', () => {
    expect(base64Field({ f: 'vzcDAQID' }, 'f', 'fn')).toEqual(new Uint8Array([0xbf, 0x37, 3, 1, 2, 3]));
    expect(base64Field({ f: 'vzcDAQI' }, 'f', 'fn')).toEqual(new Uint8Array([0xbf, 0x37, 3, 1, 2]));
    expect(base64Field({ f: 'vzcDAQ' }, 'f', 'fn')).toEqual(new Uint8Array([0xbf, 0x37, 3, 1]));
    expect(base64Field({ f: 'vzcDAQ==' }, 'f', 'fn')).toEqual(new Uint8Array([0xbf, 0x37, 3, 1]));
    expect(base64Field({ old: 'vzcD' }, 'f', 'fn', ['old'])).toEqual(new Uint8Array([0xbf, 0x37, 3]));
    for (const bad of ['', 'vzcDAQIDv', 'vz cDAQID', 'vzcD-QID', 'vzcDAQ==ID', 'vzcDA=', 42, ['vzcD']]) {
      const e = thrown(() => base64Field({ f: bad }, 'f', 'fn'));
      expect(e.code).toBe('ES9_BAD_RESPONSE');
      expect(e.details.field).toBe('f');
    }
    expect(thrown(() => base64Field({}, 'f', 'fn')).message).toContain('lacks f');
  });

  it('checks transaction ids', () => {
    expect(transactionIdField({ transactionId: '576DB55F33E54E99AF3A62C9829BBE77' }, 'fn')).toBe('576DB55F33E54E99AF3A62C9829BBE77');
    expect(transactionIdField({}, 'fn', 'AB')).toBe('AB');
    for (const bad of ['', 'ABC', 'ZZ', '00'.repeat(17), 7]) expect(thrown(() => transactionIdField({ transactionId: bad }, 'fn')).code).toBe('ES9_BAD_RESPONSE');
  });

  it('summarises HTML error pages to one short line', () => {
    expect(summarizeBody('<html><head><title>502 Bad Gateway</title></head><body>...</body></html>')).toBe('502 Bad Gateway');
    expect(summarizeBody('<html><body><h1>Not &amp; Found</h1><p>x</p></body></html>')).toBe('Not & Found');
    expect(summarizeBody('plain\r\ntext')).toBe('plain text');
    expect(summarizeBody('')).toBe('(empty body)');
    expect(summarizeBody('y'.repeat(1000)).length).toBeLessThan(170);
  });
});
