/**
 * The AT driver over a REAL pseudo-terminal pair (socat) with the native serialport binding:
 * `a` is the agent's side, `b` a tiny scripted modem on a second SerialPort.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { LpaError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { openAtModem, type AtModem } from '../../../drivers/at/modem.js';

const AID = 'A0000005591010FFFFFFFF8900000100';
const GET_EID = '80E2910006BF3E035C015A';
const EID_RESP = 'BF3E125A1089049032123451234512345678901235';

interface Pty {
  socat: ChildProcess;
  a: string;
  b: string;
}

async function startPty(): Promise<Pty> {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || socat.exitCode !== null) throw new Error('socat did not create the pty links');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { socat, a, b };
}

function stopPty(p: Pty | undefined): Promise<void> {
  if (!p || p.socat.exitCode !== null || p.socat.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.socat.once('exit', () => resolve());
    p.socat.kill('SIGTERM');
  });
}

/** A small module on the far end of the pty: echo on until ATE0, +CCHO/+CGLA/+CRSM/+CCHC. */
async function startModem(path: string): Promise<{ port: SerialPort; commands: string[] }> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  const commands: string[] = [];
  let echo = true;
  let rx = '';
  const send = (lines: string[]): void => {
    port.write(lines.map((l) => `\r\n${l}\r\n`).join(''));
  };
  port.on('data', (chunk: Buffer) => {
    rx += chunk.toString('latin1');
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
  return { port, commands };
}

let pty: Pty | undefined;
let modemSide: { port: SerialPort; commands: string[] } | undefined;
const opened: AtModem[] = [];

beforeAll(async () => {
  pty = await startPty();
  modemSide = await startModem(pty.b);
});

afterEach(async () => {
  for (const m of opened.splice(0)) await m.close();
});

afterAll(async () => {
  if (modemSide?.port.isOpen) await new Promise((r) => modemSide!.port.close(() => r(undefined)));
  await stopPty(pty);
});

describe('AT driver over a real pseudo-terminal', () => {
  it('opens, detects the vendor, reads the EID through 61xx and the ICCID, with a trace', async () => {
    const tracePath = join(mkdtempSync(join(tmpdir(), 'lpa-trace-')), 'at.log');
    const m = await openAtModem({ path: pty!.a, tracePath, channel: { staleScanIds: [] } });
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
    const m = await openAtModem({ path: pty!.a, vendor: 'quectel' });
    opened.push(m);
    const pending = m.engine.send('AT+HANG', { timeoutMs: 25_000 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 50));
    await stopPty(pty);
    const e = await pending;
    expect(e).toBeInstanceOf(LpaError);
    expect((e as LpaError).code).toBe('PORT_CLOSED');
  });
});
