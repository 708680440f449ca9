import { describe, expect, it } from 'vitest';
import { knownSmdpAddress } from '../../src/lpa/target.js';

describe('knownSmdpAddress: the SM-DP+ to connect to before the eUICC is asked', () => {
  it('comes from an activation code or --smdp, as resolveTarget will use it', () => {
    expect(knownSmdpAddress({ activationCode: 'LPA:1$SMDP.Example.com$ABC-1' })).toBe('SMDP.Example.com');
    expect(knownSmdpAddress({ smdpAddress: 'smdp.example.com:8443', matchingId: 'X' })).toBe('smdp.example.com:8443');
  });

  it('is unknown without them (the eUICC default address) or when the input is not valid', () => {
    expect(knownSmdpAddress({})).toBeUndefined();
    expect(knownSmdpAddress({ matchingId: 'X' })).toBeUndefined();
    expect(knownSmdpAddress({ activationCode: 'not an activation code' })).toBeUndefined();
    expect(knownSmdpAddress({ smdpAddress: 'bad host name!' })).toBeUndefined();
  });
});
