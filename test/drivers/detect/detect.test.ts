import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autoVerdict, chooseAuto, detectDevices, modemManagerAdvice, udevIgnoreRule, type DetectedModule, type Inventory } from '../../../drivers/detect/index.js';
import { LpaError } from '../../../src/errors.js';
import { buildTree, loadLayout, type LayoutDesc } from '../../helpers/sysfsTree.js';
import { ROOT } from '../../cli/run.js';

const base = mkdtempSync(join(tmpdir(), 'lpa-sysfs-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

/** Builds a layout (with optional changes) and detects in it. */
async function detect(name: string, change?: (l: LayoutDesc) => void): Promise<{ inv: Inventory; dir: string }> {
  const layout = loadLayout(name);
  change?.(layout);
  const dir = join(base, `${name}-${n++}`);
  const sysfsRoot = buildTree(dir, layout);
  return { inv: await detectDevices({ sysfsRoot }), dir };
}

const roles = (m: DetectedModule) => Object.fromEntries(m.interfaces.map((i) => [i.port.name, i.role]));
const first = (inv: Inventory) => chooseAuto(inv).candidates[0]!;
const refusal = (inv: Inventory): LpaError => {
  const v = autoVerdict(inv);
  if (v.ok) throw new Error(`auto chose ${v.choice.candidates[0]!.device}`);
  return v.error;
};
const withModemManager = (l: LayoutDesc, fds: string[] = []) => {
  l.processes = [...(l.processes ?? []), { pid: 4242, comm: 'ModemManager', fds }];
};

describe('detect: real module layouts', () => {
  it('every fixture layout is covered by a test here', () => {
    const names = readdirSync(join(ROOT, 'test', 'fixtures', 'sysfs')).map((f) => f.replace(/\.json$/, ''));
    expect(names.length).toBeGreaterThanOrEqual(9);
  });

  it('Quectel EG25 (QMI composition): roles from the table, by-id names, AT first without ModemManager', async () => {
    const { inv, dir } = await detect('quectel-eg25-qmi');
    expect(inv.modules).toHaveLength(1);
    const m = inv.modules[0]!;
    expect(m).toMatchObject({ bus: 'usb', id: '1-1.2', vid: '2c7c', pid: '0125', vendor: 'Quectel', model: 'EC25/EG25', known: true, serial: '0123456789ABCDEF' });
    expect(roles(m)).toEqual({ ttyUSB0: 'diag', ttyUSB1: 'gps', ttyUSB2: 'at-primary', ttyUSB3: 'at-secondary', 'cdc-wdm0': 'qmi' });
    const at = m.interfaces.find((i) => i.port.name === 'ttyUSB2')!;
    expect(at).toMatchObject({ number: 2, usbClass: 'ff/ff/ff', driver: 'option', roleFrom: 'table', modemManager: { state: 'not-running' } });
    expect(at.port.byId).toBe(join(dir, 'dev', 'serial', 'by-id', 'usb-Quectel_EG25-G_0123456789ABCDEF-if02-port0'));
    const qmi = m.interfaces.find((i) => i.role === 'qmi')!;
    expect(qmi).toMatchObject({ number: 4, driver: 'qmi_wwan', device: `qmi:${join(dir, 'dev', 'cdc-wdm0')}`, port: { kind: 'cdc-wdm', devNum: '180:0' } });
    const choice = chooseAuto(inv);
    expect(choice.candidates.map((c) => c.transport)).toEqual(['at', 'at', 'qmi']);
    expect(choice.candidates[0]!.device).toBe(at.port.byId);
    expect(choice.reason).toMatch(/ModemManager is not running, so the AT port/);
    expect(inv.others).toEqual([]);
    expect(inv.modemManager).toEqual({ running: false, pids: [] });
  });

  it('Quectel EG25 with ModemManager running: QMI through the proxy, never the AT port it holds', async () => {
    const { inv, dir } = await detect('quectel-eg25-qmi', (l) => {
      withModemManager(l, ['/dev/ttyUSB2', '/dev/ttyUSB3']);
      l.processes!.push({ pid: 4300, comm: 'qmi-proxy', fds: ['/dev/cdc-wdm0'] });
    });
    const m = inv.modules[0]!;
    const qmi = m.interfaces.find((i) => i.role === 'qmi')!;
    expect(qmi.modemManager).toEqual({ state: 'uses', why: 'open by qmi-proxy (pid 4300), shared' });
    expect(m.interfaces.find((i) => i.port.name === 'ttyUSB2')!.modemManager).toEqual({ state: 'uses', why: 'open by ModemManager (pid 4242)' });
    const choice = chooseAuto(inv);
    expect(choice.candidates.map((c) => c.device)).toEqual([`qmi:${join(dir, 'dev', 'cdc-wdm0')}`]);
    expect(choice.reason).toMatch(/ModemManager is running, so QMI/);
  });

  it('Quectel EM060K (MBIM composition): MBIM by the cdc_mbim driver, AT on interface 5', async () => {
    const { inv } = await detect('quectel-em060k-mbim');
    const m = inv.modules[0]!;
    expect(m).toMatchObject({ model: 'EM060K-GL', note: 'MBIM composition' });
    expect(roles(m)).toEqual({ 'cdc-wdm0': 'mbim', ttyUSB0: 'diag', ttyUSB1: 'gps', ttyUSB2: 'at-primary' });
    expect(m.interfaces.find((i) => i.role === 'mbim')).toMatchObject({ number: 0, usbClass: '02/0e/00', roleFrom: 'driver' });
    expect(chooseAuto(inv).candidates.map((c) => c.transport)).toEqual(['at', 'mbim']);
    const mm = await detect('quectel-em060k-mbim', (l) => withModemManager(l));
    expect(first(mm.inv).transport).toBe('mbim');
  });

  it('SIMCom SIM7600: audio port not used, QMI on interface 5', async () => {
    const { inv } = await detect('simcom-sim7600');
    expect(roles(inv.modules[0]!)).toEqual({ ttyUSB0: 'diag', ttyUSB1: 'gps', ttyUSB2: 'at-primary', ttyUSB3: 'at-secondary', ttyUSB4: 'audio', 'cdc-wdm0': 'qmi' });
    expect(inv.modules[0]!.interfaces.find((i) => i.role === 'audio')!.device).toBeUndefined();
    expect(first(inv).device).toMatch(/-if02-port0$/);
  });

  it('Sierra EM7455: AT on interface 3 (qcserial), QMI on 8 and 10 (hex interface numbers)', async () => {
    const { inv } = await detect('sierra-em7455');
    const m = inv.modules[0]!;
    expect(roles(m)).toEqual({ ttyUSB0: 'diag', ttyUSB1: 'gps', ttyUSB2: 'at-primary', 'cdc-wdm0': 'qmi', 'cdc-wdm1': 'qmi' });
    expect(m.interfaces.map((i) => i.number)).toEqual([0, 2, 3, 8, 10]);
    const mm = await detect('sierra-em7455', (l) => withModemManager(l));
    expect(chooseAuto(mm.inv).candidates.map((c) => c.device.replace(/.*\//, ''))).toEqual(['cdc-wdm0', 'cdc-wdm1']);
  });

  it('Telit FN980 (MBIM) with ModemManager and mbim-proxy running: MBIM, shared; ignored ports are ignored', async () => {
    const { inv, dir } = await detect('telit-fn980-mbim');
    const m = inv.modules[0]!;
    expect(roles(m)).toEqual({ ttyUSB0: 'diag', 'cdc-wdm0': 'mbim', ttyUSB1: 'ignore', ttyUSB2: 'at-primary', ttyUSB3: 'at-secondary', ttyUSB4: 'ignore' });
    expect(m.interfaces.find((i) => i.port.name === 'ttyUSB1')!.modemManager).toEqual({ state: 'ignores', why: 'udev ID_MM_PORT_IGNORE=1 on the port' });
    expect(m.interfaces.find((i) => i.port.name === 'ttyUSB2')!.holders).toEqual([{ pid: 612, name: 'ModemManager' }]);
    expect(inv.modemManager).toEqual({ running: true, pids: [612] });
    expect(chooseAuto(inv).candidates.map((c) => c.device)).toEqual([`mbim:${join(dir, 'dev', 'cdc-wdm0')}`]);
  });

  it('Fibocom L850-GL: AT on CDC ACM (ttyACM, by-id without -port), MBIM the fallback', async () => {
    const { inv } = await detect('fibocom-l850-mbim');
    const m = inv.modules[0]!;
    expect(roles(m)).toEqual({ 'cdc-wdm0': 'mbim', ttyACM0: 'at-primary', ttyACM1: 'ignore', ttyACM2: 'at-secondary' });
    expect(m.interfaces.find((i) => i.port.name === 'ttyACM0')).toMatchObject({ usbClass: '02/02/01', driver: 'cdc_acm', port: { devNum: '166:0' } });
    const choice = chooseAuto(inv);
    expect(choice.candidates.map((c) => c.device.replace(/.*\//, ''))).toEqual(['usb-FIBOCOM_L850_LTE_Module_004999010640000-if02', 'usb-FIBOCOM_L850_LTE_Module_004999010640000-if06', 'cdc-wdm0']);
  });

  it('Fibocom FM350 on PCIe: WWAN ports by type; MBIM before AT on a WWAN character device', async () => {
    const { inv, dir } = await detect('fibocom-fm350-pcie');
    const m = inv.modules[0]!;
    expect(m).toMatchObject({ bus: 'pci', id: '0000:01:00.0', vid: '14c3', pid: '4d75', model: 'FM350-GL (PCIe)' });
    expect(roles(m)).toEqual({ wwan0at0: 'at', wwan0at1: 'at', wwan0mbim0: 'mbim' });
    expect(m.interfaces.every((i) => i.driver === 'mtk_t7xx' && i.number === undefined)).toBe(true);
    expect(chooseAuto(inv).candidates.map((c) => c.device)).toEqual([`mbim:${join(dir, 'dev', 'wwan0mbim0')}`, join(dir, 'dev', 'wwan0at0'), join(dir, 'dev', 'wwan0at1')]);
  });

  it('a module the table does not know is listed from generic facts; auto takes its QMI port', async () => {
    const { inv } = await detect('unknown-modules');
    const m = inv.modules[0]!;
    expect(m).toMatchObject({ vendor: 'Quectel', model: 'Future Module', known: false });
    expect(roles(m)).toEqual({ ttyUSB0: 'unknown', ttyUSB1: 'unknown', ttyUSB2: 'unknown', ttyUSB3: 'unknown', 'cdc-wdm0': 'qmi' });
    expect(first(inv).transport).toBe('qmi');
  });

  it('unknown layout with serial ports only: refuses to guess, names the ports; udev tags name the AT port', async () => {
    const noQmi = (l: LayoutDesc) => {
      l.usb![0]!.interfaces = l.usb![0]!.interfaces.filter((i) => i.driver !== 'qmi_wwan');
    };
    const { inv } = await detect('unknown-modules', noQmi);
    const e = refusal(inv);
    expect(e.code).toBe('DEVICE_AMBIGUOUS');
    expect(e.category).toBe('usage');
    expect(e.message).toMatch(/does not know which port of Quectel Future Module .* is its AT port \(.*ttyUSB0, .*ttyUSB3\): give it with --device/);
    const tagged = await detect('unknown-modules', (l) => {
      noQmi(l);
      l.udev = { ttyUSB2: { ID_MM_PORT_TYPE_AT_PRIMARY: '1' } };
    });
    const at = tagged.inv.modules[0]!.interfaces.find((i) => i.port.name === 'ttyUSB2')!;
    expect(at).toMatchObject({ role: 'at-primary', roleFrom: 'udev' });
    expect(first(tagged.inv).device).toBe(at.port.path);
  });
});

describe('detect: choosing', () => {
  it('two modules: refuses (USAGE) and lists both with the --device value of each', async () => {
    const { inv, dir } = await detect('gateway-two-modules');
    expect(inv.modules.map((m) => m.model)).toEqual(['EC25/EG25', 'EM7455']);
    const e = refusal(inv);
    expect(e.code).toBe('DEVICE_AMBIGUOUS');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('found 2 modules or readers');
    expect(e.message).toContain(`--device ${join(dir, 'dev', 'serial', 'by-id', 'usb-Quectel_EG25-G_0123456789ABCDEF-if02-port0')} for Quectel EC25/EG25 (2c7c:0125, usb 1-1.2)`);
    expect(e.message).toMatch(/or --device .*-if03-port0 for Sierra Wireless EM7455 \(1199:9079, usb 1-1.4\)/);
    expect(e.details.choices).toHaveLength(2);
    // with ModemManager, the value offered for each is its QMI port
    const mm = await detect('gateway-two-modules', (l) => withModemManager(l));
    expect(refusal(mm.inv).message).toMatch(/--device qmi:.*cdc-wdm0 for Quectel.*--device qmi:.*cdc-wdm1 for Sierra/);
  });

  it('a module and a PC/SC reader are two: refuses; a reader alone is chosen', async () => {
    const readers = async () => [
      { name: 'Virtual PCD 00 00', device: 'pcsc:Virtual PCD 00 00', cardPresent: true, euicc: true },
      { name: 'Virtual PCD 00 01', device: 'pcsc:Virtual PCD 00 01', cardPresent: false, euicc: false, note: 'no card' },
    ];
    const layout = loadLayout('quectel-eg25-qmi');
    const sysfsRoot = buildTree(join(base, 'reader-and-module'), layout);
    const both = await detectDevices({ sysfsRoot, readers });
    expect(refusal(both).message).toMatch(/--device pcsc:Virtual PCD 00 00 for reader Virtual PCD 00 00/);
    // an empty slot (or a card that is not an eUICC) is listed but never a choice
    expect(refusal(both).message).not.toMatch(/00 01/);
    expect(both.readers).toHaveLength(2);
    const emptyRoot = buildTree(join(base, 'reader-only'), loadLayout('empty'));
    const alone = chooseAuto(await detectDevices({ sysfsRoot: emptyRoot, readers }));
    expect(alone.candidates).toMatchObject([{ device: 'pcsc:Virtual PCD 00 00', transport: 'pcsc', spec: { kind: 'pcsc', reader: 'Virtual PCD 00 00' } }]);
    // a reader source that fails contributes nothing
    const failing = await detectDevices({ sysfsRoot: emptyRoot, readers: async () => Promise.reject(new Error('no pcscd')) });
    expect(failing.readers).toEqual([]);
  });

  it('no module: names what was searched, what was not counted, and suggests --device virtual', async () => {
    const { inv, dir } = await detect('empty');
    expect(inv.modules).toEqual([]);
    expect(inv.others).toHaveLength(1);
    expect(inv.others[0]!.notModule).toMatch(/USB-serial adapter \(ftdi_sio\)/);
    const e = refusal(inv);
    expect(e.code).toBe('DEVICE_NOT_FOUND');
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain(`searched ${join(dir, 'sys', 'bus', 'usb', 'devices')}, ${join(dir, 'sys', 'class', 'tty')}, ${join(dir, 'sys', 'class', 'usbmisc')}, ${join(dir, 'sys', 'class', 'wwan')}`);
    expect(e.message).toContain('not counted: FTDI FT232R USB UART (0403:6001)');
    expect(e.message).toContain('--device virtual');
  });

  it('AT only and ModemManager holds it: says exactly what to do, with the udev rule of this port', async () => {
    const { inv } = await detect('ublox-lara-r6');
    const e = refusal(inv);
    expect(e.code).toBe('PORT_MODEMMANAGER');
    expect(e.message).toContain('systemctl stop ModemManager');
    const rule = 'ACTION=="add|change", SUBSYSTEM=="tty", ENV{ID_VENDOR_ID}=="05c6", ENV{ID_MODEL_ID}=="908b", ENV{ID_USB_INTERFACE_NUM}=="01", ENV{ID_MM_PORT_IGNORE}="1"';
    expect(e.message).toContain(rule);
    expect(e.details.udevRule).toBe(rule);
    expect(e.message).toContain('does not inhibit ModemManager');
    expect(udevIgnoreRule(inv.modules[0]!, inv.modules[0]!.interfaces[1]!)).toBe(rule);
  });

  it('an AT port given with --device that ModemManager holds: the module\'s QMI port, or the udev rule', async () => {
    const { inv, dir } = await detect('quectel-eg25-qmi', (l) => withModemManager(l, ['/dev/ttyUSB2']));
    const byId = join(dir, 'dev', 'serial', 'by-id', 'usb-Quectel_EG25-G_0123456789ABCDEF-if02-port0');
    for (const [path, resolved] of [[byId, undefined], [join(dir, 'dev', 'ttyUSB2'), undefined], ['/dev/modem', 'ttyUSB2']] as const) {
      const e = modemManagerAdvice(inv, path, resolved)!;
      expect(e.code).toBe('PORT_MODEMMANAGER');
      expect(e.message).toMatch(/^ModemManager is running and uses .*ttyUSB2, the AT port of Quectel EC25\/EG25 \(2c7c:0125, usb 1-1\.2\): use --device qmi:.*cdc-wdm0 \(or auto\), which goes through qmi-proxy alongside ModemManager, or stop ModemManager/);
      expect(e.details).toMatchObject({ alternative: `qmi:${join(dir, 'dev', 'cdc-wdm0')}`, udevRule: expect.stringContaining('ENV{ID_USB_INTERFACE_NUM}=="02"') });
    }
    expect(modemManagerAdvice(inv, '/dev/ttyS0')).toBeUndefined();
    const quiet = await detect('quectel-eg25-qmi');
    expect(modemManagerAdvice(quiet.inv, byId)).toBeUndefined();
  });

  it('AT port tagged ID_MM_PORT_IGNORE while ModemManager runs: that AT port is used', async () => {
    const { inv } = await detect('ublox-lara-r6', (l) => {
      l.udev!.ttyUSB1 = { ID_MM_CANDIDATE: '1', ID_MM_PORT_TYPE_AT_PRIMARY: '1', ID_MM_PORT_IGNORE: '1' };
      l.processes = [{ pid: 733, comm: 'ModemManager', fds: ['/dev/ttyUSB2'] }];
    });
    const choice = chooseAuto(inv);
    expect(choice.candidates).toHaveLength(1);
    expect(choice.candidates[0]!.device).toMatch(/-if01-port0$/);
    expect(choice.reason).toMatch(/leaves this AT port alone/);
  });

  it('ModemManager told to ignore the whole device (ID_MM_DEVICE_IGNORE): as if it were not running', async () => {
    const { inv } = await detect('ublox-lara-r6', (l) => {
      l.udev!['usb:1-1.2'] = { ID_MM_DEVICE_IGNORE: '1' };
      l.processes = [{ pid: 733, comm: 'ModemManager' }];
    });
    expect(inv.modules[0]!.mmIgnored).toBe('udev ID_MM_DEVICE_IGNORE=1');
    expect(inv.modules[0]!.interfaces.every((i) => i.modemManager.state === 'ignores')).toBe(true);
    expect(chooseAuto(inv).reason).toMatch(/^ModemManager ignores this module/);
  });

  it('an AT port another program holds goes last', async () => {
    const { inv } = await detect('quectel-eg25-qmi', (l) => {
      l.processes = [{ pid: 900, comm: 'pppd', fds: ['/dev/ttyUSB2'] }];
    });
    const c = chooseAuto(inv).candidates;
    expect(c.map((x) => x.device.replace(/.*-(if0\d)-port0$/, '$1').replace(/.*\//, ''))).toEqual(['if03', 'cdc-wdm0', 'if02']);
    expect(c[2]!.why).toBe('AT port held by pppd (pid 900)');
  });

  it('a known module without bound drivers is listed and explained', async () => {
    const { inv } = await detect('quectel-eg25-qmi', (l) => {
      for (const i of l.usb![0]!.interfaces) {
        delete i.driver;
        delete i.tty;
        delete i.usbmisc;
        delete i.net;
        delete i.byId;
      }
      l.udev = {};
    });
    expect(inv.modules).toHaveLength(1);
    expect(inv.modules[0]!.noPorts).toMatch(/drivers .* are not bound/);
    const e = refusal(inv);
    expect(e.code).toBe('DEVICE_NOT_FOUND');
    expect(e.message).toMatch(/^found Quectel EC25\/EG25 \(2c7c:0125, usb 1-1\.2\) but it has no serial, cdc-wdm or WWAN port/);
  });

  it('missing roots are an empty system, not an error', async () => {
    const inv = await detectDevices({ sysfsRoot: join(base, 'nowhere', 'sys') });
    expect(inv).toMatchObject({ modules: [], others: [], readers: [], modemManager: { running: false } });
    expect(refusal(inv).code).toBe('DEVICE_NOT_FOUND');
  });
});
