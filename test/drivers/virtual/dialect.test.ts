import { describe, expect, it } from 'vitest';
import { VENDOR_NAMES, vendorProfile } from '../../../drivers/virtual/vendors.js';
import { claForChannel, efIccidHex } from '../../../drivers/virtual/simCommands.js';
import { quiet, setup } from './terminal.js';
import { ISD_R_AID } from './testCard.js';

describe('virtual module: basic commands', () => {
  it('echoes after boot and stops after ATE0 (ATE0 itself is still echoed)', async () => {
    const { term, modem } = setup();
    expect(await term.raw('AT\r')).toBe('AT\r\r\nOK\r\n');
    expect(await term.raw('ATE0\r')).toBe('ATE0\r\r\nOK\r\n');
    expect(modem.echo).toBe(false);
    expect(await term.raw('AT\r')).toBe('\r\nOK\r\n');
    expect(await term.raw('ATE1\r')).toBe('\r\nOK\r\n');
    expect(await term.raw('AT\r')).toBe('AT\r\r\nOK\r\n');
  });

  it('accepts \\r\\n line ends, lower case and several lines in one write', async () => {
    const { term } = await quiet();
    expect(await term.raw('at\r\nAT+cmee=1\r\n')).toBe('\r\nOK\r\n\r\nOK\r\n');
    expect(await term.cmd('at+cmee?', '\r\n')).toEqual(['+CMEE: 1', 'OK']);
  });

  it('answers identification per vendor', async () => {
    for (const name of VENDOR_NAMES) {
      const v = vendorProfile(name);
      const { term } = await quiet({ vendor: name });
      expect(await term.cmd('ATI')).toEqual([...v.ati, 'OK']);
      expect(await term.cmd('AT+CGMI')).toEqual([v.manufacturer, 'OK']);
      expect(await term.cmd('AT+CGMM')).toEqual([v.model, 'OK']);
      expect(await term.cmd('AT+CGMR')).toEqual([`${v.cgmrPrefix}${v.revision}`, 'OK']);
      expect(await term.cmd('AT+CGSN')).toEqual([v.imei, 'OK']);
    }
    const { term } = await quiet({ vendor: 'simcom' });
    expect(await term.cmd('AT+CGMR')).toEqual(['+CGMR: LE20B04SIM7600M22', 'OK']);
  });

  it('reports CME errors per AT+CMEE (numeric, verbose, plain ERROR)', async () => {
    const { term } = await quiet();
    expect(await term.cmd('AT+CGLA=7,10,"80E2910000"')).toEqual(['+CME ERROR: 3']);
    expect(await term.cmd('AT+CMEE=2')).toEqual(['OK']);
    expect(await term.cmd('AT+CGLA=7,10,"80E2910000"')).toEqual(['+CME ERROR: operation not allowed']);
    expect(await term.cmd('AT+CMEE=0')).toEqual(['OK']);
    expect(await term.cmd('AT+CGLA=7,10,"80E2910000"')).toEqual(['ERROR']);
    expect(await term.cmd('AT+CMEE=3')).toEqual(['ERROR']);
  });

  it('answers CPIN, CFUN and test commands', async () => {
    const { term } = await quiet();
    expect(await term.cmd('AT+CPIN?')).toEqual(['+CPIN: READY', 'OK']);
    expect(await term.cmd('AT+CFUN?')).toEqual(['+CFUN: 1', 'OK']);
    expect(await term.cmd('AT+CMEE=?')).toEqual(['+CMEE: (0-2)', 'OK']);
    expect(await term.cmd('AT+CFUN=?')).toEqual(['+CFUN: (0,1,4),(0-1)', 'OK']);
    for (const c of ['AT+CCHO=?', 'AT+CGLA=?', 'AT+CCHC=?', 'AT+CSIM=?', 'AT+CRSM=?']) expect(await term.cmd(c)).toEqual(['OK']);
  });

  it('answers ERROR to unknown and malformed commands, never hangs', async () => {
    const { term } = await quiet();
    for (const bad of [
      'AT+FOO',
      'AT+FOO=?',
      'HELLO',
      'AT+CGLA=1,10,"80E2',
      'AT+CGLA=',
      'AT+CSIM=4,"80"',
      'AT+CCHO="zz"',
      'AT+CCHO',
      'ATV0',
      'AT+CFUN=7',
      'ATS0=1',
    ]) {
      expect(await term.cmd(bad), bad).toEqual(['ERROR']);
    }
    expect(await term.cmd('\x00\xff\x01garbage')).toEqual(['ERROR']);
    expect(await term.cmd(`AT+CSIM=${'9'.repeat(5000)}`)).toEqual(['ERROR']);
    expect(await term.cmd('AT')).toEqual(['OK']);
  });

  it('runs chained commands', async () => {
    const { term, modem } = setup();
    expect(await term.cmd('ATE0V1')).toEqual(['ATE0V1', 'OK']);
    expect(modem.echo).toBe(false);
    expect(await term.cmd('AT+CMEE=2;+CPIN?')).toEqual(['+CPIN: READY', 'OK']);
    expect(modem.cmee).toBe(2);
  });
});

