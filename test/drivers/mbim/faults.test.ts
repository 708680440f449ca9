/**
 * An MBIM device that misbehaves, scripted on a real pty: wrong transaction ids, garbage,
 * truncated, oversized and out-of-sequence messages, errors and silence. Each gives a clear
 * LpaError within the deadline; the session (CLOSE) and the UICC channel are given back on every
 * exit path, process exit included.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MbimAssembler, MbimReader, MbimType, encodeMbim, type MbimMessage } from '../../../drivers/mbim/codec.js';
import { buildInfo } from '../../../drivers/mbim/info.js';
import { Service, Uicc, uiccStatus } from '../../../drivers/mbim/messages.js';
import { openMbimTransport } from '../../../drivers/mbim/open.js';
import { openPtyLink, type PtyLink } from '../../../drivers/virtual/ptyLink.js';
import { isLpaError } from '../../../src/errors.js';
import { ROOT } from '../../cli/run.js';
import { proxyOpenDeadline } from '../../../drivers/wwan/proxy.js';
import { fakeProxy, tempDir } from '../wwan/rig.js';

type Command = Extract<MbimMessage, { type: typeof MbimType.command }>;
type Script = (m: Command, done: (info?: Uint8Array, patch?: Partial<Extract<MbimMessage, { type: typeof MbimType.commandDone }>>) => Uint8Array[]) => Uint8Array[] | undefined;

/** A fake modem: answers OPEN/CLOSE itself, commands by `script` (default: success, empty). */
class FakeMbim {
  readonly seen: MbimMessage[] = [];
  script: Script = () => undefined;
  silentOpen = false;
  private readonly reader = new MbimReader();
  private readonly asm = new MbimAssembler();
  constructor(private readonly link: PtyLink) {
    link.onData((b) => {
      for (const f of this.reader.push(b).fragments) {
        const m = this.asm.push(f).message;
        if (m) this.handle(m);
      }
    });
  }
  static async start(path: string): Promise<FakeMbim> {
    return new FakeMbim(await openPtyLink(path));
  }
  closes(): number {
    return this.seen.filter((m) => m.type === MbimType.close).length;
  }
  closedChannels(): number[] {
    return this.seen.filter((m): m is Command => m.type === MbimType.command && m.cid === Uicc.closeChannel).map((m) => m.info[0]!);
  }
  close(): Promise<void> {
    return this.link.close();
  }
  private handle(m: MbimMessage): void {
    this.seen.push(m);
    let out: Uint8Array[] | undefined;
    if (m.type === MbimType.open) out = this.silentOpen ? [] : encodeMbim({ type: MbimType.openDone, tid: m.tid, status: 0 });
    else if (m.type === MbimType.close) out = encodeMbim({ type: MbimType.closeDone, tid: m.tid, status: 0 });
    else if (m.type === MbimType.command) {
      const done = (info: Uint8Array = new Uint8Array(0), patch: Partial<Extract<MbimMessage, { type: typeof MbimType.commandDone }>> = {}): Uint8Array[] =>
        encodeMbim({ type: MbimType.commandDone, tid: m.tid, service: m.service, cid: m.cid, status: 0, info, ...patch });
      out = this.script(m, done);
      if (out === undefined && m.cid === Uicc.openChannel && m.service === Service.msUiccLowLevelAccess) {
        out = done(buildInfo([{ u32: uiccStatus(0x90, 0) }, { u32: 1 }, { uiccBytes: new Uint8Array(0) }]));
      } else if (out === undefined) out = done(buildInfo([{ u32: uiccStatus(0x90, 0) }]));
    }
    for (const b of out ?? []) this.link.write(b);
  }
}

let tmp: ReturnType<typeof tempDir>;
let fake: FakeMbim;
let path: string;

beforeEach(async () => {
  tmp = tempDir('lpa-mbimfault-');
  path = join(tmp.dir, 'wdm');
  fake = await FakeMbim.start(path);
});
afterEach(async () => {
  await fake.close();
  tmp.remove();
});

