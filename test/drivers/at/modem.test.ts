import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LpaError } from '../../../src/errors.js';
import { openAtModem, type AtModem } from '../../../drivers/at/modem.js';
import { SerialAtPort, isModemManagerRunning, mapOpenError } from '../../../drivers/at/port.js';
import { detectVendor, getVendor } from '../../../drivers/at/vendors.js';
import { ScriptedModem } from './scriptedModem.js';
import { lpaRejection } from '../../util/lpaError.js';

/** An empty /proc stand-in, so these tests never depend on the host's ModemManager. */
const noProc = mkdtempSync(join(tmpdir(), 'noproc-'));

function fakeProcWithModemManager(): string {
  const root = mkdtempSync(join(tmpdir(), 'proc-'));
  for (const [pid, comm] of [
    ['1', 'systemd'],
    ['742', 'ModemManager'],
  ]) {
    mkdirSync(join(root, pid));
    writeFileSync(join(root, pid, 'comm'), `${comm}\n`);
  }
  mkdirSync(join(root, 'self'));
  return root;
}

const opened: AtModem[] = [];
afterEach(async () => {
  for (const m of opened.splice(0)) await m.close();
});


describe('vendors', () => {
  it('detects the maker from ATI or AT+CGMI text', () => {
    expect(detectVendor('Quectel\nEC25\nRevision: EC25EFAR06A06M4G').name).toBe('quectel');
    expect(detectVendor('Manufacturer: SIMCOM INCORPORATED\nModel: SIMCOM_SIM7600E-H').name).toBe('simcom');
    expect(detectVendor('Manufacturer: Sierra Wireless, Incorporated\nModel: EM9191').name).toBe('sierra');
    expect(detectVendor('LE910C1-EU', 'Telit').name).toBe('telit');
    expect(detectVendor('', 'Fibocom Wireless Inc.').name).toBe('fibocom');
    expect(detectVendor('Manufacturer: u-blox\nModel: SARA-R410M-02B').name).toBe('ublox');
    expect(detectVendor('', 'Nordic Semiconductor ASA').name).toBe('nordic');
    expect(detectVendor('Some Modem 1.0').name).toBe('generic');
  });
  it('refuses an unknown vendor name with the valid list', () => {
    const e = (() => {
      try {
        getVendor('nokia');
      } catch (err) {
        return err as LpaError;
      }
      throw new Error('no error');
    })();
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(/quectel, simcom, sierra, telit, fibocom, ublox, nordic/);
    expect(getVendor('U-Blox').name).toBe('ublox');
  });
});

describe('port errors', () => {
  it('maps native open errors', () => {
    expect(mapOpenError(new Error('Error: No such file or directory, cannot open /dev/ttyUSB9'), '/dev/ttyUSB9', noProc).code).toBe('PORT_NOT_FOUND');
    expect(mapOpenError(new Error('Error Resource temporarily unavailable Cannot lock port'), '/dev/ttyUSB2', noProc).code).toBe('PORT_BUSY');
    expect(mapOpenError(new Error('Error: Device or resource busy, cannot open /dev/ttyUSB2'), '/dev/ttyUSB2', noProc).code).toBe('PORT_BUSY');
    const mm = mapOpenError(new Error('Error Resource temporarily unavailable Cannot lock port'), '/dev/ttyUSB2', fakeProcWithModemManager());
    expect(mm.code).toBe('PORT_MODEMMANAGER');
    expect(mm.message).toMatch(/ID_MM_PORT_IGNORE/);
    expect(mapOpenError(new Error('Error: Permission denied, cannot open /dev/ttyUSB2'), '/dev/ttyUSB2', noProc).message).toMatch(/dialout/);
    // a character device without terminal settings (/dev/null, a cdc-wdm port): not a serial port
    const notTty = mapOpenError(new Error('Error: Inappropriate ioctl for device setting custom baud rate of 115200'), '/dev/cdc-wdm0', noProc);
    expect(notTty.code).toBe('PORT_NOT_FOUND');
    expect(notTty.message).toMatch(/^\/dev\/cdc-wdm0 is not a serial port .*qmi:\/mbim:/);
  });

  it('finds ModemManager in a /proc tree', () => {
    expect(isModemManagerRunning(fakeProcWithModemManager())).toBe(true);
    expect(isModemManagerRunning(noProc)).toBe(false);
    expect(isModemManagerRunning(join(noProc, 'missing'))).toBe(false);
  });

  it('reports a missing port and a locked port', async () => {
    const modem = new ScriptedModem(() => ['OK']);
    const e = await lpaRejection(SerialAtPort.open({ path: '/dev/nonexistent-modem', binding: modem.binding, procRoot: noProc }));
    expect(e.code).toBe('PORT_NOT_FOUND');
    expect(e.message).toMatch(/ls \/dev\/serial\/by-id/);
    const first = await SerialAtPort.open({ path: modem.path, binding: modem.binding, procRoot: noProc });
    const busy = await lpaRejection(SerialAtPort.open({ path: modem.path, binding: modem.binding, procRoot: noProc }));
    expect(busy.code).toBe('PORT_BUSY');
    await first.close();
    expect(first.isOpen).toBe(false);
    await first.close();
  });
});

