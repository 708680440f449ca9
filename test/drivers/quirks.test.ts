import { afterEach, describe, expect, it } from 'vitest';
import { openAtModem, type AtModem } from '../../drivers/at/modem.js';
import { createVirtualBinding } from '../../drivers/virtual/binding.js';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import type { Quirks } from '../../drivers/virtual/quirks.js';
import { VENDOR_NAMES, type VendorName } from '../../drivers/virtual/vendors.js';
import { isLpaError } from '../../src/errors.js';
import type { VirtualCard } from '../../src/sim/card.js';
import { openVirtualEuicc } from '../../src/sim/euicc/index.js';
import { toHex } from '../../src/util/hex.js';
import { REFRESH_TRIGGER, TestCard } from './virtual/testCard.js';

/**
 * The real AT driver (drivers/at) over the real serialport stream against the virtual module with
 * each quirk of modem-facts.md switched on: it gets the right answer or a clear typed error, and
 * never hangs.
 */

const GET_EID = Uint8Array.from(Buffer.from('80E2910006BF3E035C015A', 'hex'));
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
/** STORE DATA the test card echoes (long echoes come back through 61xx + GET RESPONSE). */
const echo = (n: number, p1 = 0x91): Uint8Array => hex(`80E2${p1.toString(16).padStart(2, '0')}00${n.toString(16).padStart(2, '0')}${'A5'.repeat(n)}`);

interface Rig {
  modem: VirtualModem;
  at: AtModem;
}

const open: Rig[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) {
    await r.at.close().catch(() => undefined);
    r.modem.dispose();
  }
});

async function rig(
  opts: { vendor?: VendorName; quirks?: Partial<Quirks>; card?: VirtualCard; driverVendor?: string; timeoutMs?: number } = {},
): Promise<Rig> {
  const modem = new VirtualModem({ card: opts.card ?? new TestCard(), vendor: opts.vendor, quirks: { simResetMs: 20, ...opts.quirks } });
  const binding = createVirtualBinding(() => modem);
  const at = await openAtModem({
    path: '/dev/virtual-modem',
    binding,
    vendor: opts.driverVendor,
    commandTimeoutMs: opts.timeoutMs ?? 2000,
    channel: { simReadyTimeoutMs: 5000, pollIntervalMs: 20 },
  });
  const r = { modem, at };
  open.push(r);
  return r;
}

async function expectEcho(at: AtModem, n: number): Promise<void> {
  expect(toHex(await at.channel.transmit(echo(n)))).toBe(`${'A5'.repeat(n)}9000`);
}

describe('AT driver over the virtual module: vendor dialects', () => {
  it.each(VENDOR_NAMES)('%s: detects the vendor, opens the ISD-R, reads the EID and the ICCID', async (vendor) => {
    const card = openVirtualEuicc();
    const { at } = await rig({ vendor, card });
    expect(at.vendor.name).toBe(vendor);
    const resp = await at.channel.transmit(GET_EID);
    expect(toHex(resp)).toMatch(/^BF3E125A10[0-9A-F]{32}9000$/);
    expect(await at.channel.readIccid()).toBe(card.activeIccid());
    await at.channel.close();
  });
});

