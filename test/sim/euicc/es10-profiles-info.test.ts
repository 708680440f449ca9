import { describe, expect, it } from 'vitest';
import { decodeEuiccInfo2Response, encodeEuiccInfo2Request, parseExtCardResource } from '../../../src/es10/euiccInfo2.js';
import { decodeProfilesInfoResponse, encodeProfilesInfoRequest } from '../../../src/es10/profilesInfo.js';
import {
  BOOTSTRAP_ICCID,
  BOOTSTRAP_ISDP_AID,
  BOOTSTRAP_NOTIFICATION_ADDRESS,
  BOOTSTRAP_PROFILE_NAME,
  BOOTSTRAP_SPN,
  EuiccStateStore,
  openVirtualEuicc,
  VirtualEuicc,
  type StoredProfile,
} from '../../../src/sim/euicc/index.js';
import { splitTagList } from '../../../src/sim/euicc/es10/profilesInfo.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { es10, openIsdR, storeData } from './helpers.js';

function operational(i: number): StoredProfile {
  const iccid = `89883070000000001${String(i).padStart(2, '0')}`;
  return {
    iccid,
    isdpAid: `A0000005591010FFFFFFFF890000${(0x11 + i).toString(16).toUpperCase()}00`,
    state: 'disabled',
    nickname: `line ${i}`,
    serviceProviderName: 'Operator',
    profileName: `Operator profile number ${i} with a long description`,
    profileClass: i % 2 === 0 ? 'operational' : 'test',
    profilePolicyRules: i === 1 ? ['ppr2'] : undefined,
    notificationConfigurationInfo: { install: 'smdp.operator.example', delete: 'smdp.operator.example', enable: 'other.example' },
  };
}

function cardWithProfiles(n: number): VirtualEuicc {
  const store = EuiccStateStore.open();
  for (let i = 0; i < n; i++) store.state.profiles.push(operational(i));
  return new VirtualEuicc({ store });
}

