import { afterEach, describe, expect, it } from 'vitest';
import { LpaError } from '../../../src/errors.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { AtEuiccChannel, type AtEuiccChannelOptions } from '../../../drivers/at/channel.js';
import { claForChannel } from '../../../src/apdu/cla.js';
import { AtEngine } from '../../../drivers/at/engine.js';
import { SerialAtPort } from '../../../drivers/at/port.js';
import { getVendor, urcPrefixesFor } from '../../../drivers/at/vendors.js';
import { ScriptedModem, type Reply } from './scriptedModem.js';
import { lpaRejection } from '../../util/lpaError.js';

const AID = 'A0000005591010FFFFFFFF8900000100';
const CCHO = `AT+CCHO="${AID}"`;
const GET_EID = '80E2910006BF3E035C015A';
const EID_RESP = 'BF3E125A1089049032123451234512345678901235';

interface ModemScript {
  /** Answer to AT+CCHO (lines); default ['+CCHO: 1', 'OK']. */
  ccho?: () => string[];
  /** Formats a +CGLA answer for response hex. */
  cglaLine?: (hex: string) => string;
  /** APDU handler: command hex (as received) -> response hex; default: GET_EID. */
  card?: (hex: string) => string;
  /** Overrides any command: return a Reply to answer it, undefined to fall through. */
  override?: (cmd: string) => Reply | undefined;
  csim?: boolean;
}

