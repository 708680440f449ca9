import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { isLpaError } from '../../../src/errors.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { serveModemOnPty } from '../../../drivers/virtual/pty.js';
import { hasNativePty, openPtyLink } from '../../../drivers/virtual/ptyLink.js';
import { runServeModem } from '../../../drivers/virtual/serveModem.js';
import { ISD_R_AID, TestCard } from './testCard.js';

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasSocat) console.log('skipped: the socat fallback of the pty link (socat is not installed; apt-get install socat)');

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

describe('virtual module on a pseudo-terminal (node-pty + real serialport binding)', () => {
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

  it('explains what is missing when neither the node-pty binding nor socat can make a pty', async () => {
    const modem = new VirtualModem({ card: new TestCard() });
    const err = await serveModemOnPty({ ptyPath: tmpPath(), modem, forceSocat: true, socatPath: 'socat-not-installed-here' }).catch((e: unknown) => e);
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/node-pty.*socat was not found.*apt-get install socat/);
  });

  it('needs no socat: the pty comes from the prebuilt node-pty binding', async () => {
    expect(hasNativePty()).toBe(true);
    const link = await openPtyLink(tmpPath(), { socatPath: 'socat-not-installed-here' });
    expect(link.via).toBe('node-pty');
    await link.close();
  });

  it('passes binary bytes unchanged both ways (raw mode: no echo, no CR/LF translation)', async () => {
    const link = await openPtyLink(tmpPath());
    const got: number[] = [];
    link.onData((b) => got.push(...b));
    const port = new SerialPort({ path: link.path, baudRate: 115200, autoOpen: false, lock: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const back: number[] = [];
    port.on('data', (d: Buffer) => back.push(...d));
    port.write(Buffer.from(all));
    link.write(all);
    for (let i = 0; i < 200 && (got.length < 256 || back.length < 256); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise<void>((r) => port.close(() => r()));
    await link.close();
    expect(Uint8Array.from(got)).toEqual(all);
    expect(Uint8Array.from(back)).toEqual(all);
  });

  it.skipIf(!hasSocat)('falls back to socat where the node-pty binding is missing', async () => {
    const link = await openPtyLink(tmpPath(), { forceSocat: true });
    expect(link.via).toBe('socat');
    const got: number[] = [];
    link.onData((b) => got.push(...b));
    const port = new SerialPort({ path: link.path, baudRate: 115200, autoOpen: false, lock: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.write(Buffer.from('AT\r\n'));
    for (let i = 0; i < 200 && got.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise<void>((r) => port.close(() => r()));
    await link.close();
    expect(Buffer.from(got).toString()).toBe('AT\r\n');
  });

  it('takes over a link left by a killed server, refuses one a live server owns', async () => {
    const path = tmpPath();
    symlinkSync('/dev/pts/does-not-exist', path);
    writeFileSync(`${path}.pid`, '999999999\n');
    const link = await openPtyLink(path);
    await expect(openPtyLink(path)).rejects.toThrow(/already exists.*pid/);
    await link.close();
    expect(existsSync(path)).toBe(false);
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
