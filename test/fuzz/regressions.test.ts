/**
 * Shrunk counterexamples the fuzz suite found, kept as plain regression tests (one per bug,
 * named after the fix commit's subject).
 */
import { describe, expect, it, vi } from 'vitest';
import * as es10 from '../../src/es10/index.js';
import { parseArgs } from '../../src/cli/args.js';
import { GLOBAL_OPTIONS } from '../../src/cli/globals.js';
import { main } from '../../src/cli/main.js';
import { LpaError } from '../../src/errors.js';
import { parseJsonObject, summarizeBody } from '../../src/es9p/body.js';
import { fromHex } from '../../src/util/hex.js';

describe('fuzz regressions', () => {
  it('es10/der: a UTF8String starting with U+FEFF keeps it (the BOM was silently dropped)', () => {
    // BF3F 05 80 03 EF BB BF: SetDefaultDpAddressRequest whose address is one U+FEFF
    expect(es10.decodeSetDefaultDpAddressRequest(fromHex('BF3F058003EFBBBF'))).toEqual({ defaultDpAddress: '\uFEFF' });
    const md = { seqNumber: 0, profileManagementOperation: 'notificationInstall' as const, notificationAddress: '\uFEFFdp.io' };
    expect(es10.decodeNotificationMetadata(es10.encodeNotificationMetadata(md))).toEqual(md);
  });

  it('es9p/body: summarizeBody is linear on hostile multi-megabyte error pages (lazy HTML patterns were quadratic)', () => {
    // before the fix, 400 KB of "<a" took a minute and an 8 MB body hours, blocking the event
    // loop; the suite's test timeout is the guard here, nothing measures time
    for (const page of ['<a'.repeat(2_000_000), '<script'.repeat(500_000), '<title>'.repeat(500_000), `<h1>${'<'.repeat(3_000_000)}`]) {
      expect(summarizeBody(page).length).toBeLessThanOrEqual(163);
    }
    expect(() => parseJsonObject(Buffer.from('<'.repeat(4_000_000)), 'getBoundProfilePackage', 200)).toThrow(LpaError);
  });

  it('cli/args: Object.prototype names are unknown options (--constructor x was accepted)', () => {
    for (const argv of [['--constructor', '--'], ['--toString'], ['--__proto__=1'], ['--hasOwnProperty', 'y'], ['--no-constructor']]) {
      expect(() => parseArgs(argv, GLOBAL_OPTIONS)).toThrow(/unknown option/);
    }
  });

  it('cli/main: Object.prototype names are unknown commands (lpa-agent constructor was an internal error)', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const name of ['constructor', 'toString', '__proto__']) expect(await main([name])).toBe(2);
    } finally {
      err.mockRestore();
      out.mockRestore();
    }
  });
});