describe('virtual module: logical channels', () => {
  it('opens the ISD-R with CCHO (MANAGE CHANNEL + SELECT) and carries STORE DATA over CGLA', async () => {
    const { term, card, modem } = await quiet();
    expect(await term.cmd(`AT+CCHO="${ISD_R_AID}"`)).toEqual(['+CCHO: 1', 'OK']);
    expect(card.log.slice(0, 2)).toEqual(['0070000001', `01A4040010${ISD_R_AID}`]);
    expect(modem.sessions()).toEqual(new Map([['1', 1]]));
    expect(await term.cmd('AT+CGLA=1,14,"80E29100020102"')).toEqual(['+CGLA: 8,"01029000"', 'OK']);
    expect(card.log.at(-1)).toBe('81E29100020102');
    expect(await term.cmd('AT+CCHC=1')).toEqual(['OK']);
    expect(card.log.at(-1)).toBe('0070800100');
    expect(card.openChannels()).toEqual([]);
  });

  it('accepts lower-case hex and a CLA with the channel bits already ORed in', async () => {
    const { term, card } = await quiet();
    await term.cmd(`AT+CCHO="${ISD_R_AID.toLowerCase()}"`);
    await term.cmd(`AT+CCHO="${ISD_R_AID}"`);
    expect(await term.cmd('at+cgla=2,14,"81e29100020a0b"', '\r\n')).toEqual(['+CGLA: 8,"0A0B9000"', 'OK']);
    // the module owns the channel bits: 81 on session 2 becomes 82
    expect(card.log.at(-1)).toBe('82E29100020A0B');
  });

  it('patches CLA for channels 4+ and keeps secure-messaging bits (8F fails like on hardware)', () => {
    expect(claForChannel(0x80, 1)).toBe(0x81);
    expect(claForChannel(0x81, 3)).toBe(0x83);
    expect(claForChannel(0x80, 4)).toBe(0xc0);
    expect(claForChannel(0x80, 19)).toBe(0xcf);
    expect(claForChannel(0xc2, 2)).toBe(0x82);
    expect(claForChannel(0x90, 5)).toBe(0xd1);
    expect(claForChannel(0x8f, 1)).toBe(0x8d);
  });

  it('passes 8F through so the card rejects it', async () => {
    const { term } = await quiet();
    await term.cmd(`AT+CCHO="${ISD_R_AID}"`);
    expect(await term.cmd('AT+CGLA=1,14,"8FE29100020102"')).toEqual(['+CGLA: 4,"6882"', 'OK']);
  });

  it('answers 61xx for long answers and serves GET RESPONSE; 120- and 255-byte STORE DATA blocks', async () => {
    const { term } = await quiet();
    await term.cmd(`AT+CCHO="${ISD_R_AID}"`);
    const block120 = 'AB'.repeat(120);
    const apdu = `80E2110078${block120}`;
    expect(await term.cmd(`AT+CGLA=1,${apdu.length},"${apdu}"`)).toEqual(['+CGLA: 4,"6178"', 'OK']);
    expect(await term.cmd('AT+CGLA=1,10,"80C0000078"')).toEqual([`+CGLA: 244,"${block120}9000"`, 'OK']);
    const block255 = 'CD'.repeat(255);
    const full = `80E29100FF${block255}`;
    expect(full.length).toBe(520);
    expect(await term.cmd(`AT+CGLA=1,${full.length},"${full}"`)).toEqual(['+CGLA: 4,"61FF"', 'OK']);
    expect(await term.cmd('AT+CGLA=1,10,"80C0000080"')).toEqual([`+CGLA: 260,"${'CD'.repeat(128)}617F"`, 'OK']);
    expect(await term.cmd('AT+CGLA=1,10,"80C000007F"')).toEqual([`+CGLA: 258,"${'CD'.repeat(127)}9000"`, 'OK']);
  });

  it('takes the longest short APDU (261 bytes = 522 hex chars) on CGLA and CSIM', async () => {
    const { term, card } = await quiet();
    await term.cmd(`AT+CCHO="${ISD_R_AID}"`);
    const apdu = `80E29100FF${'EF'.repeat(255)}00`;
    expect(apdu.length).toBe(522);
    expect(await term.cmd(`AT+CGLA=1,522,"${apdu}"`)).toEqual(['+CGLA: 4,"61FF"', 'OK']);
    expect(card.log.at(-1)).toBe(`81${apdu.slice(2)}`);
    expect(await term.cmd(`AT+CSIM=522,"81${apdu.slice(2)}"`)).toEqual(['+CSIM: 4,"61FF"', 'OK']);
    expect(await term.cmd(`AT+CGLA=1,524,"${apdu}00"`)).toEqual(['ERROR']);
  });

  it('rejects a CGLA whose length does not match, bad hex and unknown sessions', async () => {
    const { term } = await quiet();
    await term.cmd(`AT+CCHO="${ISD_R_AID}"`);
    expect(await term.cmd('AT+CGLA=1,12,"80E2910000"')).toEqual(['ERROR']);
    expect(await term.cmd('AT+CGLA=1,10,"80E29100ZZ"')).toEqual(['ERROR']);
    expect(await term.cmd('AT+CGLA=1,9,"80E291000"')).toEqual(['ERROR']);
    expect(await term.cmd('AT+CGLA=x,10,"80E2910000"')).toEqual(['+CME ERROR: 3']);
    expect(await term.cmd('AT+CGLA=1,10,80E2910000')).toEqual(['+CGLA: 4,"9000"', 'OK']);
  });

  it('closes never-opened ids with OK (stale-channel sweep) and refuses CCHO when SELECT fails', async () => {
    const { term, card } = await quiet();
    for (const id of [1, 2, 3, 4]) expect(await term.cmd(`AT+CCHC=${id}`)).toEqual(['OK']);
    expect(await term.cmd('AT+CCHO="A000000559101000"')).toEqual(['+CME ERROR: 3']);
    expect(card.openChannels()).toEqual([]);
  });

  it('carries raw APDUs over CSIM with the CLA as sent (MANAGE CHANNEL, SELECT, GET RESPONSE, close)', async () => {
    const { term, card } = await quiet();
    expect(await term.cmd('AT+CSIM=10,"0070000001"')).toEqual(['+CSIM: 6,"019000"', 'OK']);
    expect(await term.cmd(`AT+CSIM=42,"01A4040010${ISD_R_AID}"`)).toEqual(['+CSIM: 4,"6114"', 'OK']);
    expect(await term.cmd('AT+CSIM=10,"01C0000014"')).toEqual([`+CSIM: 44,"6F108410${ISD_R_AID}9000"`, 'OK']);
    expect(await term.cmd('AT+CSIM=14,"81E29100020102"')).toEqual(['+CSIM: 8,"01029000"', 'OK']);
    expect(card.log.at(-1)).toBe('81E29100020102');
    expect(await term.cmd('AT+CSIM=10,"0070800100"')).toEqual(['+CSIM: 4,"9000"', 'OK']);
    expect(card.openChannels()).toEqual([]);
  });

  it('reads EF_ICCID with CRSM (nibble-swapped, F-padded)', async () => {
    const { term, card } = await quiet();
    expect(efIccidHex('8944500102198304826')).toBe('984405102091384028F6');
    expect(await term.cmd('AT+CRSM=176,12258,0,0,10')).toEqual(['+CRSM: 144,0,"984405102091384028F6"', 'OK']);
    expect(await term.cmd('AT+CRSM=176,28423,0,0,9')).toEqual(['+CRSM: 106,130,""', 'OK']);
    card.iccid = undefined;
    expect(await term.cmd('AT+CRSM=176,12258,0,0,10')).toEqual(['+CRSM: 106,130,""', 'OK']);
  });

  it('answers the vendor ICCID commands in their shapes', async () => {
    const iccid = '8944500102198304826';
    const cases: [Parameters<typeof quiet>[0], string, string][] = [
      [{ vendor: 'quectel' }, 'AT+QCCID', `+QCCID: ${iccid}F`],
      [{ vendor: 'simcom' }, 'AT+CICCID', `+ICCID: ${iccid}`],
      [{ vendor: 'nordic' }, 'AT%XICCID', `%XICCID: ${iccid}F`],
      [{ vendor: 'ublox' }, 'AT+CCID', `+CCID: ${iccid}`],
      [{ vendor: 'telit' }, 'AT+CCID?', `+CCID: ${iccid}`],
      [{ vendor: 'telit' }, 'AT#CCID', `#CCID: ${iccid}`],
      [{}, 'AT+QCCID', `+QCCID: ${iccid}F`],
      [{}, 'AT+CICCID', `+ICCID: ${iccid}`],
    ];
    for (const [opts, cmd, expected] of cases) {
      const { term } = await quiet(opts);
      expect(await term.cmd(cmd), cmd).toEqual([expected, 'OK']);
    }
    const { term } = await quiet({ vendor: 'quectel' });
    expect(await term.cmd('AT+CICCID')).toEqual(['ERROR']);
  });
});

