import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { isLpaError } from '../../../src/errors.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { serveModemOnPty } from '../../../drivers/virtual/pty.js';
import { runServeModem } from '../../../drivers/virtual/serveModem.js';
import { ISD_R_AID, TestCard } from './testCard.js';

const dirs: string[] = [];
function tmpPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'lpa-vm-'));
  dirs.push(d);
  return join(d, 'modem');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openClient(path: string): Promise<{ port: SerialPort; ask: (line: string) => Promise<string[]>; close: () => Promise<void> }> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let buf = '';
  let wake: (() => void) | undefined;
  port.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    wake?.();
  });
  const ask = async (line: string): Promise<string[]> => {
    port.write(`${line}\r`);
    for (;;) {
      const ls = buf.split(/\r\n|\r/).filter((l) => l.length > 0);
      const i = ls.findIndex((l) => /^(OK|ERROR|\+CME ERROR: .*)$/.test(l));
      if (i >= 0 && buf.endsWith('\r\n')) {
        buf = '';
        return ls.slice(0, i + 1);
      }
      await new Promise<void>((r) => (wake = r));
    }
  };
  const close = (): Promise<void> => new Promise((r) => port.close(() => r()));
  return { port, ask, close };
}

describe('virtual module on a pseudo-terminal (socat + real serialport binding)', () => {
  it('serves AT to a client that opens the pty with the native binding, across reopen', async () => {
    const ptyPath = tmpPath();
    const modem = new VirtualModem({ card: new TestCard(), vendor: 'simcom' });
    const server = await serveModemOnPty({ ptyPath, modem });
    try {
      const c = await openClient(ptyPath);
      expect(await c.ask('ATE0')).toEqual(['ATE0', 'OK']);
      expect(await c.ask('AT+CGMM')).toEqual(['SIMCOM_SIM7600E-H', 'OK']);
      expect(await c.ask(`AT+CCHO="${ISD_R_AID}"`)).toEqual(['+CCHO:1', 'OK']);
      const apdu = `80E29100FF${'77'.repeat(255)}`;
      expect(await c.ask(`AT+CGLA=1,${apdu.length},"${apdu}"`)).toEqual(['+CGLA:4,"61FF"', 'OK']);
      await c.close();
      const again = await openClient(ptyPath);
      expect(await again.ask('AT+CCHC=1')).toEqual(['OK']);
      await again.close();
    } finally {
      await server.close();
      modem.dispose();
    }
    expect(existsSync(ptyPath)).toBe(false);
  });

  it('explains a missing socat', async () => {
    const modem = new VirtualModem({ card: new TestCard() });
    const err = await serveModemOnPty({ ptyPath: tmpPath(), modem, socatPath: 'socat-not-installed-here' }).catch((e: unknown) => e);
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/socat was not found.*apt-get install socat/);
  });

  it('runServeModem hosts the virtual eUICC until aborted', async () => {
    const ptyPath = tmpPath();
    const ac = new AbortController();
    let ready: (() => void) | undefined;
    const isReady = new Promise<void>((r) => (ready = r));
    const run = runServeModem({ ptyPath, vendor: 'quectel', signal: ac.signal, onReady: () => ready!() });
    await isReady;
    const c = await openClient(ptyPath);
    await c.ask('ATE0');
    expect(await c.ask(`AT+CCHO="${ISD_R_AID}"`)).toEqual(['+CCHO: 1', 'OK']);
    // ES10c GetEID
    const [eid] = await c.ask('AT+CGLA=1,22,"80E2910006BF3E035C015A"');
    expect(eid).toMatch(/^\+CGLA: \d+,"BF3E125A10[0-9A-F]{32}9000"$/);
    await c.close();
    ac.abort();
    await run;
    expect(existsSync(ptyPath)).toBe(false);
  });

  it('runServeModem rejects an unknown dialect', async () => {
    await expect(runServeModem({ ptyPath: tmpPath(), card: new TestCard(), vendor: 'nokia' })).rejects.toThrow(/unknown modem dialect/);
  });
});