describe('virtual eUICC GetProfilesInfo and GetEUICCInfo2', () => {
  it('lists the factory bootstrap profile (golden hex with tag list 5A)', () => {
    const card = openVirtualEuicc();
    const resp = es10(card, encodeProfilesInfoRequest({ tagList: fromHex('5A') }));
    expect(toHex(resp)).toBe('BF2D10A00EE30C5A0A988803070000000010F6');
    const full = decodeProfilesInfoResponse(es10(card, encodeProfilesInfoRequest()));
    expect(full).toEqual({
      ok: true,
      profiles: [
        {
          iccid: BOOTSTRAP_ICCID,
          isdpAid: fromHex(BOOTSTRAP_ISDP_AID),
          state: 'enabled',
          stateCode: 1,
          serviceProviderName: BOOTSTRAP_SPN,
          profileName: BOOTSTRAP_PROFILE_NAME,
          profileClass: 'provisioning',
          profileClassCode: 1,
          notificationConfigurationInfo: [
            { profileManagementOperation: ['notificationEnable', 'notificationDisable', 'notificationDelete'], notificationAddress: BOOTSTRAP_NOTIFICATION_ADDRESS },
          ],
        },
      ],
    });
  });

  it('answers a long list through 61xx / GET RESPONSE and honours the tag list', () => {
    const card = cardWithProfiles(6);
    const ch = openIsdR(card);
    const ans = storeData(card, ch, encodeProfilesInfoRequest());
    expect(ans.sw).toBe('9000');
    expect(ans.data.length).toBeGreaterThan(256);
    const r = decodeProfilesInfoResponse(ans.data);
    if (!r.ok) throw new Error('expected a list');
    expect(r.profiles).toHaveLength(7);
    expect(r.profiles[1]).toMatchObject({ nickname: 'line 0', state: 'disabled' });
    expect(r.profiles[1]!.ppr).toBeUndefined();
    expect(r.profiles[1]!.profileClass).toBeUndefined(); // operational is the DEFAULT, left out
    expect(r.profiles[2]).toMatchObject({ profileClass: 'test', ppr: ['ppr2'] });
    expect(r.profiles[2]!.notificationConfigurationInfo).toEqual([
      { profileManagementOperation: ['notificationInstall', 'notificationDelete'], notificationAddress: 'smdp.operator.example' },
      { profileManagementOperation: ['notificationEnable'], notificationAddress: 'other.example' },
    ]);

    const few = decodeProfilesInfoResponse(es10(card, encodeProfilesInfoRequest({ tagList: fromHex('5A9F7090') }), ch));
    if (!few.ok) throw new Error('expected a list');
    expect(few.profiles[0]).toEqual({ iccid: BOOTSTRAP_ICCID, state: 'enabled', stateCode: 1 });
    expect(few.profiles[1]).toEqual({ iccid: operational(0).iccid, state: 'disabled', stateCode: 0, nickname: 'line 0' });
  });

  it('filters by ICCID, ISD-P AID and profile class', () => {
    const card = cardWithProfiles(4);
    const ch = openIsdR(card);
    const q = (req: Parameters<typeof encodeProfilesInfoRequest>[0]) => {
      const r = decodeProfilesInfoResponse(es10(card, encodeProfilesInfoRequest(req), ch));
      if (!r.ok) throw new Error(r.error);
      return r.profiles.map((p) => p.iccid);
    };
    expect(q({ searchCriteria: { iccid: operational(2).iccid } })).toEqual([operational(2).iccid]);
    expect(q({ searchCriteria: { isdpAid: fromHex(BOOTSTRAP_ISDP_AID) } })).toEqual([BOOTSTRAP_ICCID]);
    expect(q({ searchCriteria: { profileClass: 'test' } })).toEqual([operational(1).iccid, operational(3).iccid]);
    expect(q({ searchCriteria: { profileClass: 'provisioning' } })).toEqual([BOOTSTRAP_ICCID]);
    expect(q({ searchCriteria: { iccid: '8988307000000000990' } })).toEqual([]);
  });

  it('answers incorrectInputValues for a truncated tag list and 6A80 for malformed requests', () => {
    const card = openVirtualEuicc();
    const ch = openIsdR(card);
    expect(toHex(es10(card, encodeProfilesInfoRequest({ tagList: fromHex('5A9F') }), ch))).toBe('BF2D03810101');
    expect(splitTagList(fromHex('5A9F70BF2590'))).toEqual([0x5a, 0x9f70, 0xbf25, 0x90]);
    expect(storeData(card, ch, fromHex('BF2D05A0035A0112')).sw).toBe('6A80'); // ICCID of 1 byte
    expect(storeData(card, ch, fromHex('BF2D04A0020C00')).sw).toBe('6A80'); // unknown criterion
  });

  it('GetEUICCInfo2 reports plausible versions, capabilities, free memory and the test CI', () => {
    const card = cardWithProfiles(2);
    const info = decodeEuiccInfo2Response(es10(card, encodeEuiccInfo2Request()));
    expect(info).toMatchObject({ profileVersion: '2.3.1', svn: '2.2.2', euiccFirmwareVer: '1.0.0', ppVersion: '1.0.0', euiccCategory: 'basicEuicc' });
    expect(info.rspCapability).toEqual(['additionalProfile', 'testProfileSupport']);
    expect(info.uiccCapability).toContain('usimSupport');
    expect(info.euiccCiPKIdListForSigning.map(toHex)).toEqual(['F54172BDF98A95D65CBEB88A38A1C11D800A85C3']);
    expect(parseExtCardResource(info.extCardResource)).toEqual({
      installedApplications: 3,
      freeNonVolatileMemory: 512 * 1024 - 3 * 48 * 1024,
      freeVolatileMemory: 12 * 1024,
    });
  });
});
