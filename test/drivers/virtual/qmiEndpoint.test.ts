/**
 * The virtual module's QMI port, frame by frame (in process): client ids, the order of an APDU's
 * answer and the card status indication of the REFRESH it triggers, the busy card and lost
 * answers, and the link model's per-message delay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ISDR_AID } from '../../../src/apdu/cla.js';
import { CTL_FLAG, QmiService, QmuxReader, SERVICE_FLAG, encodeQmi, findTlv, resultOf, type QmiMessage } from '../../../drivers/qmi/codec.js';
import { QmiError } from '../../../drivers/qmi/errors.js';
import { CTL, UIM, allocateCidTlvs, cardReady, openLogicalChannelTlvs, parseApduResponse, parseCardStatus, registerEventsTlvs, releaseCidTlvs, sendApduTlvs } from '../../../drivers/qmi/messages.js';
import { LinkTimer } from '../../../drivers/virtual/link.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { VirtualQmiEndpoint } from '../../../drivers/virtual/qmi/endpoint.js';
import { fromHex } from '../../../src/util/hex.js';
import { REFRESH_TRIGGER, TestCard } from './testCard.js';

class Host {
  readonly got: QmiMessage[] = [];
  private readonly reader = new QmuxReader();
  private tid = 0;
  constructor(readonly ep: VirtualQmiEndpoint) {
    ep.attach((b) => this.got.push(...this.reader.push(b).messages));
  }
  send(service: number, cid: number, messageId: number, tlvs: ReturnType<typeof allocateCidTlvs>): number {
    const transaction = ++this.tid;
    this.ep.input(encodeQmi({ service, clientId: cid, flags: service === 0 ? CTL_FLAG.request : SERVICE_FLAG.request, transaction, messageId, tlvs }));
    return transaction;
  }
  async answer(transaction: number, timeoutMs = 2000): Promise<QmiMessage> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.got.find((x) => x.transaction === transaction && x.flags !== SERVICE_FLAG.indication);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no answer to ${transaction}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

function setup(opts: { link?: LinkTimer; simResetMs?: number } = {}) {
  const card = new TestCard();
  const modem = new VirtualModem({ card, quirks: { simResetMs: opts.simResetMs ?? 30 } });
  const ep = new VirtualQmiEndpoint({ modem, ...(opts.link ? { timing: opts.link.messageHook } : {}) });
  disposers.push(() => {
    ep.dispose();
    modem.dispose();
  });
  return { card, modem, ep, host: new Host(ep) };
}

async function uimClientWithChannel(host: Host): Promise<{ cid: number; ch: number }> {
  const a = await host.answer(host.send(0, 0, CTL.allocateCid, allocateCidTlvs(QmiService.UIM)));
  const cid = findTlv(a, 0x01)![1]!;
  await host.answer(host.send(QmiService.UIM, cid, UIM.registerEvents, registerEventsTlvs(1)));
  const o = await host.answer(host.send(QmiService.UIM, cid, UIM.openLogicalChannel, openLogicalChannelTlvs(1, ISDR_AID)));
  expect(resultOf(o)).toEqual({ status: 0, error: 0 });
  return { cid, ch: findTlv(o, 0x10)![0]! };
}

describe('virtual QMI port', () => {
  it('answers an APDU before the card status indications of the REFRESH it triggers', async () => {
    const { host, modem } = setup();
    const { cid, ch } = await uimClientWithChannel(host);
    const apdu = Uint8Array.of(0x80, 0xe2, 0x91, 0x00, 0x02, ...fromHex(REFRESH_TRIGGER));
    const tid = host.send(QmiService.UIM, cid, UIM.sendApdu, sendApduTlvs(1, ch, apdu));
    const ready = new Promise<void>((r) => modem.once('sim-ready', () => r()));
    await ready;
    const after = host.got.slice(host.got.findIndex((m) => m.transaction === tid));
    expect(after.map((m) => (m.messageId === UIM.cardStatusIndication ? 'indication' : 'answer'))).toEqual(['answer', 'indication', 'indication']);
    expect(Buffer.from(parseApduResponse(findTlv(after[0]!, 0x10))).toString('hex')).toBe('9000');
    expect(cardReady(parseCardStatus(findTlv(after[1]!, 0x10)), 1).ready).toBe(false);
    expect(cardReady(parseCardStatus(findTlv(after[2]!, 0x10)), 1).ready).toBe(true);
    // the reset closed the channel
    const stale = await host.answer(host.send(QmiService.UIM, cid, UIM.sendApdu, sendApduTlvs(1, ch, Uint8Array.of(0x80, 0xe2, 0x91, 0x00, 0x01, 0x00))));
    expect(resultOf(stale)!.error).toBe(QmiError.invalidArgument);
  });

  it('answers DeviceNotReady while the SIM resets (busy card) and for an injected SIM-busy failure', async () => {
    const { host, modem } = setup({ simResetMs: 10_000 });
    const { cid, ch } = await uimClientWithChannel(host);
    modem.failNext(1, 14);
    const apdu = Uint8Array.of(0x80, 0xe2, 0x91, 0x00, 0x01, 0x00);
    expect(resultOf(await host.answer(host.send(QmiService.UIM, cid, UIM.sendApdu, sendApduTlvs(1, ch, apdu))))!.error).toBe(QmiError.deviceNotReady);
    modem.requestSimReset();
    const o = await host.answer(host.send(QmiService.UIM, cid, UIM.openLogicalChannel, openLogicalChannelTlvs(1, ISDR_AID)));
    expect(resultOf(o)!.error).toBe(QmiError.deviceNotReady);
    modem.finishSimReset();
  });

  it('hands out client ids per service, refuses unknown ones and releases on request', async () => {
    const { host } = setup();
    const a = await host.answer(host.send(0, 0, CTL.allocateCid, allocateCidTlvs(QmiService.DMS)));
    expect(findTlv(a, 0x01)).toEqual(Uint8Array.of(QmiService.DMS, 1));
    expect(resultOf(await host.answer(host.send(QmiService.UIM, 1, UIM.getCardStatus, []))!)!.error).toBe(QmiError.invalidClientId);
    expect(resultOf(await host.answer(host.send(0, 0, CTL.releaseCid, releaseCidTlvs(QmiService.DMS, 1))))!.status).toBe(0);
    expect(resultOf(await host.answer(host.send(0, 0, CTL.releaseCid, releaseCidTlvs(QmiService.DMS, 1))))!.error).toBe(QmiError.invalidClientId);
  });

  it('a lost answer is never sent; the link model delays each answer by its latency and eUICC time', async () => {
    const link = new LinkTimer({ latencyMs: 40, apduMs: 30 });
    const { host, modem } = setup({ link });
    const { cid, ch } = await uimClientWithChannel(host);
    modem.loseNext(1);
    const lost = host.send(QmiService.UIM, cid, UIM.getCardStatus, []);
    const tid = host.send(QmiService.UIM, cid, UIM.sendApdu, sendApduTlvs(1, ch, Uint8Array.of(0x80, 0xe2, 0x91, 0x00, 0x01, 0x00)));
    await host.answer(tid);
    expect(host.got.some((m) => m.transaction === lost)).toBe(false);
    expect(link.tally.apdus).toBe(1);
    expect(link.tally.commands).toBeGreaterThanOrEqual(5);
    expect(link.tally.serialMs).toBe(0);
    // the APDU's answer was charged one message latency and one APDU
    expect(link.tally.euiccMs).toBe(30);
    expect(link.tally.totalMs).toBe(link.tally.commands * 40 + 30);
  });
});
