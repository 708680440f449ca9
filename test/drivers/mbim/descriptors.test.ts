import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maxControlTransferOf } from '../../../drivers/mbim/open.js';
import { tempDir } from '../wwan/rig.js';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

/** A fixture sysfs: /dev/cdc-wdm0 -> class/usbmisc/cdc-wdm0/device -> the USB interface; descriptors one level up. */
function fixture(descriptors: number[]): { dev: string; sys: string } {
  tmp = tempDir('lpa-sysfs-');
  const sys = join(tmp.dir, 'sys');
  const usbDev = join(sys, 'devices', 'pci0000:00', 'usb2', '2-1');
  const intf = join(usbDev, '2-1:1.0');
  mkdirSync(intf, { recursive: true });
  writeFileSync(join(usbDev, 'descriptors'), Uint8Array.from(descriptors));
  mkdirSync(join(sys, 'class', 'usbmisc', 'cdc-wdm0'), { recursive: true });
  symlinkSync(intf, join(sys, 'class', 'usbmisc', 'cdc-wdm0', 'device'));
  const devDir = join(tmp.dir, 'dev');
  mkdirSync(devDir);
  writeFileSync(join(devDir, 'cdc-wdm0'), '');
  return { dev: join(devDir, 'cdc-wdm0'), sys };
}

const DEVICE = [0x12, 0x01, 0x00, 0x02, 0, 0, 0, 0x40, 0x99, 0x11, 0xd3, 0x90, 0, 0, 1, 2, 3, 1];
const CONFIG = [0x09, 0x02, 0x5a, 0x00, 0x02, 0x01, 0x00, 0xa0, 0xfa];
const INTERFACE = [0x09, 0x04, 0x00, 0x00, 0x01, 0x02, 0x0e, 0x00, 0x00];
const CDC_HEADER = [0x05, 0x24, 0x00, 0x10, 0x01];
/** MBIM functional descriptor: bcdMBIMVersion 1.00, wMaxControlMessage 512, ... */
const MBIM_FUNC = [0x0c, 0x24, 0x1b, 0x00, 0x01, 0x00, 0x02, 0x20, 0x80, 0x96, 0x05, 0x20];

describe('MaxControlTransfer from the USB descriptors (no ioctl in Node)', () => {
  it('reads wMaxControlMessage of the MBIM functional descriptor', () => {
    const { dev, sys } = fixture([...DEVICE, ...CONFIG, ...INTERFACE, ...CDC_HEADER, ...MBIM_FUNC]);
    expect(maxControlTransferOf(dev, sys)).toBe(512);
  });

  it('no MBIM descriptor, a broken descriptor list, or no sysfs entry: undefined (4096 is used)', () => {
    expect(maxControlTransferOf(fixture([...DEVICE, ...CONFIG, ...INTERFACE]).dev, join(tmp!.dir, 'sys'))).toBeUndefined();
    tmp!.remove();
    const broken = fixture([...DEVICE, 0x00, 0x24, 0x1b]);
    expect(maxControlTransferOf(broken.dev, broken.sys)).toBeUndefined();
    expect(maxControlTransferOf('/dev/null', broken.sys)).toBeUndefined();
  });
});
