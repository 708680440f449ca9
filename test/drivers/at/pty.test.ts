/**
 * The AT driver over a REAL pseudo-terminal with the native serialport binding: the agent opens
 * the pty link, a tiny scripted modem answers on the master side.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LpaError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { openAtModem, type AtModem } from '../../../drivers/at/modem.js';
import { openPtyLink, type PtyLink } from '../../../drivers/virtual/ptyLink.js';

const AID = 'A0000005591010FFFFFFFF8900000100';
const GET_EID = '80E2910006BF3E035C015A';
const EID_RESP = 'BF3E125A1089049032123451234512345678901235';

async function startPty(): Promise<PtyLink> {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-pty-'));
  return openPtyLink(join(dir, 'a'));
}

/** A small module on the far end of the pty: echo on until ATE0, +CCHO/+CGLA/+CRSM/+CCHC. */
function startModem(link: PtyLink): { commands: string[] } {
  const port = { write: (text: string) => link.write(Buffer.from(text, 'latin1')) };
  const commands: string[] = [];
  let echo = true;
  let rx = '';
  const send = (lines: string[]): void => {
    port.write(lines.map((l) => `\r\n${l}\r\n`).join(''));
  };
  link.onData((chunk) => {
    rx += Buffer.from(chunk).toString('latin1');
    let i: number;
    while ((i = rx.indexOf('\r')) >= 0) {
      const cmd = rx.slice(0, i).trim();
      rx = rx.slice(i + 1);
      if (!cmd) continue;
      commands.push(cmd);
      if (echo) port.write(`${cmd}\r`);
      if (cmd.startsWith('ATE0')) echo = false;
      const cgla = /^AT\+CGLA=1,\d+,"([0-9A-F]+)"$/.exec(cmd);
      if (cmd === 'ATE0+CMEE=1') send(['OK']);
      else if (cmd === 'ATI') send(['RDY', 'Quectel', 'EC25', 'Revision: EC25EFAR06A06M4G', 'OK']);
      else if (cmd === `AT+CCHO="${AID}"`) send(['+CCHO: 1', '+QIND: PB DONE', 'OK']);
      else if (cgla?.[1] === GET_EID) send(['+CGLA: 4,"6115"', 'OK']);
      else if (cgla?.[1] === '80C0000015') send([`+CGLA: ${EID_RESP.length + 4},"${EID_RESP.toLowerCase()}9000"`, '+CPIN: READY', 'OK']);
      else if (cmd === 'AT+QCCID') send(['+QCCID: 89882280000012345678', 'OK']);
      else if (cmd.startsWith('AT+CCHC=')) send(['OK']);
      else if (cmd === 'AT+HANG') {
        // never answers
      } else send(['ERROR']);
    }
  });
  return { commands };
}

let pty: PtyLink | undefined;
let modemSide: { commands: string[] } | undefined;
const opened: AtModem[] = [];

beforeAll(async () => {
  pty = await startPty();
  modemSide = startModem(pty);
});

afterEach(async () => {
  for (const m of opened.splice(0)) await m.close();
});

afterAll(async () => {
  await pty?.close();
});

describe('AT driver over a real pseudo-terminal', () => {
  it('opens, detects the vendor, reads the EID through 61xx and the ICCID, with a trace', async () => {
    const tracePath = join(mkdtempSync(join(tmpdir(), 'lpa-trace-')), 'at.log');
    const m = await openAtModem({ path: pty!.path, tracePath, channel: { staleScanIds: [] } });
    opened.push(m);
    expect(m.vendor.name).toBe('quectel');
    await m.channel.open();
    const resp = await m.channel.transmit(fromHex(GET_EID));
    expect(toHex(resp)).toBe(`${EID_RESP}9000`);
    expect(await m.channel.readIccid()).toBe('89882280000012345678');
    await m.close();
    expect(modemSide!.commands).toEqual([
      'ATE0+CMEE=1',
      'ATI',
      `AT+CCHO="${AID}"`,
      `AT+CGLA=1,22,"${GET_EID}"`,
      'AT+CGLA=1,10,"80C0000015"',
      'AT+QCCID',
      'AT+CCHC=1',
    ]);
    const trace = readFileSync(tracePath, 'utf8');
    expect(trace).toMatch(/ >> ATE0\+CMEE=1\n/);
    expect(trace).toMatch(/ !! \+QIND: PB DONE\n/);
    expect(trace).toMatch(/ !! \+CPIN: READY\n/);
  });

  it('fails a pending command with PORT_CLOSED when the tty goes away', async () => {
    const m = await openAtModem({ path: pty!.path, vendor: 'quectel' });
    opened.push(m);
    const pending = m.engine.send('AT+HANG', { timeoutMs: 25_000 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 50));
    await pty!.close();
    const e = await pending;
    expect(e).toBeInstanceOf(LpaError);
    expect((e as LpaError).code).toBe('PORT_CLOSED');
  });
});
