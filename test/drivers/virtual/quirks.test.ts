import { describe, expect, it } from 'vitest';
import type { CommandTiming } from '../../../drivers/virtual/modem.js';
import { lines, quiet } from './terminal.js';
import { ISD_R_AID } from './testCard.js';

const OPEN = `AT+CCHO="${ISD_R_AID}"`;
const TERMINAL_CAPABILITY = '80AA00000AA9088100820101830107';

describe('virtual module: quirk switches', () => {
  it('cchoShape: each answer shape', async () => {
    const { term, modem } = await quiet();
    const shapes = [
      ['spec-bare', /^1$/],
      ['colon-space', /^\+CCHO: 1$/],
      ['colon-nospace', /^\+CCHO:1$/],
      ['handle16', /^\+CCHO: [0-9a-f]{16}$/],
    ] as const;
    for (const [shape, re] of shapes) {
      modem.quirks.cchoShape = shape;
      const [first, fin] = await term.cmd(OPEN);
      expect(first).toMatch(re);
      expect(fin).toBe('OK');
      const id = first!.replace(/^\+CCHO: ?/, '');
      expect(await term.cmd(`AT+CCHC=${id}`)).toEqual(['OK']);
    }
  });

  it('cglaShape: space, quotes and case switch at run time', async () => {
    const { term, modem } = await quiet();
    await term.cmd(OPEN);
    const apdu = 'AT+CGLA=1,14,"80E29100020A0B"';
    modem.quirks.cglaShape = { space: false, quoted: false, lowerCase: true };
    expect(await term.cmd(apdu)).toEqual(['+CGLA:8,0a0b9000', 'OK']);
    modem.setQuirks({ cglaShape: { space: true, quoted: true, lowerCase: true } });
    expect(await term.cmd(apdu)).toEqual(['+CGLA: 8,"0a0b9000"', 'OK']);
    expect(await term.cmd('AT+CSIM=14,"81E29100020A0B"')).toEqual(['+CSIM: 8,"0a0b9000"', 'OK']);
  });

  it('forceEcho keeps echo after ATE0; partialEchoNext prints a stray fragment', async () => {
    const { term, modem } = await quiet({ quirks: { forceEcho: true } });
    expect(await term.raw('AT+CPIN?\r')).toBe('AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n');
    modem.quirks.forceEcho = false;
    modem.quirks.partialEchoNext = 1;
    expect(await term.cmd('AT+CPIN?')).toEqual(['AT+C', '+CPIN: READY', 'OK']);
    expect(await term.cmd('AT+CPIN?')).toEqual(['+CPIN: READY', 'OK']);
  });

  it('injects URCs now and between an answer line and its OK', async () => {
    const { term, modem } = await quiet();
    modem.injectUrc('RING', '+CREG: 1');
    expect(lines(term.take())).toEqual(['RING', '+CREG: 1']);
    await term.cmd(OPEN);
    modem.injectUrcBeforeFinal('+QIND: SMS DONE');
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CGLA: 4,"9000"', '+QIND: SMS DONE', 'OK']);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CGLA: 4,"9000"', 'OK']);
  });

  it('testCommands: ok, error, silent (the real command still works)', async () => {
    const { term, modem } = await quiet();
    modem.quirks.testCommands = 'error';
    expect(await term.cmd('AT+CCHO=?')).toEqual(['ERROR']);
    modem.quirks.testCommands = 'silent';
    expect(await term.cmd('AT+CGLA=?')).toEqual([]);
    expect(await term.cmd(OPEN)).toEqual(['+CCHO: 1', 'OK']);
  });

  it('noCchc, cchcFailsUnknown, csimOnly', async () => {
    const { term, modem } = await quiet();
    await term.cmd(OPEN);
    modem.quirks.noCchc = true;
    expect(await term.cmd('AT+CCHC=1')).toEqual(['ERROR']);
    expect(await term.cmd('AT+CCHC=?')).toEqual(['ERROR']);
    modem.quirks.noCchc = false;
    modem.quirks.cchcFailsUnknown = true;
    expect(await term.cmd('AT+CCHC=2')).toEqual(['+CME ERROR: 3']);
    expect(await term.cmd('AT+CCHC=1')).toEqual(['OK']);
    modem.quirks.csimOnly = true;
    for (const c of [OPEN, 'AT+CGLA=1,10,"80E2910000"', 'AT+CCHC=1', 'AT+CCHO=?']) expect(await term.cmd(c), c).toEqual(['ERROR']);
    expect(await term.cmd('AT+CSIM=10,"0070000001"')).toEqual(['+CSIM: 6,"019000"', 'OK']);
  });

  it('needsTerminalCapability: STORE DATA refused until TERMINAL CAPABILITY, again after a reset', async () => {
    const { term, modem, card } = await quiet({ quirks: { needsTerminalCapability: true, simResetMs: 60_000 } });
    await term.cmd(OPEN);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CGLA: 4,"6985"', 'OK']);
    expect(await term.cmd(`AT+CGLA=1,30,"${TERMINAL_CAPABILITY}"`)).toEqual(['+CGLA: 4,"9000"', 'OK']);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CGLA: 4,"9000"', 'OK']);
    modem.requestSimReset();
    modem.finishSimReset();
    term.take();
    await term.cmd(OPEN);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CGLA: 4,"6985"', 'OK']);
    expect(card.log.filter((a) => a.startsWith('81AA'))).toEqual([]);
  });

  it('commandNotSupport replaces ERROR for unknown commands', async () => {
    const { term } = await quiet({ quirks: { commandNotSupport: true, noCchc: true } });
    expect(await term.cmd('AT+FOO')).toEqual(['COMMAND NOT SUPPORT']);
    expect(await term.cmd('AT+CCHC=1')).toEqual(['COMMAND NOT SUPPORT']);
  });

  it('failNext: the next N SIM commands fail with a CME number or ERROR, then work', async () => {
    const { term, modem } = await quiet();
    await term.cmd(OPEN);
    modem.failNext(2, 14);
    expect(await term.cmd('AT')).toEqual(['OK']);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CME ERROR: 14']);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CME ERROR: 14']);
    expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual(['+CGLA: 4,"9000"', 'OK']);
    for (const code of [13, 3, 4]) {
      modem.failNext(1, code);
      expect(await term.cmd('AT+CGLA=1,10,"80E2910000"')).toEqual([`+CME ERROR: ${code}`]);
    }
    modem.failNext(1, 'error');
    expect(await term.cmd('AT+CSIM=10,"0070000001"')).toEqual(['ERROR']);
    const { modem: m2, term: t2 } = await quiet({ quirks: { failNext: { count: 1, failure: 13 } } });
    expect(await t2.cmd('AT+QCCID')).toEqual(['+CME ERROR: 13']);
    expect(m2.quirks.failNext).toBeUndefined();
  });

  it('loseNext: the next command is never answered, the one after is', async () => {
    const { term, modem } = await quiet();
    modem.loseNext();
    expect(await term.cmd('AT+CPIN?')).toEqual([]);
    expect(await term.cmd('AT+CPIN?')).toEqual(['+CPIN: READY', 'OK']);
  });

  it('delayMs: the answer comes later, not synchronously', async () => {
    const { term, modem } = await quiet({ quirks: { delayMs: 5 } });
    modem.input(new Uint8Array(Buffer.from('AT\rAT+CPIN?\r')));
    expect(term.out).toBe('');
    await modem.whenIdle();
    expect(lines(term.take())).toEqual(['OK', '+CPIN: READY', 'OK']);
  });

  it('timing hook sees every command with its sizes', async () => {
    const seen: CommandTiming[] = [];
    const { term } = await quiet({
      timing: (c) => {
        seen.push(c);
        return 0;
      },
    });
    await term.cmd(OPEN);
    await term.cmd('AT+CGLA=1,14,"80E29100020A0B"');
    const last = seen.at(-1)!;
    expect(last).toEqual({ line: 'AT+CGLA=1,14,"80E29100020A0B"', lineBytes: 30, answerBytes: 29, apduBytes: 7, storeData: true });
  });

  it('failLastStoreDataBlocks: plain ERROR on the last block of a sequence, not forwarded', async () => {
    const { term, modem, card } = await quiet();
    await term.cmd(OPEN);
    modem.quirks.failLastStoreDataBlocks = 1;
    expect(await term.cmd('AT+CGLA=1,14,"80E21100020102"')).toEqual(['+CGLA: 8,"01029000"', 'OK']);
    const before = card.log.length;
    expect(await term.cmd('AT+CGLA=1,14,"80E29101020304"')).toEqual(['ERROR']);
    expect(card.log.length).toBe(before);
    expect(await term.cmd('AT+CGLA=1,14,"80E29101020304"')).toEqual(['+CGLA: 8,"03049000"', 'OK']);
  });

  it('lineLimit ignore: long +CSIM lines get no answer; freeze: nothing answers until a power cycle', async () => {
    const apdu = `80E2910082${'11'.repeat(130)}`;
    const { term, modem } = await quiet({ quirks: { lineLimit: { maxApduBytes: 128, mode: 'ignore' } } });
    await term.cmd('AT+CSIM=10,"0070000001"');
    expect(await term.cmd(`AT+CSIM=${apdu.length},"${apdu}"`)).toEqual([]);
    expect(await term.cmd('AT')).toEqual(['OK']);
    modem.quirks.lineLimit = { maxApduBytes: 128, mode: 'freeze' };
    expect(await term.cmd(`AT+CSIM=${apdu.length},"${apdu}"`)).toEqual([]);
    expect(modem.frozen).toBe(true);
    expect(await term.cmd('AT')).toEqual([]);
    modem.quirks.simResetMs = 60_000;
    modem.powerCycle();
    expect(lines(term.take())).toEqual(['RDY', '+CPIN: NOT READY']);
    expect(await term.cmd('AT')).toEqual(['AT', 'OK']);
  });

  it('vanish: input ignored and nothing sent until reappear', async () => {
    const { term, modem } = await quiet();
    modem.vanish();
    expect(await term.cmd('AT')).toEqual([]);
    modem.reappear();
    expect(await term.cmd('AT')).toEqual(['OK']);
  });
});
