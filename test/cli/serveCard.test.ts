import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIRTUAL_CARD_ATR, VpcdFrameReader, vpcdFrame } from '../../drivers/virtual/vpcd.js';
import { storeDataBlocks } from '../../src/apdu/storeData.js';
import { encodeDisableProfileRequest } from '../../src/es10/disableProfile.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { jsonLines, runCli, startCli } from './run.js';

const BOOTSTRAP = '8988307000000000016';
const ISDR_AID = 'A0000005591010FFFFFFFF8900000100';

/** One connection of the card to our stand-in for vpcd: framed messages both ways. */
class Conn {
  private readonly frames = new VpcdFrameReader();
  private readonly queue: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.queue.push(...this.frames.push(d));
      this.wake?.();
    });
    this.closed = new Promise((r) => socket.once('close', () => r()));
  }

  /** Sends a control byte (no answer expected, except for 0x04). */
  control(byte: number): void {
    this.socket.write(vpcdFrame(Uint8Array.of(byte)));
  }

  async recv(): Promise<Uint8Array> {
    while (this.queue.length === 0) await new Promise<void>((r) => (this.wake = r));
    return this.queue.shift()!;
  }

  async apdu(hex: string): Promise<string> {
    this.socket.write(vpcdFrame(fromHex(hex)));
    return toHex(await this.recv());
  }
}

/**
 * Plays vpcd's part on a free port of 127.0.0.1 (the real vpcd inside pcscd is covered by
 * test/drivers/pcsc/chain.test.ts): serve-card must connect, answer the controls and APDUs, show a
 * REFRESH as leaving and coming back, come back after vpcd drops it, and stop cleanly.
 */
describe('serve-card against a vpcd stand-in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-card-'));
  const state = join(dir, 'euicc.json');
  let server: Server;
  let port = 0;
  const pending: Conn[] = [];
  let waiter: (() => void) | undefined;

  const nextConn = async (): Promise<Conn> => {
    while (pending.length === 0) await new Promise<void>((r) => (waiter = r));
    return pending.shift()!;
  };

  beforeAll(async () => {
    server = createServer((s) => {
      pending.push(new Conn(s));
      waiter?.();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('power, ATR, APDUs on a logical channel, REFRESH, vpcd dropping it, SIGTERM', async () => {
    const s = await startCli(['--json', 'serve-card', '--vpcd', `127.0.0.1:${port}`, '--state', state], (o) => o.includes('"inserted"'));
    try {
      let c = await nextConn();
      c.control(0x04);
      expect(toHex(await c.recv())).toBe(toHex(VIRTUAL_CARD_ATR));
      c.control(0x01);
      expect(await c.apdu('0070000001')).toBe('019000');
      expect(await c.apdu(`01A4040010${ISDR_AID}`)).toMatch(/^6F.*9000$/);
      expect(await c.apdu('81E2910006BF3E035C015A00')).toBe('BF3E125A10890490321234512345123456789012359000');
      // a reset closes the logical channel
      c.control(0x02);
      expect(await c.apdu('81E2910006BF3E035C015A00')).toBe('6881');
      // DisableProfile with refresh: the answer, then the card leaves the reader and comes back
      expect(await c.apdu('0070000001')).toBe('019000');
      await c.apdu(`01A4040010${ISDR_AID}`);
      const [block] = storeDataBlocks(encodeDisableProfileRequest({ profile: { iccid: BOOTSTRAP }, refreshFlag: true }), { cla: 0x81 });
      expect(await c.apdu(toHex(block!))).toBe('BF3203800100' + '9000');
      await c.closed;
      c = await nextConn();
      c.control(0x01);
      expect(await c.apdu('0070000001')).toBe('019000');
      expect(JSON.parse(readFileSync(state, 'utf8')).profiles[0]).toMatchObject({ iccid: BOOTSTRAP, state: 'disabled' });
      // vpcd drops the card (pcscd restarted): it comes back by itself
      c.socket.destroy();
      c = await nextConn();
      c.control(0x04);
      expect((await c.recv()).length).toBe(VIRTUAL_CARD_ATR.length);
      // power off: volatile state goes, the card stays
      c.control(0x00);
      expect(await c.apdu('81E2910006BF3E035C015A00')).toBe('6881');

      const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
      s.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await c.closed;
      const lines = jsonLines(s.output().split('\n').filter((l) => l.startsWith('{')).join('\n'));
      const steps = lines.filter((l) => l.type === 'progress').map((l) => l.step);
      expect(steps).toEqual(['inserted', 'ready', 'removed', 'inserted', 'removed', 'inserted']);
      expect(lines.at(-1)).toMatchObject({ type: 'result', ok: true, data: { stopped: true, insertions: 3, refreshes: 1, resets: 1, powerOffs: 1 } });
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });

  it('waits for vpcd while it is not listening; --atr sets the ATR', async () => {
    const idle = createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const freePort = (idle.address() as { port: number }).port;
    await new Promise((r) => idle.close(r));
    const s = await startCli(['serve-card', '--vpcd', `127.0.0.1:${freePort}`, '--atr', '3B 00'], (o) => o.includes('not there'));
    try {
      expect(s.output()).toMatch(/vpcd at 127\.0\.0\.1:\d+ is not there \(ECONNREFUSED\); retrying/);
      const late = createServer((sock) => {
        const c = new Conn(sock);
        c.control(0x04);
        void c.recv().then((atr) => {
          expect(toHex(atr)).toBe('3B00');
          s.child.kill('SIGINT');
        });
      });
      await new Promise<void>((r) => late.listen(freePort, '127.0.0.1', r));
      const code = await new Promise<number | null>((r) => s.child.once('exit', (x) => r(x)));
      late.close();
      expect(code).toBe(0);
      expect(s.output()).toMatch(/card inserted into vpcd/);
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });

  it('rejects a bad --vpcd or --atr with a usage error', async () => {
    const bad = await runCli(['serve-card', '--vpcd', 'localhost:99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--vpcd localhost:99999: expected <host>:<port>/);
    const atr = await runCli(['serve-card', '--atr', 'XYZ']);
    expect(atr.code).toBe(2);
    expect(atr.stderr).toMatch(/an ATR is 2 to 33 bytes of hex/);
    const help = await runCli(['serve-card', '--help']);
    expect(help.stdout).toMatch(/--vpcd <host:port>/);
    expect(help.stdout).toMatch(/REFRESH/);
  });
});