const open = (extra: Parameters<typeof openMbimTransport>[1] = {}) => openMbimTransport(path, { proxy: 'never', requestTimeoutMs: 400, ...extra });
const isOpenChannel = (m: Command) => m.service === Service.msUiccLowLevelAccess && m.cid === Uicc.openChannel;
const failureOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('MBIM driver against a misbehaving device', () => {
  it('an answer with the wrong transaction id: TRANSPORT_TIMEOUT naming it; CLOSE still sent', async () => {
    fake.script = (m, done) => (isOpenChannel(m) ? encodeMbim({ type: MbimType.commandDone, tid: m.tid + 5, service: m.service, cid: m.cid, status: 0, info: new Uint8Array(0) }) : undefined);
    const t = await open();
    const err = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/UICC Open Channel to the ISD-R: no answer from .* within 400 ms; the device answered transaction \d+ .*which is not waiting/);
    await t.close();
    expect(fake.closes()).toBe(1);
  });

  it('an answer for another service or CID under our transaction id is a bad frame', async () => {
    fake.script = (m, done) => (isOpenChannel(m) ? done(new Uint8Array(0), { cid: Uicc.apdu }) : undefined);
    const t = await open();
    const err = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_BAD_FRAME')).toBe(true);
    expect((err as Error).message).toMatch(/the answer is for service .* CID 4/);
    await t.close();
  });

  it('garbage fails the waiting command at once and asks whether this is an MBIM port', async () => {
    fake.script = (m) => (isOpenChannel(m) ? [new Uint8Array(Buffer.from('\r\nERROR\r\n'))] : undefined);
    const t = await open();
    const err = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_BAD_FRAME')).toBe(true);
    expect((err as Error).message).toMatch(/not MBIM messages .*an MBIM port\?/);
    await t.close();
    expect(fake.closes()).toBe(1);
  });

  it('a truncated answer: the deadline error says it was cut short', async () => {
    fake.script = (m, done) => (isOpenChannel(m) ? [done(buildInfo([{ u32: 0x90 }, { u32: 1 }, { uiccBytes: new Uint8Array(0) }]))[0]!.subarray(0, 30)] : undefined);
    const t = await open();
    const err = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/a message was cut short \(30 bytes received/);
    await t.close();
  });

  it('an oversized message is refused at once', async () => {
    fake.script = (m) => (isOpenChannel(m) ? [Uint8Array.of(0x03, 0, 0, 0x80, 0, 0, 0, 0x10, 1, 0, 0, 0)] : undefined);
    const t = await open();
    const big = await failureOf(t.channel.open());
    expect(isLpaError(big, 'TRANSPORT_BAD_FRAME')).toBe(true);
    expect((big as Error).message).toMatch(/exceeds/);
    await t.close();
  });

  it('out-of-sequence fragments are refused at once', async () => {
    const t = await open();
    fake.script = (m, done) => {
      if (!isOpenChannel(m)) return undefined;
      const frags = encodeMbim({ type: MbimType.commandDone, tid: m.tid, service: m.service, cid: m.cid, status: 0, info: new Uint8Array(200) }, 64);
      return [frags[0]!, frags[2]!];
    };
    const seq = await failureOf(t.channel.open());
    expect(isLpaError(seq, 'TRANSPORT_BAD_FRAME')).toBe(true);
    expect((seq as Error).message).toMatch(/out of sequence/);
    await t.close();
  });

  it('a FUNCTION_ERROR (session not open) is an MBIM_ERROR saying so', async () => {
    fake.script = (m) => (isOpenChannel(m) ? encodeMbim({ type: MbimType.functionError, tid: m.tid, error: 5 }) : undefined);
    const t = await open();
    const err = await failureOf(t.channel.open());
    expect(isLpaError(err, 'MBIM_ERROR')).toBe(true);
    expect((err as Error).message).toMatch(/MBIM error NotOpened \(the MBIM session is not open\)/);
    await t.close();
  });

  it('mbim-proxy closing the connection without a reply (it cannot open the device): a clear error at once, naming the path', async () => {
    // a long request deadline: only the closed connection can end this open before the test times out
    const proxy = fakeProxy(tmp.dir, 'mbim-proxy', 'close');
    const err = await failureOf(openMbimTransport('/dev/zero', { proxy: 'always', bridgeOnly: true, ...proxy, requestTimeoutMs: 60_000 }));
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/^mbim-proxy closed the connection when asked to open \/dev\/zero: it could not open the device \(missing, not an MBIM port, or no answer to MBIM OPEN within 5 s\)/);
  });

  it('mbim-proxy silent on the open step: its own deadline, shorter than a request\'s, naming the path', async () => {
    const proxy = fakeProxy(tmp.dir, 'mbim-proxy', 'silent');
    const err = await failureOf(openMbimTransport('/dev/zero', { proxy: 'always', bridgeOnly: true, ...proxy, requestTimeoutMs: 400 }));
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toBe('mbim-proxy did not confirm opening /dev/zero within 400 ms (is /dev/zero an MBIM port?)');
    // without a short request deadline (tests), the open step still has its own, below a request's 10 s
    expect(proxyOpenDeadline()).toBeLessThan(10_000);
    expect(proxyOpenDeadline(400)).toBe(400);
  });

  it('silence from the start: the open fails within the deadline and asks whether this is an MBIM port', async () => {
    fake.silentOpen = true;
    const err = await failureOf(open());
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/MBIM OPEN: no answer .* within 400 ms .*an MBIM port\? QMI modems: --device qmi:/);
  });

  it('an abort while opening gives up at once', async () => {
    fake.silentOpen = true;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await failureOf(open({ requestTimeoutMs: 10_000, signal: ac.signal }));
    expect(isLpaError(err, 'INTERRUPTED')).toBe(true);
  });

  it('a process that exits with the channel open closes the channel and the session (exit hook)', async () => {
    const script = `
      const { openMbimTransport } = await import(${JSON.stringify(join(ROOT, 'dist', 'drivers', 'mbim', 'open.js'))});
      const t = await openMbimTransport(${JSON.stringify(path)}, { proxy: 'never' });
      await t.channel.open();
      process.exit(3);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    expect(await new Promise((r) => child.once('exit', r))).toBe(3);
    for (let i = 0; i < 100 && fake.closes() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.closedChannels()).toEqual([1]);
    expect(fake.closes()).toBe(1);
  });
});

