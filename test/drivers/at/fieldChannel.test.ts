import { afterEach, describe, expect, it } from 'vitest';
import { AtEuiccChannel } from '../../../drivers/at/channel.js';
import { AtEngine } from '../../../drivers/at/engine.js';
import { SerialAtPort } from '../../../drivers/at/port.js';
import { getVendor, urcPrefixesFor, type VendorProfile } from '../../../drivers/at/vendors.js';
import { Es10Client } from '../../../src/es10/client.js';
import { isLpaError } from '../../../src/errors.js';
import { ScriptedModem } from './scriptedModem.js';

const AID = 'A0000005591010FFFFFFFF8900000100';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function channelOn(modem: ScriptedModem, vendor: VendorProfile) {
  const port = await SerialAtPort.open({ path: modem.path, binding: modem.binding });
  const engine = new AtEngine(port, { defaultTimeoutMs: 2000, urcPrefixes: urcPrefixesFor(vendor) });
  const channel = new AtEuiccChannel(engine, vendor, { pollIntervalMs: 5, simReadyTimeoutMs: 3000, staleScanIds: [] });
  cleanups.push(async () => {
    channel.dispose();
    await engine.close();
  });
  return channel;
}

describe('AT channel: block size from the +CSIM line limit and a vendor default', () => {
  it('a vendor +CSIM line limit caps STORE DATA blocks (the module would freeze); the vendor default applies on +CGLA', async () => {
    const lengths: number[] = [];
    const modem = new ScriptedModem((cmd) => {
      if (cmd.startsWith('AT+CCHO') || cmd.startsWith('AT+CCHC')) return ['ERROR'];
      const m = /^AT\+CSIM=(\d+),"([0-9A-F]+)"$/.exec(cmd);
      if (!m) return ['ERROR'];
      const apdu = m[2]!;
      lengths.push(apdu.length / 2);
      if (apdu.length / 2 > 128) return null; // frozen
      if (apdu === '0070000001') return ['+CSIM: 6,"019000"', 'OK'];
      if (apdu.slice(2, 4) === 'A4') return ['+CSIM: 4,"9000"', 'OK'];
      return [`+CSIM: 4,"${parseInt(apdu.slice(4, 6), 16) & 0x80 ? '6A88' : '9000'}"`, 'OK'];
    });
    const channel = await channelOn(modem, { ...getVendor('generic'), csimMaxApduBytes: 128 });
    await channel.open();
    expect(channel.transport).toBe('csim');
    expect(channel.maxCommandApduBytes).toBe(128);
    const es10 = new Es10Client(channel, { blockSize: 255 });
    const err = await es10.call('Test', new Uint8Array(700).fill(0x30)).catch((e: unknown) => e);
    expect(isLpaError(err, 'APDU_STATUS')).toBe(true); // the card's answer, not a frozen module
    expect(Math.max(...lengths)).toBeLessThanOrEqual(128);

    const cgla: number[] = [];
    const m2 = new ScriptedModem((cmd) => {
      if (cmd === `AT+CCHO="${AID}"`) return ['+CCHO: 1', 'OK'];
      const m = /^AT\+CGLA=1,(\d+),"([0-9A-F]+)"$/.exec(cmd);
      if (!m) return ['OK'];
      cgla.push(parseInt(m[2]!.slice(8, 10), 16));
      return ['+CGLA: 4,"9000"', 'OK'];
    });
    const vendorDefault = await channelOn(m2, { ...getVendor('generic'), storeDataBlockSize: 100 });
    await vendorDefault.open();
    await new Es10Client(vendorDefault).call('Test', new Uint8Array(250).fill(0x30));
    expect(cgla).toEqual([100, 100, 50]);
  });

  it('a busy SIM at open (+CME ERROR: 14 on +CCHO) is waited for, not failed', async () => {
    let busy = 3;
    const modem = new ScriptedModem((cmd) => {
      if (cmd === `AT+CCHO="${AID}"`) return busy-- > 0 ? ['+CME ERROR: 14'] : ['+CCHO: 1', 'OK'];
      if (cmd === 'AT+CPIN?') return ['+CPIN: READY', 'OK'];
      return ['OK'];
    });
    const channel = await channelOn(modem, getVendor('generic'));
    await channel.open();
    expect(channel.channelId).toBe('1');
    expect(modem.commands.filter((c) => c.startsWith('AT+CCHO'))).toHaveLength(4);
    expect(modem.commands).toContain('AT+CPIN?');
  });

  it('a SIM that is not inserted (CME 10) is not waited for', async () => {
    const modem = new ScriptedModem((cmd) => (cmd.startsWith('AT+CCHO') ? ['+CME ERROR: 10'] : ['OK']));
    const channel = await channelOn(modem, getVendor('generic'));
    await expect(channel.open()).rejects.toMatchObject({ code: 'SIM_NOT_READY' });
    // no waiting: at most the one retry after closing stale channels, no AT+CPIN? polling
    expect(modem.commands.filter((c) => c.startsWith('AT+CCHO')).length).toBeLessThanOrEqual(2);
    expect(modem.commands).not.toContain('AT+CPIN?');
  });
});
