/**
 * Through the real qmi-proxy (libqmi-utils) and mbim-proxy (libmbim-utils), started here and
 * stopped afterwards: the way lpa-agent shares a modem with ModemManager. All tests that need a
 * proxy live in this one file, so no other test file starts or stops one meanwhile; the others
 * open the ports directly.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QmiService } from '../../drivers/qmi/codec.js';
import { openMbimTransport } from '../../drivers/mbim/open.js';
import { openQmiTransport } from '../../drivers/qmi/open.js';
import { Es10Client } from '../../src/es10/client.js';
import { isLpaError } from '../../src/errors.js';
import { openPtyLink } from '../../drivers/virtual/ptyLink.js';
import { runCli } from '../cli/run.js';
import { hasProxy, hasTool, startProxy, type RunningProxy } from '../drivers/wwan/rig.js';
import { EID, WwanBench, endToEnd } from './wwanBench.js';

const nativeAbstract = Number(process.versions.uv.split('.')[1]) >= 48 || Number(process.versions.uv.split('.')[0]) > 1;
const canReach = hasTool('socat') || nativeAbstract;
const qmiReady = hasProxy('qmi-proxy') && canReach;
if (!qmiReady) console.log('skipped: tests through qmi-proxy (needs /usr/libexec/qmi-proxy from libqmi-utils, root, and socat on this Node)');
const mbimReady = hasProxy('mbim-proxy') && canReach && hasTool('mbimcli');
if (!mbimReady) console.log('skipped: tests through mbim-proxy (needs /usr/libexec/mbim-proxy and mbimcli from libmbim-utils, root, and socat on this Node)');

function mbimcli(...args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('mbimcli', args, { timeout: 20_000 }, (_e, out, err) => resolve(`${out}${err}`)));
}

describe.skipIf(!qmiReady)('through qmi-proxy', () => {
  const bench = new WwanBench();
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy('qmi-proxy');
    await bench.start();
  });
  afterAll(async () => {
    await bench.stop();
    await proxy?.stop();
  });

  it('the driver goes through the proxy when it runs, and gives back its client ids', async () => {
    const t = await openQmiTransport(bench.ports.qmiPath);
    try {
      expect(t.viaProxy).toBe(true);
      expect(t.label).toBe(`qmi:${bench.ports.qmiPath} (via qmi-proxy)`);
      await t.channel.open();
      expect(await new Es10Client(t.channel).getEid()).toBe(EID);
      expect(bench.ports.qmi.allocated(QmiService.UIM)).toHaveLength(1);
      expect(await t.moduleInfo!()).toMatchObject({ manufacturer: 'Quectel', imei: '350000000000014' });
    } finally {
      await t.close();
    }
    bench.expectReleased('qmi', 'proxy');
  });

  it('a device the proxy cannot open: a clear error, not a hang', async () => {
    const err = await openQmiTransport(`${bench.tmp.dir}/no-such-wdm`, { proxy: 'always' }).catch((e: unknown) => e);
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/qmi-proxy closed the connection when asked to open .*no-such-wdm/);
  });

  endToEnd(() => bench, 'qmi', 'proxy');
});

describe.skipIf(!mbimReady)('through mbim-proxy', () => {
  const bench = new WwanBench();
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy('mbim-proxy');
    await bench.start();
  });
  afterAll(async () => {
    await bench.stop();
    await proxy?.stop();
  });

  it('the driver goes through the proxy when it runs and closes its UICC channel', async () => {
    const t = await openMbimTransport(bench.ports.mbimPath);
    try {
      expect(t.viaProxy).toBe(true);
      expect(t.label).toBe(`mbim:${bench.ports.mbimPath} (via mbim-proxy)`);
      await t.channel.open();
      expect(await new Es10Client(t.channel).getEid()).toBe(EID);
      expect(await t.moduleInfo!()).toMatchObject({ imei: '350000000000014' });
    } finally {
      await t.close();
    }
    bench.expectReleased('mbim', 'proxy');
  });

  it('a device the proxy cannot open: a clear error, not a hang', async () => {
    const err = await openMbimTransport(`${bench.tmp.dir}/no-such-wdm`, { proxy: 'always' }).catch((e: unknown) => e);
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/mbim-proxy closed the connection when asked to open .*no-such-wdm/);
  });

  it('a device that never answers the proxy (lpa-agent --device mbim:<it>): one clear line naming it after the short open step, not 35 s', async () => {
    // a silent pty stands for /dev/zero without making the proxy spin reading zeros
    const silent = await openPtyLink(`${bench.tmp.dir}/silent-wdm`);
    try {
      const r = await runCli(['--device', `mbim:${bench.tmp.dir}/silent-wdm`, 'eid'], { env: { LPA_AGENT_WWAN_PROXY: 'always' }, timeoutMs: 20_000 });
      expect(r.code).toBe(4);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lpa-agent: mbim-proxy (closed the connection when asked to open|did not confirm opening) .*silent-wdm/);
    } finally {
      await silent.close();
    }
  });

  endToEnd(() => bench, 'mbim', 'proxy');

  it('after ModemManager-style MBIMEx v3 negotiation (mbimcli -p --device-open-ms-mbimex-v3), subscriber ready is read in the v3 layout', async () => {
    const out = await mbimcli('-p', '-d', bench.ports.mbimPath, '--device-open-ms-mbimex-v3', '--no-close', '--noop');
    expect(out).not.toMatch(/error/i);
    expect(bench.ports.mbim.mbimexVersion).toBe(0x0300);
    const t = await openMbimTransport(bench.ports.mbimPath);
    try {
      // the ICCID sits 4 bytes further on in the v3 layout: read right only with the proxy's version notice
      expect(await t.channel.readIccid()).toMatch(/^89\d{16,18}$/);
      await t.channel.open();
      const es10 = new Es10Client(t.channel);
      const iccid = (await es10.listProfiles()).find((p) => p.state === 'enabled')!.iccid;
      expect(await t.channel.readIccid()).toBe(iccid);
    } finally {
      await t.close();
    }
  });
});
