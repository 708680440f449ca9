import { describe, expect, it } from 'vitest';
import { encInt, encNamedBits, encUtf8, tlv } from '../../../src/es10/der.js';
import { encIccid } from '../../../src/es10/common.js';
import { decodeStoreMetadata, encodeStoreMetadata } from '../../../src/es10/storeMetadata.js';
import { euiccMetadata } from '../../../src/sim/euicc/es10/storeMetadata.js';

describe('euiccMetadata (the virtual eUICC view of StoreMetadataRequest)', () => {
  it('keeps one address per operation and the known PPRs', () => {
    const der = encodeStoreMetadata({
      iccid: '8949449999999990023',
      serviceProviderName: 'GSMA Test',
      profileName: 'p',
      profileClass: 'test',
      notificationConfigurationInfo: [
        { events: ['notificationInstall', 'notificationEnable'], address: 'a.example' },
        { events: ['notificationDelete'], address: 'b.example' },
      ],
      profilePolicyRules: ['ppr2'],
    });
    expect(euiccMetadata(decodeStoreMetadata(der))).toEqual({
      iccid: '8949449999999990023',
      serviceProviderName: 'GSMA Test',
      profileName: 'p',
      profileClass: 'test',
      notificationConfigurationInfo: { install: 'a.example', enable: 'a.example', delete: 'b.example' },
      profilePolicyRules: ['ppr2'],
    });
  });

  it('reports an unknown class, defaults to operational and drops unnamed PPR bits', () => {
    const der = tlv(0xbf25, encIccid('8949449999999990023'), encUtf8(0x91, 's'), encUtf8(0x92, 'n'), encInt(0x95, 7), encNamedBits(0x99, ['bit6'], []));
    const m = euiccMetadata(decodeStoreMetadata(der));
    expect(m).toMatchObject({ profileClass: 'operational', unknownProfileClass: 7, notificationConfigurationInfo: {} });
    expect(m.profilePolicyRules).toBeUndefined();
  });
});
