/**
 * Profile icons end to end: the SM-DP+ puts iconType/icon in the metadata, the download shows them,
 * the virtual eUICC keeps them and GetProfilesInfo returns them when the tag list asks (`profiles`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileView } from '../../src/cli/format.js';
import { LIST_PROFILES_TAGS_WITH_ICON } from '../../src/es10/client.js';
import { downloadProfile } from '../../src/lpa/download.js';
import { startInProcessPeers, type InProcessPeers } from '../helpers/inProcessPeers.js';

const PNG = Uint8Array.from(Buffer.from('89504e470d0a1a0a0000000d49484452000000400000004008060000', 'hex'));

describe('profile icons', () => {
  let peers: InProcessPeers;
  beforeAll(async () => {
    peers = await startInProcessPeers('generic', { smdp: { icons: { 'TS48V1-A-UNIQUE': { iconType: 'png', icon: PNG } } } });
  });
  afterAll(() => peers?.close());

  it('from the SM-DP+ metadata to the profile list', async () => {
    let shown: Record<string, unknown> | undefined;
    const dl = await downloadProfile(peers.es10, peers.pool, { smdpAddress: peers.smdp.address, matchingId: 'TS48V1-A-UNIQUE' }, {
      onProgress: (step, _m, data) => {
        if (step === 'metadata') shown = data;
      },
    });
    expect(shown).toMatchObject({ iconType: 'png', icon: Buffer.from(PNG).toString('base64') });
    expect(dl.metadata?.iconType).toBe(1);
    const withIcon = (await peers.es10.listProfiles({ tagList: LIST_PROFILES_TAGS_WITH_ICON })).find((p) => p.iccid === dl.iccid)!;
    expect(profileView(withIcon)).toMatchObject({ iconType: 'png', icon: Buffer.from(PNG).toString('base64') });
    // the default list leaves the icon out (fewer bytes), the type stays
    const plain = (await peers.es10.listProfiles()).find((p) => p.iccid === dl.iccid)!;
    expect(profileView(plain)).toMatchObject({ iconType: 'png', icon: null });
  });
});
