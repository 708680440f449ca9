import { once } from 'node:events';
import { SerialPortStream } from '@serialport/stream';
import { describe, expect, it } from 'vitest';
import { createVirtualBinding } from '../../../drivers/virtual/binding.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { ISD_R_AID, TestCard } from './testCard.js';

/** Collects lines read from a real SerialPortStream. */
class Reader {
  private buf = '';
  private waiters: (() => void)[] = [];
  constructor(port: SerialPortStream) {
    port.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** Resolves with the non-empty lines up to and including the first final result line. */
  async untilFinal(): Promise<string[]> {
    for (;;) {
      const ls = this.buf.split(/\r\n|\r/).filter((l) => l.length > 0);
      const i = ls.findIndex((l) => /^(OK|ERROR|\+CME ERROR: .*)$/.test(l));
      if (i >= 0 && /\r\n$/.test(this.buf)) {
        this.buf = '';
        return ls.slice(0, i + 1);
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}

async function openPort(binding: ReturnType<typeof createVirtualBinding>, path = '/dev/virtual0'): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding, path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

async function ask(port: SerialPortStream, reader: Reader, line: string): Promise<string[]> {
  port.write(`${line}\r`);
  return reader.untilFinal();
}

describe('virtual binding', () => {
  it('runs AT over a real SerialPortStream, with echo, channels and APDUs', async () => {
    const card = new TestCard();
    const modem = new VirtualModem({ card, vendor: 'quectel' });
    const binding = createVirtualBinding(() => modem);
    const port = await openPort(binding);
    const reader = new Reader(port);
    expect(await ask(port, reader, 'ATE0')).toEqual(['ATE0', 'OK']);
    expect(await ask(port, reader, 'ATI')).toEqual(['Quectel', 'EC25', 'Revision: EC25EFAR06A08M4G', 'OK']);
    expect(await ask(port, reader, `AT+CCHO="${ISD_R_AID}"`)).toEqual(['+CCHO: 1', 'OK']);
    const apdu = `80E2910078${'5A'.repeat(120)}`;
    expect(await ask(port, reader, `AT+CGLA=1,${apdu.length},"${apdu}"`)).toEqual(['+CGLA: 4,"6178"', 'OK']);
    expect(await ask(port, reader, 'AT+CGLA=1,10,"80C0000078"')).toEqual([`+CGLA: 244,"${'5A'.repeat(120)}9000"`, 'OK']);
    expect((await binding.list()).map((p) => p.path)).toEqual(['/dev/virtual0']);
    expect(await port.port!.getBaudRate()).toEqual({ baudRate: 115200 });
    await new Promise<void>((r) => port.close(() => r()));
    modem.dispose();
  });

  it('locks the port, keeps module state across reopen (stale channel), refuses unknown paths', async () => {
    const modem = new VirtualModem({ card: new TestCard() });
    const binding = createVirtualBinding((path) => (path === '/dev/virtual0' ? modem : undefined));
    const first = await openPort(binding);
    await expect(openPort(binding)).rejects.toThrow(/lock/i);
    const r1 = new Reader(first);
    await ask(first, r1, 'ATE0');
    expect(await ask(first, r1, `AT+CCHO="${ISD_R_AID}"`)).toEqual(['+CCHO: 1', 'OK']);
    await new Promise<void>((r) => first.close(() => r()));
    const second = await openPort(binding);
    const r2 = new Reader(second);
    expect(await ask(second, r2, 'AT+CCHC=1')).toEqual(['OK']);
    expect(modem.sessions().size).toBe(0);
    await new Promise<void>((r) => second.close(() => r()));
    await expect(openPort(binding, '/dev/nothing')).rejects.toThrow(/No such file/);
    modem.dispose();
  });

  it('a vanishing module disconnects the stream like an unplug; reopen works after it reappears', async () => {
    const modem = new VirtualModem({ card: new TestCard() });
    const binding = createVirtualBinding(() => modem);
    const port = await openPort(binding);
    new Reader(port); // a reading stream notices the unplug, as with the native binding
    const closed = once(port, 'close');
    modem.vanish();
    const [err] = (await closed) as [Error & { disconnected?: boolean }];
    expect(err?.disconnected).toBe(true);
    expect(port.isOpen).toBe(false);
    await expect(openPort(binding)).rejects.toThrow(/No such file/);
    modem.reappear();
    const again = await openPort(binding);
    const reader = new Reader(again);
    expect(await ask(again, reader, 'AT')).toEqual(['AT', 'OK']);
    await new Promise<void>((r) => again.close(() => r()));
    modem.dispose();
  });

  it('a write to a vanished module fails the stream instead of hanging', async () => {
    const modem = new VirtualModem({ card: new TestCard() });
    const binding = createVirtualBinding(() => modem);
    const port = await openPort(binding);
    port.on('error', () => undefined);
    const closed = once(port, 'close');
    modem.vanish();
    port.write('AT\r');
    await closed;
    expect(port.isOpen).toBe(false);
    modem.dispose();
  });
});
