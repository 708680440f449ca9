import { describe, expect, it } from 'vitest';
import { loadPcsc, pcscError, pcscLoadError } from '../../../drivers/pcsc/binding.js';
import { pickReader, type ReaderState } from '../../../drivers/pcsc/readers.js';
import type { LpaError } from '../../../src/errors.js';
import { codeOf } from '../../util/lpaError.js';

const r = (name: string, present = false): ReaderState => ({ name, present, exclusive: false, mute: false });

describe('pickReader: pcsc[:<reader>]', () => {
  const two = [r('Virtual PCD 00 00', true), r('Virtual PCD 00 01')];

  it('takes an index, the exact name, or a part that matches one reader', () => {
    expect(pickReader(two, '1').name).toBe('Virtual PCD 00 01');
    expect(pickReader(two, 'Virtual PCD 00 01').name).toBe('Virtual PCD 00 01');
    expect(pickReader(two, 'pcd 00 01').name).toBe('Virtual PCD 00 01');
    // a part matching both: the one holding a card
    expect(pickReader(two, 'virtual').name).toBe('Virtual PCD 00 00');
  });

  it('without a name: the only reader, else the only one with a card', () => {
    expect(pickReader([r('ACS ACR39U ICC Reader 00 00')], undefined).name).toBe('ACS ACR39U ICC Reader 00 00');
    expect(pickReader(two, undefined).name).toBe('Virtual PCD 00 00');
  });

  it('says which readers exist when the choice fails', () => {
    expect(() => pickReader([], undefined)).toThrow(/no card reader.*serve-card/);
    expect(() => pickReader([r('A'), r('B')], undefined)).toThrow(/2 readers, none holds a card: pick one with --device pcsc:<name or index> \(0: "A", 1: "B"\)/);
    expect(() => pickReader([r('A', true), r('B', true)], undefined)).toThrow(/hold cards/);
    expect(() => pickReader(two, '2')).toThrow(/there is no reader 2/);
    expect(() => pickReader(two, 'Gemalto')).toThrow(/no reader named "Gemalto": pcscd lists 0: "Virtual PCD 00 00" \(card\), 1: "Virtual PCD 00 01"/);
    expect(codeOf(() => pickReader([r('x 1'), r('x 2')], 'x'))).toBe('READER_NOT_FOUND');
  });
});

describe('PC/SC errors name what to do', () => {
  it('a missing binding package: what to install', async () => {
    const e = (await loadPcsc('pcsc-mini-not-installed').catch((x: unknown) => x)) as LpaError;
    expect(e.code).toBe('PCSC_UNAVAILABLE');
    expect(e.message).toMatch(/optional npm package pcsc-mini-not-installed is missing \(run "npm install pcsc-mini-not-installed"/);
  });

  it('a missing libpcsclite, an unsupported platform', () => {
    // the shape pcsc-mini's loader throws when the system library is absent
    const lib = new Error('Required addon dependency not found (@pcsc-mini/linux-x86_64-gnu):\nError: libpcsclite.so.1: cannot open shared object file: No such file or directory');
    expect(pcscLoadError(lib).message).toMatch(/libpcsclite\.so\.1, which is not installed: .*apt-get install libpcsclite1 pcscd/);
    const plat = new Error('Unsupported platform: freebsd-x64');
    expect(pcscLoadError(plat).message).toMatch(/no prebuilt PC\/SC binding for this platform/);
  });

  it('pcscd, reader and card failures map to codes with the reader named', () => {
    const err = (code: string) => Object.assign(new Error('[ Session.TaskTransmit ] Async task error'), { code });
    const cases: [string, string, RegExp][] = [
      ['NoService', 'PCSC_UNAVAILABLE', /pcscd is not running.*systemctl start pcscd\.socket/],
      ['NoReadersAvailable', 'READER_NOT_FOUND', /no card reader is connected/],
      ['UnknownReader', 'READER_NOT_FOUND', /card reader "R 00" is gone \(unplugged\?\)/],
      ['ReaderUnavailable', 'READER_NOT_FOUND', /is gone/],
      ['NoSmartCard', 'CARD_ABSENT', /no card in reader "R 00": insert the eUICC/],
      ['RemovedCard', 'CARD_ABSENT', /removed or restarted/],
      ['SharingViolation', 'PORT_BUSY', /exclusive use by another program/],
      ['ResetCard', 'CHANNEL_CLOSED', /reset by another program/],
      ['UnresponsiveCard', 'CARD_ABSENT', /does not answer/],
      ['NotTransacted', 'PORT_IO', /PC\/SC error NotTransacted in reader "R 00" when trying to send/],
    ];
    for (const [code, lpa, message] of cases) {
      const e = pcscError(err(code), 'R 00', 'send an APDU');
      expect(e.code, code).toBe(lpa);
      expect(e.message, code).toMatch(message);
      expect(e.details.pcsc).toBe(code);
    }
  });
});
