import { describe, expect, it } from 'vitest';
import { ISDR_AID } from '../../../src/apdu/cla.js';
import { CommandType, MbimAssembler, MbimReader, MbimType, decodeBody, encodeMbim, uuidBytes, uuidText, type Fragment, type MbimMessage } from '../../../drivers/mbim/codec.js';
import { buildInfo, InfoReader } from '../../../drivers/mbim/info.js';
import {
  ProxyControl,
  Service,
  Uicc,
  apduInfo,
  openChannelInfo,
  parseApdu,
  parseOpenChannel,
  parseSubscriberReady,
  proxyConfigInfo,
  subscriberReadyInfo,
  uiccStatus,
  uiccSw,
} from '../../../drivers/mbim/messages.js';
import { isLpaError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';

const hex = (s: string) => fromHex(s.replace(/\s+/g, ''));
const one = (frames: Uint8Array[]) => {
  expect(frames).toHaveLength(1);
  return toHex(frames[0]!);
};

/** Byte-identical to libmbim 1.28.2 (transport-facts.md 2.3, 2.5). */
const GOLDEN = {
  open4096: '01000000 10000000 01000000 00100000',
  openChannelIsdr: `03000000 50000000 01000000 01000000 00000000 ${toHex(uuidBytes(Service.msUiccLowLevelAccess))} 02000000 01000000 20000000 10000000 10000000 00000000 01000000 ${toHex(ISDR_AID)}`,
  apduGetEid: `03000000 50000000 02000000 01000000 00000000 ${toHex(uuidBytes(Service.msUiccLowLevelAccess))} 04000000 01000000 20000000 01000000 00000000 00000000 0B000000 14000000 81E2910006BF3E035C015A 00`,
  proxyConfigDevNull: `03000000 50000000 01000000 01000000 00000000 ${toHex(uuidBytes(Service.proxyControl))} 01000000 01000000 20000000 0C000000 12000000 05000000 ${Buffer.from('/dev/null', 'utf16le').toString('hex')} 0000`,
};

describe('MBIM codec: golden frames', () => {
  it('UUIDs travel byte for byte as printed', () => {
    expect(toHex(uuidBytes(Service.msUiccLowLevelAccess))).toBe('C2F6588EF0374BC98665F4D44BD09367');
    expect(uuidText(uuidBytes(Service.basicConnect))).toBe(Service.basicConnect);
  });

  it('OPEN with MaxControlTransfer 4096', () => {
    expect(one(encodeMbim({ type: MbimType.open, tid: 1, maxControlTransfer: 4096 }))).toBe(toHex(hex(GOLDEN.open4096)));
  });

  it('UICC OPEN_CHANNEL to the ISD-R and APDU GetEID (ClassByteType 0, as captured)', () => {
    const open = encodeMbim({ type: MbimType.command, tid: 1, service: Service.msUiccLowLevelAccess, cid: Uicc.openChannel, commandType: CommandType.set, info: openChannelInfo(ISDR_AID, 0, 1) });
    expect(one(open)).toBe(toHex(hex(GOLDEN.openChannelIsdr)));
    const apdu = encodeMbim({ type: MbimType.command, tid: 2, service: Service.msUiccLowLevelAccess, cid: Uicc.apdu, commandType: CommandType.set, info: apduInfo(1, 0, 0, hex('81E2910006BF3E035C015A')) });
    expect(one(apdu)).toBe(toHex(hex(GOLDEN.apduGetEid)));
  });

  it('mbim-proxy configuration for /dev/null with a 5 s timeout', () => {
    const f = encodeMbim({ type: MbimType.command, tid: 1, service: Service.proxyControl, cid: ProxyControl.configuration, commandType: CommandType.set, info: proxyConfigInfo('/dev/null', 5) });
    expect(one(f)).toBe(toHex(hex(GOLDEN.proxyConfigDevNull)));
  });

  it('decodes the captured frames back', () => {
    const r = new MbimReader();
    const frags = r.push(hex(GOLDEN.openChannelIsdr)).fragments;
    const m = new MbimAssembler().push(frags[0]!).message as Extract<MbimMessage, { type: typeof MbimType.command }>;
    expect(m).toMatchObject({ type: MbimType.command, tid: 1, service: Service.msUiccLowLevelAccess, cid: 2, commandType: 1 });
    const info = new InfoReader(m.info, 'OPEN_CHANNEL');
    expect(toHex(info.uiccBytes(0, 'AppId'))).toBe(toHex(ISDR_AID));
  });
});

describe('MBIM fragments', () => {
  it('splits a long message at MaxControlTransfer and puts it back together', () => {
    const info = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const m: MbimMessage = { type: MbimType.commandDone, tid: 9, service: Service.basicConnect, cid: 2, status: 0, info };
    const frames = encodeMbim(m, 64);
    expect(frames.length).toBe(Math.ceil((24 + 4 + 300) / 44));
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(64);
    const reader = new MbimReader();
    const asm = new MbimAssembler();
    const all = Buffer.concat(frames);
    let got: MbimMessage | undefined;
    // arbitrary chunking, as on a pty
    for (let p = 0; p < all.length; p += 37) for (const f of reader.push(all.subarray(p, p + 37)).fragments) got = asm.push(f).message ?? got;
    expect(got).toEqual(m);
  });

  it('refuses an out-of-sequence fragment and a fragment count beyond reason', () => {
    const frames = encodeMbim({ type: MbimType.commandDone, tid: 3, service: Service.basicConnect, cid: 2, status: 0, info: new Uint8Array(100) }, 64);
    const reader = new MbimReader();
    const asm = new MbimAssembler();
    const frags: Fragment[] = reader.push(Buffer.concat(frames)).fragments;
    expect(asm.push(frags[0]!).error).toBeUndefined();
    expect(asm.push(frags[2]!).error?.message).toMatch(/out of sequence/);
    expect(asm.push({ ...frags[0]!, total: 0xffffffff }).error?.message).toMatch(/fragment 0 of 4294967295/);
  });

  it('skips bytes that are no MBIM message and reports them; refuses an oversized length', () => {
    const reader = new MbimReader();
    const out = reader.push(Uint8Array.of(0x0d, 0x0a, 0x4f, 0x4b, ...hex(GOLDEN.open4096)));
    expect(out.errors[0]!.message).toMatch(/not MBIM messages/);
    expect(out.fragments).toHaveLength(1);
    const big = reader.push(hex('03000080 00001000 01000000'));
    expect(big.errors[0]!.message).toMatch(/exceeds/);
  });

  it('an InfoBuffer longer than the message is a bad frame', () => {
    let err: unknown;
    try {
      decodeBody(MbimType.commandDone, 1, hex(`${toHex(uuidBytes(Service.basicConnect))} 02000000 00000000 FF000000 00`));
    } catch (e) {
      err = e;
    }
    expect(isLpaError(err, 'TRANSPORT_BAD_FRAME')).toBe(true);
  });
});

describe('UICC status words and answers', () => {
  it('Status carries SW1 in bits 0-7 and SW2 in bits 8-15', () => {
    expect(uiccSw(0x0090)).toEqual([0x90, 0x00]);
    expect(uiccSw(0x1061)).toEqual([0x61, 0x10]);
    expect(uiccSw(0x826a)).toEqual([0x6a, 0x82]);
    expect(uiccSw(0)).toEqual([0x90, 0x00]);
    expect(uiccStatus(0x6a, 0x82)).toBe(0x826a);
  });

  it('parses OPEN_CHANNEL and APDU answers ({size, offset} byte arrays)', () => {
    const o = parseOpenChannel(buildInfo([{ u32: 0x0090 }, { u32: 2 }, { uiccBytes: hex('6F0184') }]));
    expect(o).toMatchObject({ status: 0x90, channel: 2 });
    expect(toHex(o.response)).toBe('6F0184');
    const a = parseApdu(hex('90000000 03000000 0C000000 BF3E01'));
    expect(toHex(a.response)).toBe('BF3E01');
    expect(() => parseApdu(hex('90000000 FF000000 0C000000'))).toThrow(/Response claims 255 bytes/);
  });

  it('subscriber ready: the same ReadyState, the ICCID where each layout puts it (1.0 and MBIMEx v3)', () => {
    const v1 = subscriberReadyInfo(1, '001010123456789', '8988307000000000016', false);
    const v3 = subscriberReadyInfo(1, '001010123456789', '8988307000000000016', true);
    expect(parseSubscriberReady(v1, false)).toEqual({ readyState: 1, iccid: '8988307000000000016' });
    expect(parseSubscriberReady(v3, true)).toEqual({ readyState: 1, iccid: '8988307000000000016' });
    expect(parseSubscriberReady(v3, false).iccid).not.toBe('8988307000000000016');
  });
});
