/**
 * Fuzz: drivers/detect on odd gateways. Random module layouts (any VID:PID, interface numbers,
 * classes and drivers, tty/cdc-wdm/WWAN ports, PCIe modules), random udev database entries and
 * processes, then garbage written over sysfs attributes and udev files: detection never throws,
 * every port it reports has a role, and `auto` either chooses a candidate with a --device value
 * or refuses with a typed LpaError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { autoVerdict, detectDevices } from '../../drivers/detect/index.js';
import { LpaError } from '../../src/errors.js';
import { buildTree, type LayoutDesc, type UsbDeviceDesc } from '../helpers/sysfsTree.js';

const base = mkdtempSync(join(tmpdir(), 'lpa-fuzz-detect-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const hex4 = fc.constantFrom('2c7c', '1e0e', '1199', '1bc7', '2cb7', '05c6', '0403', 'ffff', '0000').chain((v) =>
  fc.oneof(fc.constantFrom('0125', '0128', '9001', '9079', '1051', '0007', '908b', '6001'), fc.stringMatching(/^[0-9a-f]{4}$/)).map((p) => [v, p] as const),
);
const driver = fc.constantFrom('option', 'qcserial', 'cdc_acm', 'qmi_wwan', 'cdc_mbim', 'ftdi_sio', 'huawei_cdc_ncm', 'usbfs');
const usbClass = fc.constantFrom('ff/ff/ff', '02/02/01', '02/0e/00', '0a/00/02', '02/02/00', 'ff/00/00');
const wwanType = fc.constantFrom('AT', 'MBIM', 'QMI', 'QCDM', 'FIREHOSE', 'XMMRPC', 'NMEA', '');
const garbage = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '\n', 'zz', '-1', '0x', '999', ' 02 ', '\u0000\u0001'));

const arbLayout = fc.record({
  usb: fc.array(
    fc.record({ ids: hex4, product: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), ifs: fc.uniqueArray(fc.nat(15), { maxLength: 8 }) }),
    { maxLength: 3 },
  ),
  ports: fc.array(fc.record({ kind: fc.constantFrom('ttyUSB', 'ttyACM', 'cdc-wdm', 'wwan', 'none'), driver, cls: usbClass, wwan: wwanType }), { minLength: 24, maxLength: 24 }),
  pci: fc.option(fc.array(wwanType, { maxLength: 3 }), { nil: undefined }),
  udevTags: fc.array(fc.constantFrom('ID_MM_PORT_IGNORE', 'ID_MM_DEVICE_IGNORE', 'ID_MM_PORT_TYPE_AT_PRIMARY', 'ID_MM_PORT_TYPE_QCDM', 'ID_MM_PORT_TYPE_AT_SECONDARY'), { maxLength: 4 }),
  mm: fc.boolean(),
  garbageAttrs: fc.array(fc.tuple(fc.constantFrom('bInterfaceNumber', 'idVendor', 'idProduct', 'bInterfaceClass', 'type', 'dev'), garbage), { maxLength: 4 }),
});

describe('fuzz: detection on random gateways', () => {
  it('never throws; auto chooses a usable port or refuses with an LpaError', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(arbLayout, async (a) => {
        const dir = join(base, String(run++));
        let tty = 0;
        let wdm = 0;
        let k = 0;
        const usb: UsbDeviceDesc[] = a.usb.map((u, d) => ({
          name: `1-1.${d + 2}`,
          idVendor: u.ids[0],
          idProduct: u.ids[1],
          ...(u.product !== undefined ? { product: u.product.replace(/[\n/]/g, ' ') } : {}),
          interfaces: u.ifs.map((n) => {
            const p = a.ports[k++ % a.ports.length]!;
            const i: UsbDeviceDesc['interfaces'][number] = { n, class: p.cls, driver: p.driver };
            if (p.kind === 'ttyUSB' || p.kind === 'ttyACM') i.tty = `${p.kind}${tty++}`;
            if (p.kind === 'cdc-wdm') i.usbmisc = `cdc-wdm${wdm++}`;
            if (p.kind === 'wwan') i.wwan = [{ name: `wwan${d}x${n}`, type: p.wwan }];
            return i;
          }),
        }));
        const layout: LayoutDesc = {
          description: 'fuzz',
          usb,
          ...(a.pci ? { pci: [{ address: '0000:01:00.0', vendor: '0x14c3', device: '0x4d75', driver: 'mtk_t7xx', wwan: a.pci.map((t, i) => ({ name: `wwan9p${i}`, type: t })) }] } : {}),
          udev: Object.fromEntries(Array.from({ length: Math.min(tty, a.udevTags.length) }, (_, i) => [`ttyUSB${i}`, { [a.udevTags[i]!]: '1' }]).filter(([name]) => usb.some((u) => u.interfaces.some((x) => x.tty === name)))),
          processes: a.mm ? [{ pid: 10, comm: 'ModemManager', fds: ['/dev/ttyUSB0', '/dev/cdc-wdm0'] }] : [],
        };
        const sysfsRoot = buildTree(dir, layout);
        // garbage over some attributes of the first module
        if (usb[0]) {
          const devDir = join(sysfsRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', '1-1', usb[0].name);
          for (const [name, value] of a.garbageAttrs) {
            const where = name.startsWith('bInterface') && usb[0].interfaces[0] ? join(devDir, `${usb[0].name}:1.${usb[0].interfaces[0].n}`) : devDir;
            writeFileSync(join(where, name), value);
          }
        }
        writeFileSync(join(dir, 'run', 'udev', 'data', 'c188:0'), 'E:ID_MM_PORT_IGNORE\nE:=1\nE\n\u0000garbage=1\n');
        const inv = await detectDevices({ sysfsRoot });
        for (const m of [...inv.modules, ...inv.others]) {
          expect(m.vid).toBeTypeOf('string');
          for (const i of m.interfaces) expect(i.role).toBeTypeOf('string');
        }
        const v = autoVerdict(inv);
        if (v.ok) {
          expect(v.choice.candidates.length).toBeGreaterThan(0);
          for (const c of v.choice.candidates) expect(c.device.length).toBeGreaterThan(0);
        } else {
          expect(v.error).toBeInstanceOf(LpaError);
          expect(['DEVICE_NOT_FOUND', 'DEVICE_AMBIGUOUS', 'PORT_MODEMMANAGER']).toContain(v.error.code);
        }
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  });
});
