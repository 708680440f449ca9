/**
 * lpa-agent's QMI driver against the virtual module's QMI port on a real pseudo-terminal (opened
 * directly, as /dev/cdc-wdmN is without a proxy): ES10 over UIM logical channels, the SIM reset
 * after enable, the busy card, lost answers, and the client ids and channels given back.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQmiTransport, type QmiTransport } from '../../../drivers/qmi/open.js';
import { QmiService } from '../../../drivers/qmi/codec.js';
import { Es10Client } from '../../../src/es10/client.js';
import { changeProfile } from '../../../src/lpa/profileOps.js';
import { isLpaError } from '../../../src/errors.js';
import { tempDir, virtualPorts, type VirtualPorts } from '../wwan/rig.js';

const EID = '89049032123451234512345678901235';
const BOOTSTRAP = '8988307000000000016';

let tmp: ReturnType<typeof tempDir>;
let ports: VirtualPorts;
let transport: QmiTransport | undefined;

beforeEach(async () => {
  tmp = tempDir('lpa-qmi-');
  ports = await virtualPorts({ dir: tmp.dir });
});

afterEach(async () => {
  await transport?.close();
  transport = undefined;
  await ports.close();
  tmp.remove();
});

async function open(opts: Parameters<typeof openQmiTransport>[1] = {}): Promise<QmiTransport> {
  transport = await openQmiTransport(ports.qmiPath, { proxy: 'never', ...opts });
  return transport;
}

describe('QMI driver on the virtual module (direct, real pty)', () => {
  it('reads the EID and lists profiles over a UIM logical channel; close gives back the channel and the client id', async () => {
    const t = await open();
    expect(t.label).toBe(`qmi:${ports.qmiPath}`);
    expect(t.kind).toBe('qmi');
    expect(ports.qmi.allocated(QmiService.UIM)).toEqual([1]);
    await t.channel.open();
    expect(ports.qmi.openChannels()).toEqual([1]);
    const es10 = new Es10Client(t.channel);
    expect(await es10.getEid()).toBe(EID);
    // the profile list is longer than one answer: 61xx + GET RESPONSE on the channel
    const profiles = await es10.listProfiles();
    expect(profiles.map((p) => p.iccid)).toEqual([BOOTSTRAP]);
    const s = t.channel.stats();
    expect(s.atCommands).toBe(0);
    expect(s.apdus).toBeGreaterThanOrEqual(2);
    expect(s.requests).toBeGreaterThan(s.apdus);
    expect(s.bytesToModule).toBeGreaterThan(0);
    await t.close();
    transport = undefined;
    expect(ports.qmi.allocated(QmiService.UIM)).toEqual([]);
    expect(ports.qmi.openChannels()).toEqual([]);
  });

  it('reads the module identity from DMS and the ICCID, releasing the DMS client each time; --trace records the frames', async () => {
    const trace = `${tmp.dir}/trace.log`;
    const t = await open({ tracePath: trace });
    expect(await t.moduleInfo!()).toEqual({ manufacturer: 'Quectel', model: 'EC25', firmware: 'EC25EFAR06A08M4G', imei: '350000000000014', radioAccess: ['gsm', 'utran', 'eutran'] });
    // only what is asked for: allocate, Get IDs, release
    const before = t.channel.stats().requests!;
    expect(await t.moduleInfo!(['imei'])).toEqual({ imei: '350000000000014' });
    expect(t.channel.stats().requests! - before).toBe(3);
    expect(await t.moduleInfo!(['release'])).toEqual({});
    expect(await t.channel.readIccid()).toBe(BOOTSTRAP);
    expect(ports.qmi.allocated(QmiService.DMS)).toEqual([]);
    await t.close();
    transport = undefined;
    const text = readFileSync(trace, 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z >> qmi CTL allocate a UIM client id 010F0000000000/m);
    expect(text).toMatch(/ << qmi DMS client 1 /);
  });

  it('rides out the SIM reset after disable and enable (card status indications), then reopens the channel', async () => {
    const t = await open();
    await t.channel.open();
    const es10 = new Es10Client(t.channel);
    let resets = 0;
    ports.modem.on('sim-not-ready', () => resets++);
    await changeProfile(es10, t.channel, 'disable', BOOTSTRAP, { simReadyTimeoutMs: 10_000 });
    expect(t.channel.sim.indications).toBe(true);
    expect((await es10.listProfiles())[0]!.state).toBe('disabled');
    await changeProfile(es10, t.channel, 'enable', BOOTSTRAP, { simReadyTimeoutMs: 10_000 });
    expect((await es10.listProfiles())[0]!.state).toBe('enabled');
    expect(resets).toBe(2);
    expect(ports.qmi.openChannels()).toEqual([1]);
  });

  it('resends an APDU the busy UIM refused (DeviceNotReady: the card never saw it)', async () => {
    const t = await open();
    await t.channel.open();
    ports.modem.failNext(1, 14);
    expect(await new Es10Client(t.channel).getEid()).toBe(EID);
  });

  it('a lost answer is a TRANSPORT_TIMEOUT within the deadline; the client id is still released', async () => {
    const t = await open({ channel: { apduTimeoutMs: 300 } });
    await t.channel.open();
    ports.modem.loseNext(1);
    const err = await new Es10Client(t.channel).getEid().catch((e: unknown) => e);
    expect(isLpaError(err, 'TRANSPORT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toMatch(/UIM Send APDU: no answer from .* within 300 ms/);
    // the late answer never comes; the next APDU works on the same channel
    expect(await new Es10Client(t.channel).getEid()).toBe(EID);
    await t.close();
    transport = undefined;
    expect(ports.qmi.allocated(QmiService.UIM)).toEqual([]);
  });

  it('restarts the SIM with UIM Power Off / Power On and waits for it', async () => {
    const t = await open();
    await t.channel.open();
    const states: string[] = [];
    ports.modem.on('sim-not-ready', () => states.push(ports.modem.simState));
    ports.modem.on('sim-ready', () => states.push(ports.modem.simState));
    await t.channel.restartSim(10_000);
    expect(states).toEqual(['off', 'resetting', 'ready']);
    expect(await new Es10Client(t.channel).getEid()).toBe(EID);
  });

  it('names what is wrong when the path is no device', async () => {
    const missing = await openQmiTransport(`${tmp.dir}/nothing`, { proxy: 'never' }).catch((e: unknown) => e);
    expect(isLpaError(missing, 'PORT_NOT_FOUND')).toBe(true);
    expect((missing as Error).message).toMatch(/does not exist/);
  });
});
