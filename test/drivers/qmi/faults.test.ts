/**
 * A QMI device that misbehaves, scripted on a real pty: answers with the wrong transaction id,
 * garbage, truncated and oversized frames, silence. Each gives a clear LpaError within the
 * deadline, and the client id is released on every exit path (errors, abort, process exit).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CTL_FLAG, QmiService, QmuxReader, SERVICE_FLAG, encodeQmi, tlv, type QmiMessage } from '../../../drivers/qmi/codec.js';
import { CTL, UIM } from '../../../drivers/qmi/messages.js';
import { openQmiTransport } from '../../../drivers/qmi/open.js';
import { openPtyLink, type PtyLink } from '../../../drivers/virtual/ptyLink.js';
import { isLpaError } from '../../../src/errors.js';
import { ROOT } from '../../cli/run.js';
import { fakeProxy, tempDir } from '../wwan/rig.js';

type Script = (m: QmiMessage, reply: (tlvs?: ReturnType<typeof tlv>[], patch?: Partial<QmiMessage>) => Uint8Array) => Uint8Array | Uint8Array[] | undefined;

/** A fake modem: answers CTL allocate/release and UIM register events itself, the rest by `script`. */
class FakeModem {
  readonly seen: QmiMessage[] = [];
  script: Script = () => undefined;
  private readonly reader = new QmuxReader();
  constructor(private readonly link: PtyLink) {
    link.onData((b) => {
      for (const m of this.reader.push(b).messages) this.handle(m);
    });
  }
  static async start(path: string): Promise<FakeModem> {
    return new FakeModem(await openPtyLink(path));
  }
  released(): number[] {
    return this.seen.filter((m) => m.service === QmiService.CTL && m.messageId === CTL.releaseCid).map((m) => m.tlvs[0]!.value[1]!);
  }
  close(): Promise<void> {
    return this.link.close();
  }
  private handle(m: QmiMessage): void {
    this.seen.push(m);
    const reply = (tlvs: ReturnType<typeof tlv>[] = [], patch: Partial<QmiMessage> = {}): Uint8Array =>
      encodeQmi({ ...m, flags: m.service === 0 ? CTL_FLAG.response : SERVICE_FLAG.response, tlvs: [tlv(0x02, [0, 0, 0, 0]), ...tlvs], ...patch }, true);
    const scripted = this.script(m, reply);
    let out: Uint8Array | Uint8Array[] | undefined = scripted;
    if (out === undefined && m.service === QmiService.CTL && m.messageId === CTL.allocateCid) out = reply([tlv(0x01, [QmiService.UIM, 7])]);
    else if (out === undefined && m.service === QmiService.CTL && m.messageId === CTL.releaseCid) out = reply([tlv(0x01, [...m.tlvs[0]!.value])]);
    else if (out === undefined && m.service === QmiService.UIM && m.messageId === UIM.registerEvents) out = reply([tlv(0x10, [1, 0, 0, 0])]);
    else if (out === undefined && m.service === QmiService.UIM && m.messageId === UIM.logicalChannel) out = reply();
    for (const b of Array.isArray(out) ? out : out ? [out] : []) this.link.write(b);
  }
}

let tmp: ReturnType<typeof tempDir>;
let fake: FakeModem;
let path: string;

beforeEach(async () => {
  tmp = tempDir('lpa-qmifault-');
  path = join(tmp.dir, 'wdm');
  fake = await FakeModem.start(path);
});
afterEach(async () => {
  await fake.close();
  tmp.remove();
});

const open = (extra: Parameters<typeof openQmiTransport>[1] = {}) => openQmiTransport(path, { proxy: 'never', requestTimeoutMs: 400, ...extra });
const isOpenChannel = (m: QmiMessage) => m.service === QmiService.UIM && m.messageId === UIM.openLogicalChannel;

/** The rejection of `p` (the vitest timeout catches a hang). */
async function failureOf(p: Promise<unknown>): Promise<{ err: unknown }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err };
}

