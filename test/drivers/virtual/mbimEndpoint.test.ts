/**
 * The virtual module's MBIM port, message by message (in process): the session, the order of an
 * APDU's answer and the subscriber-ready notifications of the REFRESH it triggers, the subscribe
 * list, the MBIMEx v3 layout after a version exchange, the busy card.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ISDR_AID } from '../../../src/apdu/cla.js';
import { CommandType, MbimAssembler, MbimReader, MbimType, encodeMbim, type MbimMessage } from '../../../drivers/mbim/codec.js';
import { buildInfo } from '../../../drivers/mbim/info.js';
import { BasicConnect, BasicConnectExtensions, MbimStatus, Service, Uicc, apduInfo, openChannelInfo, parseApdu, parseOpenChannel, parseSubscriberReady } from '../../../drivers/mbim/messages.js';
import { VirtualMbimEndpoint } from '../../../drivers/virtual/mbim/endpoint.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { fromHex } from '../../../src/util/hex.js';
import { REFRESH_TRIGGER, TestCard } from './testCard.js';

class Host {
  readonly got: MbimMessage[] = [];
  private readonly reader = new MbimReader();
  private readonly asm = new MbimAssembler();
  private tid = 0;
  constructor(readonly ep: VirtualMbimEndpoint) {
    ep.attach((b) => {
      for (const f of this.reader.push(b).fragments) {
        const m = this.asm.push(f).message;
        if (m) this.got.push(m);
      }
    });
  }
  send(m: Omit<MbimMessage, 'tid'>): number {
    const tid = ++this.tid;
    for (const f of encodeMbim({ ...m, tid } as MbimMessage, 64)) this.ep.input(f);
    return tid;
  }
  command(service: string, cid: number, type: number, info: Uint8Array = new Uint8Array(0)): number {
    return this.send({ type: MbimType.command, service, cid, commandType: type, info } as Omit<MbimMessage, 'tid'>);
  }
  async answer(tid: number): Promise<MbimMessage> {
    for (let i = 0; i < 400; i++) {
      const m = this.got.find((x) => x.tid === tid && x.type !== MbimType.indicateStatus);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no answer to ${tid}`);
  }
}

const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

function setup(simResetMs = 30) {
  const modem = new VirtualModem({ card: new TestCard(), quirks: { simResetMs } });
  const ep = new VirtualMbimEndpoint({ modem, maxControlTransfer: 64 });
  disposers.push(() => {
    ep.dispose();
    modem.dispose();
  });
  return { modem, ep, host: new Host(ep) };
}

async function openSessionAndChannel(host: Host): Promise<number> {
  expect(await host.answer(host.send({ type: MbimType.open, maxControlTransfer: 64 } as Omit<MbimMessage, 'tid'>))).toMatchObject({ type: MbimType.openDone, status: 0 });
  const o = (await host.answer(host.command(Service.msUiccLowLevelAccess, Uicc.openChannel, CommandType.set, openChannelInfo(ISDR_AID, 0, 1)))) as Extract<MbimMessage, { info: Uint8Array }>;
  return parseOpenChannel(o.info).channel;
}

const done = (m: MbimMessage) => m as Extract<MbimMessage, { type: typeof MbimType.commandDone }>;

describe('virtual MBIM port', () => {
  it('refuses commands before OPEN with FUNCTION_ERROR NotOpened', async () => {
    const { host } = setup();
    expect(await host.answer(host.command(Service.basicConnect, BasicConnect.subscriberReadyStatus, CommandType.query))).toEqual({ type: MbimType.functionError, tid: 1, error: 5 });
  });

  it('answers an APDU before the subscriber-ready notifications of the REFRESH it triggers; the channel is then gone', async () => {
    const { host, modem } = setup();
    const ch = await openSessionAndChannel(host);
    const tid = host.command(Service.msUiccLowLevelAccess, Uicc.apdu, CommandType.set, apduInfo(ch, 0, 1, Uint8Array.of(0x80, 0xe2, 0x91, 0x00, 0x02, ...fromHex(REFRESH_TRIGGER))));
    await new Promise<void>((r) => modem.once('sim-ready', () => r()));
    const after = host.got.slice(host.got.findIndex((m) => m.tid === tid));
    expect(after.map((m) => m.type)).toEqual([MbimType.commandDone, MbimType.indicateStatus, MbimType.indicateStatus]);
    expect(parseApdu(done(after[0]!).info).status).toBe(0x90);
    expect(after.slice(1).map((m) => parseSubscriberReady((m as Extract<MbimMessage, { info: Uint8Array }>).info, false).readyState)).toEqual([0, 1]);
    const stale = done(await host.answer(host.command(Service.msUiccLowLevelAccess, Uicc.apdu, CommandType.set, apduInfo(ch, 0, 1, Uint8Array.of(0x80, 0xe2, 0x91, 0, 1, 0)))));
    expect(stale.status).toBe(MbimStatus.msInvalidLogicalChannel);
  });

  it('sends no notification the host did not subscribe to; answers busy while the SIM resets', async () => {
    const { host, modem } = setup(10_000);
    const ch = await openSessionAndChannel(host);
    await host.answer(host.command(Service.basicConnect, BasicConnect.deviceServiceSubscribeList, CommandType.set, buildInfo([{ u32: 0 }])));
    modem.requestSimReset();
    expect(host.got.some((m) => m.type === MbimType.indicateStatus)).toBe(false);
    const busy = done(await host.answer(host.command(Service.msUiccLowLevelAccess, Uicc.openChannel, CommandType.set, openChannelInfo(ISDR_AID, 0, 1))));
    expect(busy.status).toBe(MbimStatus.busy);
    modem.finishSimReset();
    expect(ch).toBe(1);
  });

  it('switches subscriber ready to the MBIMEx v3 layout after a version exchange', async () => {
    const { host, ep } = setup();
    await openSessionAndChannel(host);
    const v = done(await host.answer(host.command(Service.msBasicConnectExtensions, BasicConnectExtensions.version, CommandType.query, buildInfo([{ u16: 0x0100 }, { u16: 0x0300 }]))));
    expect(Array.from(v.info)).toEqual([0x00, 0x01, 0x00, 0x03]);
    expect(ep.mbimexVersion).toBe(0x0300);
    const s = done(await host.answer(host.command(Service.basicConnect, BasicConnect.subscriberReadyStatus, CommandType.query)));
    expect(parseSubscriberReady(s.info, true)).toEqual({ readyState: 1, iccid: '8944500102198304826' });
  });

  it('answers unknown services with NoDeviceSupport', async () => {
    const { host } = setup();
    await openSessionAndChannel(host);
    expect(done(await host.answer(host.command(Service.proxyControl, 1, CommandType.set))).status).toBe(MbimStatus.noDeviceSupport);
  });
});
