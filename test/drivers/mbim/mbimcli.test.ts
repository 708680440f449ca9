/**
 * libmbim's mbimcli (an independent MBIM implementation) against the virtual module's MBIM port on
 * a pty, with the port fragmenting everything at 64 bytes: subscriber ready (also during the SIM
 * reset), device caps, ATR, and a whole UICC low-level access exchange (open channel to the ISD-R,
 * GetEID APDU, close channel).
 */
import { execFile } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasTool, tempDir, virtualPorts, type VirtualPorts } from '../wwan/rig.js';

const hasMbimcli = hasTool('mbimcli');
if (!hasMbimcli) console.log('skipped: mbimcli against the virtual MBIM port (mbimcli is not installed; apt-get install libmbim-utils)');

function mbimcli(path: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('mbimcli', ['-d', path, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

let tmp: ReturnType<typeof tempDir>;
let ports: VirtualPorts;

beforeEach(async () => {
  tmp = tempDir('lpa-mbimcli-');
  ports = await virtualPorts({ dir: tmp.dir, mbimMax: 64 });
});
afterEach(async () => {
  await ports.close();
  tmp.remove();
});

describe.skipIf(!hasMbimcli)('mbimcli against the virtual MBIM port (64-byte fragments)', () => {
  it('--query-subscriber-ready-status: initialized, with the ICCID; the session is closed afterwards', async () => {
    const r = await mbimcli(ports.mbimPath, '--query-subscriber-ready-status');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Ready state: 'initialized'/);
    expect(r.out).toMatch(/SIM ICCID: '8988307000000000016'/);
    expect(ports.mbim.isOpen).toBe(false);
  });

  it('--query-subscriber-ready-status during the SIM reset window: not initialized', async () => {
    ports.modem.setQuirks({ simResetMs: 5000 });
    ports.modem.requestSimReset();
    const r = await mbimcli(ports.mbimPath, '--query-subscriber-ready-status');
    expect(r.out).toMatch(/Ready state: 'not-initialized'/);
    ports.modem.finishSimReset();
  });

  it('--query-device-caps and --ms-query-uicc-atr', async () => {
    const caps = await mbimcli(ports.mbimPath, '--query-device-caps');
    expect(caps.out).toMatch(/Device ID: '350000000000014'/);
    expect(caps.out).toMatch(/Firmware info: 'EC25EFAR06A08M4G'/);
    const atr = await mbimcli(ports.mbimPath, '--ms-query-uicc-atr');
    expect(atr.out).toMatch(/response: 3B:9F:96:80/);
  });

  it('--ms-set-uicc-open-channel / -apdu / -close-channel reach the ISD-R (GetEID)', async () => {
    const open = await mbimcli(ports.mbimPath, '--ms-set-uicc-open-channel=application-id=A0000005591010FFFFFFFF8900000100,selectp2arg=0,channel-group=1');
    expect(open.out).toMatch(/status: 144/);
    expect(open.out).toMatch(/channel: 1/);
    const apdu = await mbimcli(ports.mbimPath, '--ms-set-uicc-apdu=channel=1,secure-message=none,classbyte-type=extended,command=81E2910006BF3E035C015A');
    expect(apdu.out).toMatch(/status: 144/);
    expect(apdu.out).toMatch(/response: BF:3E:12:5A:10:89:04:90:32:12:34:51:23:45:12:34:56:78:90:12:35/);
    const close = await mbimcli(ports.mbimPath, '--ms-set-uicc-close-channel=channel=1,channel-group=1');
    expect(close.out).toMatch(/status: 144/);
    expect(ports.mbim.openChannels()).toEqual([]);
  });
});