describe('QMI driver against a misbehaving device', () => {
  it('an answer with the wrong transaction id: TRANSPORT_TIMEOUT naming it, then the client id is released', async () => {
    fake.script = (m, reply) => (isOpenChannel(m) ? reply([tlv(0x10, [1])], { transaction: m.transaction + 7 }) : undefined);
    const t = await open();
    const { err } = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/Open Logical Channel.*no answer from .* within 400 ms; the device answered transaction \d+ of UIM client 7 \(message 0x0042\), which is not waiting/);
    await t.close();
    expect(fake.released()).toEqual([7]);
  });

  it('an answer to another message under our transaction id is a bad frame', async () => {
    fake.script = (m, reply) => (isOpenChannel(m) ? reply([], { messageId: UIM.sendApdu }) : undefined);
    const t = await open();
    const { err } = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_BAD_FRAME')).toBe(true);
    expect((err as Error).message).toMatch(/is message 0x3b, not 0x42/);
    await t.close();
    expect(fake.released()).toEqual([7]);
  });

  it('garbage fails the waiting request at once and says the port may not be QMI', async () => {
    fake.script = (m) => (isOpenChannel(m) ? new Uint8Array(Buffer.from('\r\nERROR\r\n')) : undefined);
    const t = await open();
    const { err } = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_BAD_FRAME')).toBe(true);
    expect((err as Error).message).toMatch(/not QMUX frames .*is .* a QMI port\?/);
    await t.close();
    expect(fake.released()).toEqual([7]);
  });

  it('a truncated frame: the deadline error says it was cut short; the next request still works', async () => {
    let first = true;
    fake.script = (m, reply) => {
      if (!isOpenChannel(m)) return undefined;
      const full = reply([tlv(0x10, [1]), tlv(0x11, [0x90, 0x00])]);
      if (!first) return full;
      first = false;
      return full.subarray(0, 15);
    };
    const t = await open();
    const { err } = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/a frame was cut short \(15 bytes received/);
    await t.channel.open();
    expect(t.channel.channelId).toBe('1');
    await t.close();
  });

  it('an oversized frame is refused at once', async () => {
    fake.script = (m) => (isOpenChannel(m) ? Uint8Array.of(0x01, 0xff, 0xff, 0x80, 0x0b, 0x07, 0x02) : undefined);
    const t = await open();
    const { err } = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_BAD_FRAME')).toBe(true);
    expect((err as Error).message).toMatch(/exceeds 8192/);
    await t.close();
    expect(fake.released()).toEqual([7]);
  });

  it('qmi-proxy closing the connection without a reply (it cannot open the device): a clear error at once, naming the path', async () => {
    const proxy = fakeProxy(tmp.dir, 'qmi-proxy', 'close');
    const { err } = await failureOf(openQmiTransport('/dev/zero', { proxy: 'always', bridgeOnly: true, ...proxy, requestTimeoutMs: 60_000 }));
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/^qmi-proxy closed the connection when asked to open \/dev\/zero: it could not open the device/);
  });

  it('qmi-proxy silent on the open step: its own deadline, naming the path', async () => {
    const proxy = fakeProxy(tmp.dir, 'qmi-proxy', 'silent');
    const { err } = await failureOf(openQmiTransport('/dev/zero', { proxy: 'always', bridgeOnly: true, ...proxy, requestTimeoutMs: 400 }));
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toBe('qmi-proxy did not confirm opening /dev/zero within 400 ms (is /dev/zero a QMI port?)');
  });

  it('silence from the start: the open fails within the deadline and asks whether this is a QMI port', async () => {
    fake.script = () => [];
    const { err } = await failureOf(open());
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/allocate a UIM client id: no answer .* within 400 ms .*is .* a QMI port\? MBIM modems: --device mbim:/);
  });

  it('silence after the client id was allocated: the release is still sent on close', async () => {
    fake.script = (m) => (m.service === QmiService.UIM ? [] : undefined);
    const t = await open();
    const { err } = await failureOf(t.channel.open());
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    await t.close();
    expect(fake.released()).toEqual([7]);
  });

  it('an abort while opening releases the client id it already holds', async () => {
    fake.script = (m) => (m.service === QmiService.UIM ? [] : undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const { err } = await failureOf(open({ requestTimeoutMs: 10_000, signal: ac.signal }));
    expect(isLpaError(err, 'INTERRUPTED')).toBe(true);
    expect(fake.released()).toEqual([7]);
  });

  it('firmware without Open Logical Channel (0x42): the older Logical Channel (0x3F) opens it; CTL Sync is never sent', async () => {
    fake.script = (m, reply) => {
      if (isOpenChannel(m)) return reply([], { tlvs: [tlv(0x02, [1, 0, 71, 0])] });
      if (m.service === QmiService.UIM && m.messageId === UIM.logicalChannel && m.tlvs.some((t) => t.type === 0x10)) return reply([tlv(0x10, [2]), tlv(0x11, [0x90, 0x00])]);
      return undefined;
    };
    const t = await open();
    await t.channel.open();
    expect(t.channel.channelId).toBe('2');
    await t.close();
    const closes = fake.seen.filter((m) => m.messageId === UIM.logicalChannel && m.tlvs.some((x) => x.type === 0x11));
    expect(closes.map((m) => m.tlvs.find((x) => x.type === 0x11)!.value[0])).toEqual([2]);
    expect(fake.seen.some((m) => m.service === QmiService.CTL && m.messageId === CTL.sync)).toBe(false);
    expect(fake.released()).toEqual([7]);
  });

  it('a process that exits without closing still releases its client id (exit hook)', async () => {
    const script = `
      const { openQmiTransport } = await import(${JSON.stringify(join(ROOT, 'dist', 'drivers', 'qmi', 'open.js'))});
      await openQmiTransport(${JSON.stringify(path)}, { proxy: 'never' });
      process.exit(3);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(3);
    for (let i = 0; i < 100 && fake.released().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.released()).toEqual([7]);
  });
});
