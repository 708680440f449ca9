/**
 * Through the real qmi-proxy (libqmi-utils), started here and stopped afterwards: the way
 * lpa-agent shares a modem with ModemManager. All tests that need a proxy live in this one file,
 * so no other test file starts or stops one meanwhile; the others open the ports directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QmiService } from '../../drivers/qmi/codec.js';
import { openQmiTransport } from '../../drivers/qmi/open.js';
import { Es10Client } from '../../src/es10/client.js';
import { isLpaError } from '../../src/errors.js';
import { hasProxy, hasTool, startProxy, type RunningProxy } from '../drivers/wwan/rig.js';
import { EID, WwanBench, endToEnd } from './wwanBench.js';

const nativeAbstract = Number(process.versions.uv.split('.')[1]) >= 48 || Number(process.versions.uv.split('.')[0]) > 1;
const canReach = hasTool('socat') || nativeAbstract;
const qmiReady = hasProxy('qmi-proxy') && canReach;
if (!qmiReady) console.log('skipped: tests through qmi-proxy (needs /usr/libexec/qmi-proxy from libqmi-utils, root, and socat on this Node)');

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
      expect(await t.moduleInfo!()).toMatchObject({ manufacturer: 'Quectel', imei: '350000000000017' });
    } finally {
      await t.close();
    }
    bench.expectReleased('qmi');
  });

  it('a device the proxy cannot open: a clear error, not a hang', async () => {
    const err = await openQmiTransport(`${bench.tmp.dir}/no-such-wdm`, { proxy: 'always' }).catch((e: unknown) => e);
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/qmi-proxy closed the connection when asked to open .*no-such-wdm/);
  });

  endToEnd(() => bench, 'qmi', 'proxy');
});
