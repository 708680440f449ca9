/**
 * lpa-agent's MBIM driver against the virtual module's MBIM port on a real pseudo-terminal (opened
 * directly): ES10 over MS UICC low-level access, fragmentation both ways, subscriber-ready
 * notifications through the SIM reset, the busy card, lost answers, the session and channel
 * given back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandType } from '../../../drivers/mbim/codec.js';
import { buildInfo } from '../../../drivers/mbim/info.js';
import { BasicConnect, Service } from '../../../drivers/mbim/messages.js';
import { openMbimTransport, type MbimTransport } from '../../../drivers/mbim/open.js';
import { Es10Client } from '../../../src/es10/client.js';
import { isLpaError } from '../../../src/errors.js';
import { changeProfile } from '../../../src/lpa/profileOps.js';
import { tempDir, virtualPorts, type VirtualPorts } from '../wwan/rig.js';

const EID = '89049032123451234512345678901235';
const BOOTSTRAP = '8988307000000000016';

let tmp: ReturnType<typeof tempDir>;
let ports: VirtualPorts;
let transport: MbimTransport | undefined;

beforeEach(async () => {
  tmp = tempDir('lpa-mbim-');
  ports = await virtualPorts({ dir: tmp.dir, mbimMax: 64 });
});

afterEach(async () => {
  await transport?.close();
  transport = undefined;
  await ports.close();
  tmp.remove();
});

async function open(opts: Parameters<typeof openMbimTransport>[1] = {}): Promise<MbimTransport> {
  transport = await openMbimTransport(ports.mbimPath, { proxy: 'never', ...opts });
  return transport;
}

describe('MBIM driver on the virtual module (direct, real pty)', () => {
  it('reads the EID and lists profiles with 64-byte fragments both ways; close ends the channel and the session', async () => {
    const t = await open({ maxControlTransfer: 64 });
    expect(t.label).toBe(`mbim:${ports.mbimPath}`);
    expect(t.connection.maxControlTransfer).toBe(64);
    expect(ports.mbim.isOpen).toBe(true);
    await t.channel.open();
    expect(ports.mbim.openChannels()).toEqual([1]);
    const es10 = new Es10Client(t.channel);
    expect(await es10.getEid()).toBe(EID);
    expect((await es10.listProfiles()).map((p) => p.iccid)).toEqual([BOOTSTRAP]);
    const s = t.channel.stats();
    expect(s.atCommands).toBe(0);
    expect(s.requests).toBeGreaterThan(s.apdus);
    await t.close();
    transport = undefined;
    expect(ports.mbim.openChannels()).toEqual([]);
    expect(ports.mbim.isOpen).toBe(false);
  });

  it('reads the module identity from Device Caps and the ICCID from Subscriber Ready Status', async () => {
    const t = await open();
    expect(await t.moduleInfo!()).toEqual({ model: 'Quectel EC25', firmware: 'EC25EFAR06A08M4G', imei: '350000000000014', radioAccess: ['gsm', 'utran', 'eutran'] });
    expect(await t.channel.readIccid()).toBe(BOOTSTRAP);
  });

  it('rides out the SIM reset after disable and enable (subscriber-ready notifications)', async () => {
    const t = await open();
    await t.channel.open();
    const es10 = new Es10Client(t.channel);
    let resets = 0;
    ports.modem.on('sim-not-ready', () => resets++);
    await changeProfile(es10, t.channel, 'disable', BOOTSTRAP, { simReadyTimeoutMs: 10_000 });
    expect((await es10.listProfiles())[0]!.state).toBe('disabled');
    // no enabled profile: ReadyState "no eSIM profile" still reaches the ISD-R
    expect(await t.channel.readIccid()).toBeUndefined();
    await changeProfile(es10, t.channel, 'enable', BOOTSTRAP, { simReadyTimeoutMs: 10_000 });
    expect((await es10.listProfiles())[0]!.state).toBe('enabled');
    expect(resets).toBe(2);
  });

  it('resends an APDU the busy modem refused; a lost answer is a TRANSPORT_TIMEOUT and the next one works', async () => {
    const t = await open({ channel: { apduTimeoutMs: 300 } });
    await t.channel.open();
    ports.modem.failNext(1, 14);
    expect(await new Es10Client(t.channel).getEid()).toBe(EID);
    ports.modem.loseNext(1);
    const err = await new Es10Client(t.channel).getEid().catch((e: unknown) => e);
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/UICC APDU: no answer from .* within 300 ms/);
    expect(await new Es10Client(t.channel).getEid()).toBe(EID);
  });

  it('restarts the SIM with UICC RESET and waits for it', async () => {
    const t = await open();
    await t.channel.open();
    let resets = 0;
    ports.modem.on('sim-ready', () => resets++);
    await t.channel.restartSim(10_000);
    expect(resets).toBe(1);
    expect(await new Es10Client(t.channel).getEid()).toBe(EID);
  });

  it('a channel dropped without a notification (MsInvalidLogicalChannel) is reopened and the APDU sent again', async () => {
    const t = await open();
    await t.channel.open();
    // an empty subscribe list: the modem stops sending subscriber-ready notifications
    await t.connection.command(Service.basicConnect, BasicConnect.deviceServiceSubscribeList, CommandType.set, buildInfo([{ u32: 0 }]), 'subscribe to nothing');
    ports.modem.requestSimReset();
    ports.modem.finishSimReset();
    expect(t.channel.isLost).toBe(false);
    expect(ports.mbim.openChannels()).toEqual([]);
    expect(await new Es10Client(t.channel).getEid()).toBe(EID);
    expect(ports.mbim.openChannels()).toEqual([1]);
  });

  it('names what is wrong when the path is no device', async () => {
    const missing = await openMbimTransport(`${tmp.dir}/nothing`, { proxy: 'never' }).catch((e: unknown) => e);
    expect(isLpaError(missing, 'PORT_NOT_FOUND')).toBe(true);
  });
});
