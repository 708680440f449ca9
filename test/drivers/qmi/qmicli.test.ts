/**
 * libqmi's qmicli (an independent QMUX implementation) against the virtual module's QMI port on
 * a pty: card status (also during a SIM reset), DMS identity, version info, client ids it leaves
 * behind on purpose (then our driver reports the exhausted modem), and client ids it releases.
 */
import { execFile } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QmiService } from '../../../drivers/qmi/codec.js';
import { openQmiTransport } from '../../../drivers/qmi/open.js';
import { isLpaError } from '../../../src/errors.js';
import { hasTool, tempDir, virtualPorts, type VirtualPorts } from '../wwan/rig.js';

const hasQmicli = hasTool('qmicli');
if (!hasQmicli) console.log('skipped: qmicli against the virtual QMI port (qmicli is not installed; apt-get install libqmi-utils)');

function qmicli(path: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('qmicli', ['-d', path, '--device-open-qmi', ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

let tmp: ReturnType<typeof tempDir>;
let ports: VirtualPorts;

beforeEach(async () => {
  tmp = tempDir('lpa-qmicli-');
  ports = await virtualPorts({ dir: tmp.dir, maxClients: 2 });
});
afterEach(async () => {
  await ports.close();
  tmp.remove();
});

describe.skipIf(!hasQmicli)('qmicli against the virtual QMI port', () => {
  it('--uim-get-card-status: a present card with a ready USIM; client id released afterwards', async () => {
    const r = await qmicli(ports.qmiPath, '--uim-get-card-status');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Successfully got card status/);
    expect(r.out).toMatch(/Card state: 'present'/);
    expect(r.out).toMatch(/Application type: +'usim \(2\)'/);
    expect(r.out).toMatch(/Application state: 'ready'/);
    expect(ports.qmi.allocated(QmiService.UIM)).toEqual([]);
  });

  it('--uim-get-card-status during the SIM reset window shows the application still being detected', async () => {
    ports.modem.setQuirks({ simResetMs: 5000 });
    ports.modem.requestSimReset();
    const r = await qmicli(ports.qmiPath, '--uim-get-card-status');
    expect(r.out).toMatch(/Application state: 'detected'/);
    ports.modem.finishSimReset();
  });

  it('--dms-get-ids, manufacturer, model, revision and --get-service-version-info', async () => {
    expect((await qmicli(ports.qmiPath, '--dms-get-ids')).out).toMatch(/IMEI: '350000000000014'/);
    expect((await qmicli(ports.qmiPath, '--dms-get-manufacturer')).out).toMatch(/Manufacturer: 'Quectel'/);
    expect((await qmicli(ports.qmiPath, '--dms-get-model')).out).toMatch(/Model: 'EC25'/);
    expect((await qmicli(ports.qmiPath, '--dms-get-revision')).out).toMatch(/Revision: 'EC25EFAR06A08M4G'/);
    expect((await qmicli(ports.qmiPath, '--dms-uim-get-iccid')).out).toMatch(/ICCID: '8988307000000000016'/);
    const v = await qmicli(ports.qmiPath, '--get-service-version-info');
    expect(v.out).toMatch(/uim \(1\.46\)/);
    expect(ports.qmi.allocated(QmiService.DMS)).toEqual([]);
  });

  it('client ids qmicli leaves allocated exhaust the modem; our driver says so; releasing one lets it in', async () => {
    for (let i = 0; i < 2; i++) expect((await qmicli(ports.qmiPath, '--uim-get-card-status', '--client-no-release-cid')).code).toBe(0);
    expect(ports.qmi.allocated(QmiService.UIM)).toEqual([1, 2]);
    const full = await openQmiTransport(ports.qmiPath, { proxy: 'never' }).catch((e: unknown) => e);
    expect(isLpaError(full, 'QMI_ERROR')).toBe(true);
    expect((full as Error).message).toMatch(/allocate a UIM client id failed: QMI ClientIdsExhausted \(5\).*only a modem restart frees them/);
    // qmicli reuses client 2 and releases it this time
    expect((await qmicli(ports.qmiPath, '--client-cid=2', '--uim-get-card-status')).code).toBe(0);
    expect(ports.qmi.allocated(QmiService.UIM)).toEqual([1]);
    const t = await openQmiTransport(ports.qmiPath, { proxy: 'never' });
    await t.channel.open();
    await t.close();
    expect(ports.qmi.allocated(QmiService.UIM)).toEqual([1]);
  });
});
