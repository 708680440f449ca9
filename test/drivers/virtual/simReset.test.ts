import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { VENDOR_NAMES, vendorProfile } from '../../../drivers/virtual/vendors.js';
import { lines, quiet } from './terminal.js';
import { ISD_R_AID, REFRESH_TRIGGER } from './testCard.js';

const OPEN = `AT+CCHO="${ISD_R_AID}"`;
const REFRESH = `AT+CGLA=1,14,"80E2910002${REFRESH_TRIGGER}"`;

describe('virtual module: SIM reset', () => {
  it('after a REFRESH: answer first, then NOT READY, SIM busy, then the vendor ready URCs; channels gone', async () => {
    const { term, modem, card } = await quiet({ vendor: 'quectel', quirks: { simResetMs: 60_000 } });
    await term.cmd(OPEN);
    expect(await term.cmd(REFRESH)).toEqual(['+CGLA: 4,"9000"', 'OK', '+CPIN: NOT READY']);
    expect(modem.simState).toBe('resetting');
    expect(card.resets).toBe(1);
    expect(modem.sessions().size).toBe(0);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CME ERROR: 14']);
    expect(await term.cmd('AT+CPIN?')).toEqual(['+CME ERROR: 14']);
    expect(await term.cmd(OPEN)).toEqual(['+CME ERROR: 14']);
    expect(await term.cmd('AT')).toEqual(['OK']);
    modem.finishSimReset();
    expect(lines(term.take())).toEqual(['+CPIN: READY', '+QUSIM: 1', '+QIND: SMS DONE', '+QIND: PB DONE']);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CME ERROR: 3']);
    expect(await term.cmd(OPEN)).toEqual(['+CCHO: 1', 'OK']);
  });

  it('ends the window by itself after simResetMs and answers 13 when configured', async () => {
    const { term, modem } = await quiet({ quirks: { simResetMs: 5, simResetCme: 13 } });
    modem.requestSimReset();
    expect(await term.cmd('AT+CSIM=10,"0070000001"')).toEqual(['+CME ERROR: 13']);
    await once(modem, 'sim-ready');
    expect(await term.cmd('AT+CPIN?')).toEqual(['+CPIN: READY', 'OK']);
  });

  it('emits each vendor URC set', async () => {
    for (const name of VENDOR_NAMES) {
      const v = vendorProfile(name);
      const { term, modem } = await quiet({ vendor: name, quirks: { simResetMs: 60_000 } });
      modem.requestSimReset();
      modem.finishSimReset();
      expect(lines(term.take()), name).toEqual([...v.simNotReadyUrcs, ...v.simReadyUrcs]);
    }
    expect(vendorProfile('simcom').simReadyUrcs).toEqual(['+CPIN: READY', '*ATREADY: 1', 'SMS DONE', 'PB DONE']);
    expect(vendorProfile('ublox').simReadyUrcs.some((u) => /^\+UUSIMSTAT: \d$/.test(u))).toBe(true);
    expect(vendorProfile('telit').simReadyUrcs.some((u) => /^#QSS: \d$/.test(u))).toBe(true);
  });

  it('CFUN=0 powers the SIM off, CFUN=1 restarts it', async () => {
    const { term, modem, card } = await quiet({ quirks: { simResetMs: 60_000 } });
    await term.cmd(OPEN);
    expect(await term.cmd('AT+CFUN=0')).toEqual(['OK', '+CPIN: NOT READY']);
    expect(card.openChannels()).toEqual([]);
    expect(await term.cmd('AT+CFUN?')).toEqual(['+CFUN: 0', 'OK']);
    expect(await term.cmd('AT+CPIN?')).toEqual(['+CME ERROR: 13']);
    expect(await term.cmd(OPEN)).toEqual(['+CME ERROR: 13']);
    expect(await term.cmd('AT+CFUN=1')).toEqual(['OK', '+CPIN: NOT READY']);
    expect(modem.simState).toBe('resetting');
    modem.finishSimReset();
    expect(lines(term.take())).toEqual(['+CPIN: READY']);
    expect(await term.cmd(OPEN)).toEqual(['+CCHO: 1', 'OK']);
  });

  it('CFUN=1,1 reboots: boot URCs, echo back on, CMEE back to default', async () => {
    const { term, modem } = await quiet({ vendor: 'quectel', quirks: { simResetMs: 60_000 } });
    await term.cmd('AT+CMEE=2');
    expect(await term.cmd('AT+CFUN=1,1')).toEqual(['OK', 'RDY', '+CFUN: 1', '+CPIN: NOT READY']);
    expect(modem.echo).toBe(true);
    expect(modem.cmee).toBe(1);
    expect(await term.cmd('AT')).toEqual(['AT', 'OK']);
    modem.finishSimReset();
    expect(lines(term.take())).toEqual(['+CPIN: READY', '+QUSIM: 1', '+QIND: SMS DONE', '+QIND: PB DONE']);
  });

  it('vanishOnReset: the port disappears for the window and comes back', async () => {
    const { modem } = await quiet({ quirks: { simResetMs: 60_000, vanishOnReset: true } });
    const events: string[] = [];
    modem.on('vanish', () => events.push('vanish'));
    modem.on('reappear', () => events.push('reappear'));
    modem.requestSimReset();
    expect(modem.vanished).toBe(true);
    modem.finishSimReset();
    expect(modem.vanished).toBe(false);
    expect(events).toEqual(['vanish', 'reappear']);
  });
});