function scriptedModem(s: ModemScript): ScriptedModem {
  const card = s.card ?? ((hex: string) => (hex.slice(2) === GET_EID.slice(2) ? `${EID_RESP}9000` : '6D00'));
  return new ScriptedModem((cmd) => {
    const o = s.override?.(cmd);
    if (o !== undefined) return o;
    if (cmd === CCHO) return s.ccho ? s.ccho() : ['+CCHO: 1', 'OK'];
    let m = /^AT\+CGLA=([0-9a-fA-F]+),(\d+),"([0-9A-F]+)"$/.exec(cmd);
    if (m) {
      const r = card(m[3]!);
      return [s.cglaLine ? s.cglaLine(r) : `+CGLA: ${r.length},"${r}"`, 'OK'];
    }
    m = /^AT\+CSIM=(\d+),"([0-9A-F]+)"$/.exec(cmd);
    if (m) {
      if (!s.csim) return ['ERROR'];
      const r = card(m[2]!);
      return [`+CSIM: ${r.length},"${r}"`, 'OK'];
    }
    if (cmd.startsWith('AT+CCHC=')) return ['OK'];
    if (cmd === 'AT+CPIN?') return ['+CPIN: READY', 'OK'];
    return ['ERROR'];
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(modem: ScriptedModem, vendorName = 'generic', options: AtEuiccChannelOptions = {}) {
  const vendor = getVendor(vendorName);
  const port = await SerialAtPort.open({ path: modem.path, binding: modem.binding });
  const engine = new AtEngine(port, { defaultTimeoutMs: 2000, urcPrefixes: urcPrefixesFor(vendor) });
  const channel = new AtEuiccChannel(engine, vendor, { pollIntervalMs: 5, simReadyTimeoutMs: 3000, staleScanIds: [], ...options });
  cleanups.push(async () => {
    channel.dispose();
    await engine.close();
  });
  return { engine, channel };
}


describe('claForChannel', () => {
  it('puts the channel into the class byte', () => {
    expect(claForChannel(0x80, 1)).toBe(0x81);
    expect(claForChannel(0x80, 3)).toBe(0x83);
    expect(claForChannel(0x80, 4)).toBe(0xc0);
    expect(claForChannel(0x80, 7)).toBe(0xc3);
    expect(claForChannel(0x00, 2)).toBe(0x02);
    expect(claForChannel(0x00, 5)).toBe(0x41);
    expect(() => claForChannel(0x80, 20)).toThrow(LpaError);
  });
});

describe('AtEuiccChannel over +CCHO/+CGLA', () => {
  it.each([
    ['+CCHO: 1', '1'],
    ['+CCHO:2', '2'],
    ['3', '3'],
  ])('opens with CCHO answer %s and sends CLA 80 untouched', async (answer, id) => {
    const modem = scriptedModem({ ccho: () => [answer, 'OK'] });
    const { channel } = await setup(modem);
    await channel.open();
    expect(channel.channelId).toBe(id);
    expect(channel.transport).toBe('cgla');
    const resp = await channel.transmit(fromHex(GET_EID));
    expect(toHex(resp)).toBe(`${EID_RESP}9000`);
    expect(modem.commands).toEqual([CCHO, `AT+CGLA=${id},22,"${GET_EID}"`]);
  });

  it('reuses a Sierra-style handle verbatim in CGLA and CCHC', async () => {
    const modem = scriptedModem({ ccho: () => ['000000000385a7cf', 'OK'] });
    const { channel } = await setup(modem);
    await channel.open();
    await channel.transmit(fromHex(GET_EID));
    await channel.close();
    expect(modem.commands).toEqual([CCHO, `AT+CGLA=000000000385a7cf,22,"${GET_EID}"`, 'AT+CCHC=000000000385a7cf']);
  });

  it('on a Sierra profile never sends CCHC and sends TERMINAL CAPABILITY once', async () => {
    const modem = scriptedModem({
      ccho: () => ['+CCHO: 000000000385a7cf', 'OK'],
      card: (hex) => (hex.startsWith('80AA') ? '9000' : `${EID_RESP}9000`),
    });
    const { channel } = await setup(modem, 'sierra', { staleScanIds: ['1', '2'] });
    await channel.open();
    await channel.transmit(fromHex(GET_EID));
    await channel.close();
    expect(modem.commands).toEqual([
      CCHO,
      'AT+CGLA=000000000385a7cf,30,"80AA00000AA9088100820101830107"',
      `AT+CGLA=000000000385a7cf,22,"${GET_EID}"`,
    ]);
  });

  it('sends TERMINAL CAPABILITY once and resends the first block when the card answers 6985', async () => {
    let tc = false;
    const modem = scriptedModem({
      card: (hex) => {
        if (hex.startsWith('80AA')) return ((tc = true), '9000');
        return tc ? `${EID_RESP}9000` : '6985';
      },
    });
    const { channel } = await setup(modem);
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
    expect(modem.commands.slice(1)).toEqual([
      `AT+CGLA=1,22,"${GET_EID}"`,
      'AT+CGLA=1,30,"80AA00000AA9088100820101830107"',
      `AT+CGLA=1,22,"${GET_EID}"`,
    ]);
  });

  it.each([
    (r: string) => `+CGLA: ${r.length},"${r}"`,
    (r: string) => `+CGLA:${r.length},${r}`,
    (r: string) => `+CGLA: ${r.length},"${r.toLowerCase()}"`,
  ])('reads every +CGLA answer shape (%#)', async (fmt) => {
    const { channel } = await setup(scriptedModem({ cglaLine: fmt }));
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
  });

  it('closes stale channels 1..4 first, ignoring errors', async () => {
    const modem = scriptedModem({ override: (c) => (c === 'AT+CCHC=2' || c === 'AT+CCHC=4' ? ['+CME ERROR: 21'] : undefined) });
    const { channel } = await setup(modem, 'generic', { staleScanIds: undefined });
    await channel.open();
    expect(modem.commands).toEqual(['AT+CCHC=1', 'AT+CCHC=2', 'AT+CCHC=3', 'AT+CCHC=4', CCHO]);
  });

  it('closes only the remembered channel when one is known, none on Fibocom otherwise', async () => {
    const m1 = scriptedModem({});
    const a = await setup(m1, 'fibocom', { staleChannelId: '3' });
    await a.channel.open();
    expect(m1.commands[0]).toBe('AT+CCHC=3');
    const m2 = scriptedModem({ card: () => '9000' });
    const b = await setup(m2, 'fibocom', { staleScanIds: undefined });
    await b.channel.open();
    expect(m2.commands.filter((c) => c.startsWith('AT+CCHC'))).toEqual([]);
  });

  it('resolves 61xx with GET RESPONSE and 6Cxx by resending with Le', async () => {
    const modem = scriptedModem({
      card: (hex) => {
        if (hex === GET_EID) return '6115';
        if (hex === '80C0000015') return `${EID_RESP}9000`;
        if (hex === '80CA005A00') return '6C12';
        if (hex === '80CA005A12') return `${'AB'.repeat(18)}9000`;
        return '6D00';
      },
    });
    const { channel } = await setup(modem);
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
    expect(toHex(await channel.transmit(fromHex('80CA005A00')))).toBe(`${'AB'.repeat(18)}9000`);
    const s = channel.stats();
    expect(s.apdus).toBe(4);
    expect(s.storeDataBlocks).toBe(1);
    expect(s.atCommands).toBe(5);
  });

  it('maps a SIM error on CCHO to SIM_NOT_READY and a junk id to CHANNEL_OPEN_FAILED', async () => {
    const a = await setup(scriptedModem({ ccho: () => ['+CME ERROR: 10'] }));
    expect((await lpaRejection(a.channel.open())).code).toBe('SIM_NOT_READY');
    const b = await setup(scriptedModem({ ccho: () => ['+CCHO: what', 'OK'] }));
    expect((await lpaRejection(b.channel.open())).code).toBe('CHANNEL_OPEN_FAILED');
  });

  it('rejects APDUs that are not short APDUs', async () => {
    const { channel } = await setup(scriptedModem({}));
    expect((await lpaRejection(channel.transmit(new Uint8Array(3)))).code).toBe('APDU_INVALID');
    expect((await lpaRejection(channel.transmit(new Uint8Array(262)))).code).toBe('APDU_INVALID');
  });
});

/** A card for +CSIM tests: MANAGE CHANNEL gives `ch`, SELECT must carry the ISO CLA for it. */
function csimCard(ch: number, log: string[]) {
  const iso = claForChannel(0x00, ch).toString(16).padStart(2, '0').toUpperCase();
  const prop = claForChannel(0x80, ch).toString(16).padStart(2, '0').toUpperCase();
  return (hex: string): string => {
    log.push(hex);
    if (hex === '0070000001') return `${ch.toString(16).padStart(2, '0')}9000`;
    if (hex === `${iso}A4040010${AID}`) return '6121';
    if (hex === `${iso}C0000021`) return `6F1F${'00'.repeat(31)}9000`;
    if (hex === `${prop}E2910006BF3E035C015A`) return '6115';
    if (hex === `${prop}C0000015`) return `${EID_RESP}9000`;
    if (hex === `0070800${ch.toString(16).toUpperCase()}00`) return '9000';
    return '6E00';
  };
}

describe('AtEuiccChannel +CSIM fallback', () => {
  it.each([[['ERROR']], [['+CME ERROR: 4']], [['+CME ERROR: 3']], [['COMMAND NOT SUPPORT']]])(
    'falls back when CCHO answers %j, opening with MANAGE CHANNEL + SELECT',
    async (cchoAnswer) => {
      const log: string[] = [];
      const modem = scriptedModem({ ccho: () => cchoAnswer, csim: true, card: csimCard(1, log) });
      const { channel } = await setup(modem);
      await channel.open();
      expect(channel.transport).toBe('csim');
      expect(channel.channelId).toBe('1');
      expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
      await channel.close();
      expect(log).toEqual(['0070000001', `01A4040010${AID}`, '01C0000021', '81E2910006BF3E035C015A', '81C0000015', '0070800100']);
      expect(modem.commands.some((c) => c.endsWith('=?'))).toBe(false);
    },
  );

  it('patches CLA for channels 4 and above (C0 | ch-4)', async () => {
    const log: string[] = [];
    const modem = scriptedModem({ ccho: () => ['ERROR'], csim: true, card: csimCard(5, log) });
    const { channel } = await setup(modem);
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
    expect(log).toEqual(['0070000001', `41A4040010${AID}`, '41C0000021', 'C1E2910006BF3E035C015A', 'C1C0000015']);
  });

  it('falls back to +CSIM when CCHO works but CGLA does not exist', async () => {
    const log: string[] = [];
    const card = csimCard(2, log);
    const modem = scriptedModem({ csim: true, card, override: (c) => (c.startsWith('AT+CGLA') ? ['ERROR'] : undefined) });
    const { channel } = await setup(modem);
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
    expect(channel.transport).toBe('csim');
    expect(modem.commands.slice(0, 3)).toEqual([CCHO, `AT+CGLA=1,22,"${GET_EID}"`, 'AT+CCHC=1']);
  });

  it('fails clearly when the module has neither', async () => {
    const modem = scriptedModem({ ccho: () => ['ERROR'], csim: false });
    const { channel } = await setup(modem);
    const e = await lpaRejection(channel.open());
    expect(e.code).toBe('CHANNEL_OPEN_FAILED');
    expect(e.message).toMatch(/neither/);
  });

  it('fails and closes the channel when SELECT ISD-R is refused', async () => {
    const log: string[] = [];
    const modem = scriptedModem({
      ccho: () => ['ERROR'],
      csim: true,
      card: (hex) => (log.push(hex), hex === '0070000001' ? '039000' : hex.startsWith('03A4') ? '6A82' : '9000'),
    });
    const { channel } = await setup(modem);
    const e = await lpaRejection(channel.open());
    expect(e.code).toBe('CHANNEL_OPEN_FAILED');
    expect(e.details.sw).toBe('6A82');
    expect(log[2]).toBe('0070800300');
  });
});

describe('AtEuiccChannel SIM reset', () => {
  it('marks the channel lost on +CPIN: NOT READY, waits for READY and reopens before the next APDU', async () => {
    let cpinPolls = 0;
    let nextId = 1;
    const modem = scriptedModem({
      ccho: () => [`+CCHO: ${nextId++}`, 'OK'],
      override: (c) => {
        if (c !== 'AT+CPIN?') return undefined;
        cpinPolls++;
        return cpinPolls < 3 ? ['+CME ERROR: 14'] : ['+CPIN: READY', 'OK'];
      },
    });
    const { channel, engine } = await setup(modem, 'quectel');
    await channel.open();
    expect(channel.channelId).toBe('1');
    const seen = new Promise((r) => engine.once('urc', r));
    modem.emitLines('+CPIN: NOT READY');
    await seen;
    expect(channel.isLost).toBe(true);
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
    expect(channel.channelId).toBe('2');
    expect(modem.commands).toEqual([CCHO, 'AT+CPIN?', 'AT+CPIN?', 'AT+CPIN?', CCHO, `AT+CGLA=2,22,"${GET_EID}"`]);
  });

  it('wakes on a ready URC instead of polling to the end', async () => {
    const modem = scriptedModem({ override: (c) => (c === 'AT+CPIN?' ? ['+CME ERROR: 13'] : undefined) });
    const { channel } = await setup(modem, 'quectel', { pollIntervalMs: 60_000 });
    const waiting = channel.waitSimReady(20_000);
    setTimeout(() => modem.emitLines('+CPIN: READY', '+QUSIM: 1'), 20);
    await waiting;
  });

  it('gives up with SIM_NOT_READY at the deadline', async () => {
    const modem = scriptedModem({ override: (c) => (c === 'AT+CPIN?' ? ['+CPIN: NOT READY', 'OK'] : undefined) });
    const { channel } = await setup(modem);
    const e = await lpaRejection(channel.waitSimReady(100));
    expect(e.code).toBe('SIM_NOT_READY');
  });

  it('stops at once when the SIM wants a PIN', async () => {
    const modem = scriptedModem({ override: (c) => (c === 'AT+CPIN?' ? ['+CPIN: SIM PIN', 'OK'] : undefined) });
    const { channel } = await setup(modem);
    const e = await lpaRejection(channel.waitSimReady(10_000));
    expect(e.code).toBe('SIM_NOT_READY');
    expect(e.message).toMatch(/SIM PIN/);
  });

  it('retries once an APDU the module refused with CME 14 (never delivered)', async () => {
    let busy = true;
    const modem = scriptedModem({
      override: (c) => {
        if (c.startsWith('AT+CGLA') && busy) {
          busy = false;
          return ['+CME ERROR: 14'];
        }
        return undefined;
      },
    });
    const { channel } = await setup(modem);
    await channel.open();
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
    expect(modem.commands.filter((c) => c.startsWith('AT+CGLA'))).toHaveLength(2);
    expect(modem.commands.filter((c) => c === CCHO)).toHaveLength(2);
  });

  it('never resends a STORE DATA that may have executed (CME 13), reopens on the next APDU', async () => {
    let fail = true;
    const modem = scriptedModem({
      override: (c) => {
        if (c.startsWith('AT+CGLA') && fail) {
          fail = false;
          return ['+CME ERROR: 13'];
        }
        return undefined;
      },
    });
    const { channel } = await setup(modem);
    await channel.open();
    const e = await lpaRejection(channel.transmit(fromHex(GET_EID)));
    expect(e.code).toBe('CHANNEL_CLOSED');
    expect(e.message).toMatch(/STORE DATA/);
    expect(e.details.cme).toBe(13);
    expect(modem.commands.filter((c) => c.startsWith('AT+CGLA'))).toHaveLength(1);
    expect(channel.isLost).toBe(true);
    expect(toHex(await channel.transmit(fromHex(GET_EID)))).toBe(`${EID_RESP}9000`);
    expect(modem.commands.filter((c) => c === CCHO)).toHaveLength(2);
  });

  it('reopens after invalidate() even without a reset URC', async () => {
    let nextId = 1;
    const modem = scriptedModem({ ccho: () => [`+CCHO: ${nextId++}`, 'OK'] });
    const { channel } = await setup(modem);
    await channel.open();
    channel.invalidate();
    await channel.transmit(fromHex(GET_EID));
    expect(modem.commands).toEqual([CCHO, 'AT+CPIN?', CCHO, `AT+CGLA=2,22,"${GET_EID}"`]);
  });

  it('restarts the SIM with the vendor recipe and waits for ready', async () => {
    const modem = scriptedModem({ override: (c) => (c.startsWith('AT+CFUN') ? ['OK'] : undefined) });
    const { channel } = await setup(modem, 'telit');
    await channel.open();
    await channel.restartSim(5000);
    expect(channel.isLost).toBe(true);
    expect(modem.commands.slice(1)).toEqual(['AT+CFUN=4', 'AT+CFUN=1', 'AT+CPIN?']);
  });
});

describe('AtEuiccChannel ICCID', () => {
  it('uses the vendor command', async () => {
    const modem = scriptedModem({ override: (c) => (c === 'AT+QCCID' ? ['+QCCID: 8988228000001234567F', 'OK'] : undefined) });
    const { channel } = await setup(modem, 'quectel');
    expect(await channel.readIccid()).toBe('8988228000001234567');
  });

  it('falls back to AT+CRSM with nibble swap', async () => {
    const modem = scriptedModem({
      override: (c) => (c === 'AT+CRSM=176,12258,0,0,10' ? ['+CRSM: 144,0,"98942000008036496082"', 'OK'] : c === 'AT+CICCID' ? ['ERROR'] : undefined),
    });
    const { channel } = await setup(modem, 'simcom');
    expect(await channel.readIccid()).toBe('89490200000863940628');
    expect(modem.commands).toEqual(['AT+CICCID', 'AT+CRSM=176,12258,0,0,10']);
  });

  it('answers undefined when nothing works', async () => {
    const { channel } = await setup(scriptedModem({}));
    expect(await channel.readIccid()).toBeUndefined();
  });
});