describe('AT driver over the virtual module: quirks', () => {
  it.each(['spec-bare', 'colon-space', 'colon-nospace', 'handle16'] as const)('cchoShape %s', async (cchoShape) => {
    const { at } = await rig({ quirks: { cchoShape } });
    await expectEcho(at, 4);
    await expectEcho(at, 120);
  });

  it('cglaShape: lower case, unquoted, no space', async () => {
    const { at } = await rig({ quirks: { cglaShape: { space: false, quoted: false, lowerCase: true } } });
    await expectEcho(at, 200);
  });

  it('echo forced on and stray partial echo fragments', async () => {
    const { at, modem } = await rig({ quirks: { forceEcho: true } });
    await expectEcho(at, 10);
    modem.quirks.partialEchoNext = 3;
    await expectEcho(at, 10);
    await expectEcho(at, 10);
  });

  it('URCs now and between the answer line and its OK', async () => {
    const { at, modem } = await rig({ vendor: 'quectel' });
    await expectEcho(at, 4);
    modem.injectUrc('RING', '+CREG: 1', '+QIND: SMS DONE');
    modem.injectUrcBeforeFinal('+CGEV: ME PDN ACT 1', 'RING');
    await expectEcho(at, 8);
  });

  it.each(['ok', 'error', 'silent'] as const)('test commands answered %s', async (testCommands) => {
    const { at } = await rig({ quirks: { testCommands } });
    await expectEcho(at, 4);
  });

  it('no +CCHC (Sierra EM9191) and +CCHC failing for unknown ids (Fibocom FM350)', async () => {
    const a = await rig({ quirks: { noCchc: true } });
    await expectEcho(a.at, 4);
    await a.at.channel.close();
    const b = await rig({ vendor: 'fibocom' });
    await expectEcho(b.at, 4);
    await b.at.channel.close();
    expect(b.modem.sessions().size).toBe(0);
  });

  it('+CSIM only (no logical-channel commands), also with COMMAND NOT SUPPORT', async () => {
    const a = await rig({ quirks: { csimOnly: true } });
    await expectEcho(a.at, 120);
    expect(a.at.channel.transport).toBe('csim');
    const b = await rig({ quirks: { csimOnly: true, commandNotSupport: true } });
    await expectEcho(b.at, 30);
  });

  it('needs TERMINAL CAPABILITY: sent by the vendor profile that wants it', async () => {
    const { at } = await rig({ vendor: 'sierra', quirks: { needsTerminalCapability: true } });
    await expectEcho(at, 4);
  });

  it('injected CME 14 (SIM busy): ridden out; CME 13 during STORE DATA: typed error, then recovers', async () => {
    const { at, modem } = await rig();
    await expectEcho(at, 4);
    modem.failNext(1, 14);
    await expectEcho(at, 4);
    modem.failNext(1, 13);
    const err = await at.channel.transmit(echo(4)).catch((e: unknown) => e);
    expect(isLpaError(err, 'CHANNEL_CLOSED')).toBe(true);
    await expectEcho(at, 4);
  });

  it.each([3, 4])('injected CME %i: typed AT_CME_ERROR', async (code) => {
    const { at, modem } = await rig();
    await expectEcho(at, 4);
    modem.failNext(1, code);
    const err = await at.channel.transmit(echo(4)).catch((e: unknown) => e);
    expect(isLpaError(err, 'AT_CME_ERROR')).toBe(true);
    expect((err as { details: { cme?: unknown } }).details.cme).toBe(code);
    await expectEcho(at, 4);
  });

  it('slow answers', async () => {
    const { at } = await rig({ quirks: { delayMs: 30 } });
    await expectEcho(at, 50);
  });

  it('lost answer: AT_TIMEOUT, then the driver resynchronises', async () => {
    const { at, modem } = await rig({ timeoutMs: 300 });
    await expectEcho(at, 4);
    modem.loseNext(1);
    const err = await at.channel.transmit(echo(4)).catch((e: unknown) => e);
    expect(isLpaError(err, 'AT_TIMEOUT')).toBe(true);
    await expectEcho(at, 4);
  });

  it('plain ERROR on the last STORE DATA block (Quectel EC20F): typed AT_ERROR, a retry works', async () => {
    const { at, modem } = await rig({ vendor: 'quectel', quirks: { failLastStoreDataBlocks: 1 } });
    expect(toHex(await at.channel.transmit(echo(4, 0x11)))).toBe('A5A5A5A59000');
    const err = await at.channel.transmit(echo(4, 0x91)).catch((e: unknown) => e);
    expect(isLpaError(err, 'AT_ERROR')).toBe(true);
    await expectEcho(at, 4);
    expect(modem.quirks.failLastStoreDataBlocks).toBe(0);
  });

  it('+CSIM line limit (freeze): AT_TIMEOUT instead of a hang', async () => {
    const { at, modem } = await rig({ quirks: { csimOnly: true, lineLimit: { maxApduBytes: 124, mode: 'freeze' } }, timeoutMs: 300 });
    await expectEcho(at, 4);
    const err = await at.channel.transmit(echo(200)).catch((e: unknown) => e);
    expect(isLpaError(err, 'AT_TIMEOUT')).toBe(true);
    // a long STORE DATA block without an answer: the error says what to do about it
    expect((err as Error).message).toMatch(/\(the command carried a 205-byte STORE DATA block; .*try smaller STORE DATA blocks with --apdu-size 120\)$/);
    expect(modem.frozen).toBe(true);
    // a short block that gets no answer has nothing to do with the block size
    const short = await at.channel.transmit(echo(4)).catch((e: unknown) => e);
    expect(isLpaError(short)).toBe(true);
    expect((short as Error).message).not.toMatch(/apdu-size/);
    // a frozen module only comes back with a power cycle; unplug it so the teardown does not wait
    modem.vanish();
  });

  it('SIM reset after a REFRESH: the channel is reopened for the next APDU', async () => {
    const { at, modem } = await rig({ vendor: 'quectel', quirks: { simResetMs: 50 } });
    await expectEcho(at, 4);
    expect(toHex(await at.channel.transmit(hex(`80E2910002${REFRESH_TRIGGER}`)))).toBe('9000');
    await expectEcho(at, 4);
    expect(modem.sessions().size).toBe(1);
  });

  it('restartSim cycles CFUN and waits for the ready URC', async () => {
    const { at, modem } = await rig({ vendor: 'quectel', quirks: { simResetMs: 30 } });
    await expectEcho(at, 4);
    await at.channel.restartSim(5000);
    expect(modem.simState).toBe('ready');
    await expectEcho(at, 4);
  });

  it('port vanishing: PORT_CLOSED, never a hang', async () => {
    const { at, modem } = await rig();
    await expectEcho(at, 4);
    modem.vanish();
    const err = await at.channel.transmit(echo(4)).catch((e: unknown) => e);
    expect(isLpaError(err, 'PORT_CLOSED')).toBe(true);
  });
});
