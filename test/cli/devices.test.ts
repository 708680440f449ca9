import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autoVerdict, type Inventory } from '../../drivers/detect/index.js';
import { devicesText } from '../../src/cli/commands/devices.js';
import { buildTree, loadLayout, type LayoutDesc } from '../helpers/sysfsTree.js';
import { jsonLines, runCli, useServedModem } from './run.js';

const EID = '89049032123451234512345678901235';
const base = mkdtempSync(join(tmpdir(), 'lpa-devices-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function tree(name: string, change?: (l: LayoutDesc) => void, dirName = name): string {
  const layout = loadLayout(name);
  change?.(layout);
  return buildTree(join(base, dirName), layout);
}

async function devicesJson(sysfsRoot: string) {
  const r = await runCli(['--json', 'devices', '--sysfs-root', sysfsRoot]);
  expect(r.code).toBe(0);
  const last = jsonLines(r.stdout).at(-1)!;
  expect(last).toMatchObject({ type: 'result', ok: true, command: 'devices' });
  return last.data as Record<string, any>;
}

describe('lpa-agent devices', () => {
  it('quotes a reader\'s --device value, which holds spaces, so it can be pasted into a shell', () => {
    const inv = { modules: [], others: [], searched: [], modemManager: { running: false, pids: [] }, readers: [{ name: 'Virtual PCD 00 01', device: 'pcsc:Virtual PCD 00 01', cardPresent: true, euicc: true, note: 'eUICC' }] };
    const verdict = autoVerdict(inv as unknown as Inventory);
    expect(devicesText(inv as unknown as Inventory, verdict)).toContain('   Virtual PCD 00 01  --device "pcsc:Virtual PCD 00 01"  (eUICC)');
  });

  it('lists the module, its ports with roles, ModemManager and the auto pick (human)', async () => {
    const sys = tree('telit-fn980-mbim');
    const r = await runCli(['devices', '--sysfs-root', sys]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const dev = join(base, 'telit-fn980-mbim', 'dev');
    expect(r.stdout).toMatch(/^1\. Telit FN980 {2}1bc7:1051 {2}usb 1-1\.2$/m);
    expect(r.stdout).toMatch(new RegExp(`^ {3}02 +${dev}/cdc-wdm0 +MBIM +cdc_mbim +uses \\(shared\\) +mbim-proxy 640 +mbim:${dev}/cdc-wdm0$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ {3}05 +${dev}/ttyUSB2 +AT primary +option +uses +ModemManager 612 +${dev}/serial/by-id/usb-Telit_Wireless_Solutions_FN980m_7d5f9c1e-if05-port0$`, 'm'));
    expect(r.stdout).toMatch(/^ {3}04 .*other \(not used\) +option +ignores/m);
    expect(r.stdout).toContain('ModemManager: running (pid 612)');
    expect(r.stdout).toContain(`auto: mbim:${dev}/cdc-wdm0 (MBIM) of Telit FN980 (1bc7:1051, usb 1-1.2)`);
  });

  // expected `auto` pick per layout, with and without ModemManager
  const layouts: [string, RegExp | string, RegExp | string][] = [
    ['quectel-eg25-qmi', /usb-Quectel_EG25-G_0123456789ABCDEF-if02-port0$/, /^qmi:.*cdc-wdm0$/],
    ['quectel-em060k-mbim', /usb-Quectel_EM060K-GL_a1b2c3d4-if05-port0$/, /^mbim:.*cdc-wdm0$/],
    ['simcom-sim7600', /-if02-port0$/, /^qmi:.*cdc-wdm0$/],
    ['sierra-em7455', /EM7455.*-if03-port0$/, /^qmi:.*cdc-wdm0$/],
    ['telit-fn980-mbim', /FN980m_7d5f9c1e-if05-port0$/, /^mbim:.*cdc-wdm0$/],
    ['fibocom-l850-mbim', /usb-FIBOCOM_L850_LTE_Module_004999010640000-if02$/, /^mbim:.*cdc-wdm0$/],
    ['fibocom-fm350-pcie', /^mbim:.*wwan0mbim0$/, /^mbim:.*wwan0mbim0$/],
    ['unknown-modules', /^qmi:.*cdc-wdm0$/, /^qmi:.*cdc-wdm0$/],
    ['ublox-lara-r6', /usb-u-blox_LARA-R6001D_359876543210987-if01-port0$/, 'PORT_MODEMMANAGER'],
    ['gateway-two-modules', 'DEVICE_AMBIGUOUS', 'DEVICE_AMBIGUOUS'],
    ['empty', 'DEVICE_NOT_FOUND', 'DEVICE_NOT_FOUND'],
  ];
  it.each(layouts)('%s: auto picks the right way in (--json), with and without ModemManager', async (name, without, withMm) => {
    const check = (auto: Record<string, any>, want: RegExp | string) => {
      if (typeof want === 'string') expect(auto).toMatchObject({ ok: false, error: { code: want } });
      else expect(auto.device).toMatch(want);
    };
    const noMm = await devicesJson(tree(name, (l) => (l.processes = []), `${name}-nomm`));
    expect(noMm.modemManager.running).toBe(false);
    check(noMm.auto, without);
    const mm = await devicesJson(tree(name, (l) => (l.processes = [...(l.processes ?? []).filter((p) => p.comm !== 'ModemManager'), { pid: 7, comm: 'ModemManager' }]), `${name}-mm`));
    expect(mm.modemManager).toEqual({ running: true, pids: [7] });
    check(mm.auto, withMm);
    const counted = (noMm.modules as unknown[]).length;
    expect(counted).toBe(name === 'empty' ? 0 : name === 'gateway-two-modules' ? 2 : 1);
  });

  it('JSON carries the port facts other tools need', async () => {
    const data = await devicesJson(tree('quectel-eg25-qmi', undefined, 'eg25-json'));
    const m = data.modules[0];
    expect(m).toMatchObject({ bus: 'usb', id: '1-1.2', vid: '2c7c', pid: '0125', vendor: 'Quectel', model: 'EC25/EG25', known: true });
    expect(m.interfaces[4]).toMatchObject({ number: 4, driver: 'qmi_wwan', role: 'qmi', port: { kind: 'cdc-wdm', name: 'cdc-wdm0' }, modemManager: { state: 'not-running' }, holders: [] });
    expect(data.auto).toMatchObject({ ok: true, transport: 'at', module: 'Quectel EC25/EG25 (2c7c:0125, usb 1-1.2)' });
    expect(data.auto.candidates.map((c: { transport: string }) => c.transport)).toEqual(['at', 'at', 'qmi']);
    expect(data.readers).toEqual([]);
  });
});

describe('--device auto (the default) through the CLI', () => {
  // progress lines start with an ISO time when stderr is not a terminal (as here): not what these tests look at
  const run = async (sys: string, args: string[]) => {
    const r = await runCli(args, { env: { LPA_AGENT_SYSFS_ROOT: sys } });
    return { ...r, stderr: r.stderr.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /gm, '') };
  };

  it.each([
    ['gateway-two-modules', 2, 'DEVICE_AMBIGUOUS', /found 2 modules or readers, so auto will not guess: choose one with --device .*Quectel EC25\/EG25.*, or --device .*Sierra Wireless EM7455/],
    ['empty', 4, 'DEVICE_NOT_FOUND', /no cellular module or eUICC reader found \(searched .*\/sys\/bus\/usb\/devices.*--device virtual/],
    ['ublox-lara-r6', 4, 'PORT_MODEMMANAGER', /ModemManager is running and uses .*ttyUSB1.*systemctl stop ModemManager.*ENV\{ID_USB_INTERFACE_NUM\}=="01"/],
  ])('%s: eid without --device fails with exit %i and one line', async (name, code, errCode, message) => {
    const sys = tree(name, undefined, `${name}-cli`);
    const r = await run(sys, ['eid']);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const j = await run(sys, ['--json', 'eid']);
    expect(jsonLines(j.stdout).at(-1)).toMatchObject({ ok: false, error: { code: errCode } });
  });

  it('provision without a device decides before anything else (two modules: exit 2, nothing locked)', async () => {
    const r = await run(tree('gateway-two-modules', undefined, 'two-provision'), ['provision']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lpa-agent: found 2 modules or readers, so auto will not guess/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  describe('on a module whose AT port is the virtual module on a pseudo-terminal', () => {
    const { pty } = useServedModem('lpa-auto-');

    it('eid and info find it, open its AT port by its by-id name and say how it was chosen', async () => {
      const sys = tree('quectel-eg25-qmi', (l) => (l.devNodes = { ttyUSB2: pty }), 'eg25-pty');
      const byId = join(base, 'eg25-pty', 'dev', 'serial', 'by-id', 'usb-Quectel_EG25-G_0123456789ABCDEF-if02-port0');
      const r = await run(sys, ['eid']);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(EID);
      expect(r.stderr).toBe(`==> auto: using ${byId} (AT) of Quectel EC25/EG25 (2c7c:0125, usb 1-1.2): ModemManager is not running, so the AT port (the most proven transport, cheapest to open; QMI/MBIM are the fallbacks)\n`);

      const info = await run(sys, ['--json', 'info']);
      expect(info.code).toBe(0);
      const lines = jsonLines(info.stdout);
      expect(lines[0]).toMatchObject({ type: 'progress', step: 'device', data: { device: byId, transport: 'at' } });
      expect(lines.at(-1)!.data).toMatchObject({ eid: EID, module: { vendor: 'quectel', transport: 'at', path: byId, chosen: 'auto' } });
      const human = await run(sys, ['info']);
      expect(human.stdout).toMatch(new RegExp(`^Transport: +AT ${byId}, auto: Quectel EC25/EG25 \\(2c7c:0125, usb 1-1\\.2\\); ModemManager is not running`, 'm'));
    });

    it('falls back to the next port when the first does not open, and says so', async () => {
      const sys = tree('quectel-eg25-qmi', (l) => (l.devNodes = { ttyUSB3: pty }), 'eg25-fallback');
      const r = await run(sys, ['eid']);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(EID);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/^==> auto: .*-if02-port0 did not open \(no such port .*\); trying .*-if03-port0$/);
    });

    it('a device given explicitly prints no choice line and info says where it came from', async () => {
      const r = await runCli(['--device', pty, 'info']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Transport: +AT ${pty}, given by --device$`, 'm'));
      const env = await runCli(['info'], { env: { LPA_AGENT_DEVICE: pty } });
      expect(env.stdout).toMatch(/, given by LPA_AGENT_DEVICE$/m);
    });
  });
});