describe('openAtModem', () => {
  it('initialises in two round trips and detects the vendor from ATI', async () => {
    const modem = new ScriptedModem(
      (cmd) => {
        if (cmd === 'ATE0+CMEE=1') return ['OK'];
        if (cmd === 'ATI') return ['Quectel', 'EG25', 'Revision: EG25GGBR07A08M2G', 'OK'];
        return ['ERROR'];
      },
      { echo: true },
    );
    const m = await openAtModem({ path: modem.path, binding: modem.binding, procRoot: noProc });
    opened.push(m);
    expect(m.vendor.name).toBe('quectel');
    expect(modem.commands).toEqual(['ATE0+CMEE=1', 'ATI']);
    expect(m.channel.stats().atCommands).toBe(2);
  });

  it('falls back to separate ATE0 / AT+CMEE=1 and asks AT+CGMI when ATI is vague', async () => {
    const modem = new ScriptedModem((cmd) => {
      if (cmd === 'ATE0+CMEE=1') return ['ERROR'];
      if (cmd === 'ATE0' || cmd === 'AT+CMEE=1') return ['OK'];
      if (cmd === 'ATI') return ['LE910C1-EU', 'OK'];
      if (cmd === 'AT+CGMI') return ['Telit', 'OK'];
      return ['ERROR'];
    });
    const m = await openAtModem({ path: modem.path, binding: modem.binding, procRoot: noProc });
    opened.push(m);
    expect(m.vendor.name).toBe('telit');
    expect(modem.commands).toEqual(['ATE0+CMEE=1', 'ATE0', 'AT+CMEE=1', 'ATI', 'AT+CGMI']);
  });

  it('skips detection when the vendor is given, and validates the name before opening', async () => {
    const modem = new ScriptedModem(() => ['OK']);
    const m = await openAtModem({ path: modem.path, binding: modem.binding, vendor: 'sierra', procRoot: noProc });
    opened.push(m);
    expect(m.vendor.name).toBe('sierra');
    expect(modem.commands).toEqual(['ATE0+CMEE=1']);
    expect((await lpaRejection(openAtModem({ path: modem.path, binding: modem.binding, vendor: 'bogus' }))).code).toBe('USAGE');
  });

  it('explains a silent port, naming ModemManager when it runs', async () => {
    const silent = new ScriptedModem(() => null);
    const e = await lpaRejection(openAtModem({ path: silent.path, binding: silent.binding, commandTimeoutMs: 50, procRoot: noProc }));
    expect(e.code).toBe('AT_TIMEOUT');
    expect(e.message).toMatch(/AT port/);
    const silent2 = new ScriptedModem(() => null);
    const mm = await lpaRejection(
      openAtModem({ path: silent2.path, binding: silent2.binding, commandTimeoutMs: 50, procRoot: fakeProcWithModemManager() }),
    );
    expect(mm.code).toBe('PORT_MODEMMANAGER');
  });
});
