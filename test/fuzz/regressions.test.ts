/**
 * Shrunk counterexamples the fuzz suite found, kept as plain regression tests (one per bug,
 * named after the fix commit's subject).
 */
import { describe, expect, it } from 'vitest';
import * as es10 from '../../src/es10/index.js';
import { fromHex } from '../../src/util/hex.js';

describe('fuzz regressions', () => {
  it('es10/der: a UTF8String starting with U+FEFF keeps it (the BOM was silently dropped)', () => {
    // BF3F 05 80 03 EF BB BF: SetDefaultDpAddressRequest whose address is one U+FEFF
    expect(es10.decodeSetDefaultDpAddressRequest(fromHex('BF3F058003EFBBBF'))).toEqual({ defaultDpAddress: '\uFEFF' });
    const md = { seqNumber: 0, profileManagementOperation: 'notificationInstall' as const, notificationAddress: '\uFEFFdp.io' };
    expect(es10.decodeNotificationMetadata(es10.encodeNotificationMetadata(md))).toEqual(md);
  });
});
