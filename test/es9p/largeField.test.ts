import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWithLargeField } from '../../src/es9p/largeField.js';

const ok = { functionExecutionStatus: { status: 'Executed-Success' } };
const bpp = randomBytes(300_001); // not a multiple of 3: padded base64
const b64 = bpp.toString('base64');
const answer = (text: string) => Buffer.from(text, 'utf8');

describe('parseWithLargeField', () => {
  it('decodes the field from the raw bytes and parses the rest: the same as JSON.parse + base64', () => {
    const raw = answer(JSON.stringify({ header: ok, transactionId: '0102', boundProfilePackage: b64 }));
    const r = parseWithLargeField(raw, 'boundProfilePackage')!;
    expect(Buffer.from(r.value).equals(bpp)).toBe(true);
    expect(r.body).toEqual({ header: ok, transactionId: '0102' });
  });

  it('takes white space around the colon, a byte order mark, unpadded base64 and the field first', () => {
    const unpadded = b64.replace(/=+$/, '');
    const raw = answer(`\uFEFF{ "boundProfilePackage" :\n "${unpadded}" , "header": ${JSON.stringify(ok)} }`);
    const r = parseWithLargeField(raw, 'boundProfilePackage')!;
    expect(Buffer.from(r.value).equals(bpp)).toBe(true);
    expect(r.body).toEqual({ header: ok });
  });

  it('anything unusual is left to the ordinary parser (undefined)', () => {
    const cases = [
      // nested, not the answer's own
      JSON.stringify({ header: { ...ok, boundProfilePackage: b64 } }),
      // repeated
      `{"boundProfilePackage":"${b64}","boundProfilePackage":"${b64}"}`,
      // an escape inside the string
      `{"boundProfilePackage":"${b64.slice(0, 8)}\\/${b64.slice(8)}"}`,
      // not base64: a character outside the alphabet, padding in the middle, a lone last character
      `{"boundProfilePackage":"${b64.slice(0, 100_000)}-${b64.slice(100_001)}"}`,
      `{"boundProfilePackage":"${b64.slice(0, 4000)}==${b64.slice(4000)}"}`,
      `{"boundProfilePackage":"${b64.replace(/=+$/, '').slice(0, -1)}"}`,
      // not a string, empty, absent, not an object, not JSON
      `{"boundProfilePackage":12}`,
      `{"boundProfilePackage":""}`,
      JSON.stringify({ header: ok }),
      `["boundProfilePackage"]`,
      `{"boundProfilePackage":"${b64}",}`,
    ];
    for (const text of cases) expect(parseWithLargeField(answer(text), 'boundProfilePackage'), text.slice(0, 60)).toBeUndefined();
  });
});
