import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tlv } from '../../src/es10/der.js';
import { TLV_LIMITS } from '../../src/util/tlv.js';
import { downloadProfile, type DownloadStep } from '../../src/lpa/download.js';
import { concatBytes } from '../../src/util/hex.js';
import { dataPath } from '../../src/util/data.js';
import { startInProcessPeers, type InProcessPeers } from '../helpers/inProcessPeers.js';

describe('profiles real servers send (virtual module, real AT engine, local SM-DP+ over TLS)', () => {
  let peers: InProcessPeers | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await peers?.close();
    peers = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a bound profile package larger than 1 MiB loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpa-big-'));
    dirs.push(dir);
    // a TS.48 profile followed by 1.1 MiB more profile data (one big element)
    const base = new Uint8Array(readFileSync(dataPath('upp', 'TS48V1-A-UNIQUE.der')));
    const big = concatBytes(base, tlv(0x04, new Uint8Array(1_150_000).fill(0x5a)));
    writeFileSync(join(dir, 'BIG-PROFILE.der'), big);
    peers = await startInProcessPeers('generic', { smdp: { profilesDir: dir } });
    const { es10, pool, smdp } = peers;
    let bytes = 0;
    const r = await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId: 'BIG-PROFILE' }, {
      onProgress: (step: DownloadStep, _m, data) => {
        if (step === 'loadBoundProfilePackage' && typeof data?.bytes === 'number') bytes = data.bytes;
      },
    });
    expect(bytes).toBeGreaterThan(TLV_LIMITS.maxSize);
    expect(r.resultReadable).toBe(true);
    expect(peers.card.state.profiles.map((p) => p.iccid)).toContain(r.iccid);
  }, 120_000);

  it('profile metadata that does not decode for display does not stop the download', async () => {
    peers = await startInProcessPeers();
    const { es10, pool, smdp } = peers;
    const client = pool.get(smdp.address);
    const real = client.authenticateClient.bind(client);
    client.authenticateClient = async (req) => {
      const r = await real(req);
      // the profile name as bytes that are not UTF-8: shown as "?", compared where readable
      const md = r.profileMetadata.slice();
      const at = Buffer.from(md).indexOf(Buffer.from('TS48V2-SAIP2-3-NOBERTLV-UNIQUE'));
      md[at] = 0xff;
      return { ...r, profileMetadata: md };
    };
    const messages: string[] = [];
    const r = await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId: 'TS48V2-SAIP2-3-NOBERTLV-UNIQUE' }, { onProgress: (step, m) => step === 'metadata' && messages.push(m) });
    expect(messages[0]).toMatch(/does not fully decode/);
    expect(r.metadata).toBeUndefined();
    expect(peers.card.state.profiles.map((p) => p.iccid)).toContain(r.iccid);
  });
});
