import { describe, expect, it } from 'vitest';
import { parseQuirks, parseRatSpec, quirkHelp, QUIRKS } from '../../../drivers/virtual/quirkSpec.js';
import { LpaError } from '../../../src/errors.js';
import { toHex } from '../../../src/util/hex.js';

describe('serve-modem --quirk parsing', () => {
  it('maps names (kebab, camel or snake case) and values onto module and eUICC quirks', () => {
    const q = parseQuirks([
      'sw91xx',
      'line-limit=128',
      'slowSim=3000',
      'csim_only',
      'fail-next=2:13',
      'malformed-install-result=garbage',
      'malformed-notification',
      'no-tag-list',
      'lower-case-hex',
      'rat=ppr1+ppr2/consent;ppr1@32F410',
    ]);
    expect(q.modem).toMatchObject({
      lineLimit: { maxApduBytes: 128, mode: 'freeze' },
      slowSimMs: 3000,
      csimOnly: true,
      failNext: { count: 2, failure: 13 },
      cglaShape: { space: true, quoted: true, lowerCase: true },
    });
    expect(q.card).toMatchObject({ sw91xx: 'refresh', malformedInstallResult: 'garbage', malformedNotifications: 1, noTagList: true });
    expect(q.card.rat!.map((r) => [r.pprIds, r.pprFlags, toHex(r.allowedOperators[0]!.mccMnc)])).toEqual([
      [['ppr1', 'ppr2'], ['consentRequired'], 'EEEEEE'],
      [['ppr1'], [], '32F410'],
    ]);
    expect(parseQuirks(['sw91xx=all', 'line-limit=100:ignore']).card.sw91xx).toBe('all');
  });

  it('the eUICC\'s ISD-R AID, root SM-DS and memory-reset notifications', () => {
    const q = parseQuirks(['isdr-aid=a0:00:00:05:59:10:10:ff:ff:ff:ff:89:00:00:02:00', 'root-ds=testsmds1.example.com', 'memory-reset-notifies']);
    expect(q.card).toEqual({ isdrAid: 'A0000005591010FFFFFFFF8900000200', rootDsAddress: 'testsmds1.example.com', memoryResetNotifies: true });
    expect(() => parseQuirks(['isdr-aid=A0'])).toThrow('--quirk isdr-aid "A0" is not an AID');
    expect(() => parseQuirks(['root-ds=ftp://x'])).toThrow(/--quirk root-ds=ftp:\/\/x: invalid SM-DP\+ address/);
  });

  it('refuses unknown names and bad values with a USAGE error naming the quirk', () => {
    for (const spec of ['no-such-thing', 'line-limit', 'line-limit=abc', 'sw91xx=sometimes', 'sim-reset-cme=15', 'rat=ppr9', 'csim-only=maybe']) {
      expect(() => parseQuirks([spec]), spec).toThrow(LpaError);
    }
    expect(parseRatSpec('none')).toEqual([]);
  });

  it('the help lists every quirk', () => {
    const help = quirkHelp();
    for (const name of Object.keys(QUIRKS)) expect(help).toContain(name);
    expect(help).toContain('sw91xx');
    expect(help).toContain('line-limit=<bytes>');
  });
});