describe('virtual module: vendor answer shapes', () => {
  it('Sierra: 16-hex-digit handle reused verbatim, lower-case hex', async () => {
    const { term, card } = await quiet({ vendor: 'sierra' });
    const [first] = await term.cmd(`AT+CCHO="${ISD_R_AID}"`);
    const m = /^\+CCHO: ([0-9a-f]{16})$/.exec(first!);
    expect(m).not.toBeNull();
    expect(await term.cmd(`AT+CGLA=${m![1]},14,"80E29100020A0B"`)).toEqual(['+CGLA: 8,"0a0b9000"', 'OK']);
    expect(card.log.at(-1)).toBe('81E29100020A0B');
    expect(await term.cmd(`AT+CCHC=${m![1]}`)).toEqual(['OK']);
  });

  it('Telit: bare session id; SIMCom: no space after the colon', async () => {
    const telit = await quiet({ vendor: 'telit' });
    expect(await telit.term.cmd(`AT+CCHO="${ISD_R_AID}"`)).toEqual(['1', 'OK']);
    const simcom = await quiet({ vendor: 'simcom' });
    expect(await simcom.term.cmd(`AT+CCHO="${ISD_R_AID}"`)).toEqual(['+CCHO:1', 'OK']);
    expect(await simcom.term.cmd('AT+CGLA=1,14,"80E29100020A0B"')).toEqual(['+CGLA:8,"0A0B9000"', 'OK']);
  });

  it('Fibocom: unquoted CGLA hex and CCHC of unknown ids fails', async () => {
    const { term } = await quiet({ vendor: 'fibocom' });
    expect(await term.cmd('AT+CCHC=3')).toEqual(['+CME ERROR: 3']);
    await term.cmd(`AT+CCHO="${ISD_R_AID}"`);
    expect(await term.cmd('AT+CGLA=1,14,"80E29100020A0B"')).toEqual(['+CGLA: 8,0A0B9000', 'OK']);
  });
});
