import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPcsc } from '../../../drivers/pcsc/binding.js';
import { listPcscReaders, openPcscTransport, ReaderWatch } from '../../../drivers/pcsc/index.js';
import { VIRTUAL_CARD_ATR, VpcdCard } from '../../../drivers/virtual/vpcd.js';
import { sendEs10 } from '../../../src/apdu/storeData.js';
import { decodeGetEidResponse, encodeGetEidRequest } from '../../../src/es10/getEid.js';
import { isLpaError } from '../../../src/errors.js';
import { openVirtualEuicc } from '../../../src/sim/euicc/index.js';
import { startSmdp, type SmdpServer } from '../../../src/sim/smdp/index.js';
import { toHex } from '../../../src/util/hex.js';
import { jsonLines, pcscdEnv, runCli, startCli } from '../../cli/run.js';
import { PlainCard, StrictT0Card } from './cards.js';
import { pcscChainMissing, VPCD_READERS } from './env.js';

const EID = '89049032123451234512345678901235';
const BOOTSTRAP = '8988307000000000016';
const PROFILE = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
const PROFILE_ICCID = '8949449999999990049';
const ISDR_AID = 'A0000005591010FFFFFFFF8900000100';

const missing = await pcscChainMissing();
// .ci/run installs and starts everything: there a skip would hide a broken chain
if (missing && process.env.LPA_TEST_REQUIRE_PCSC) throw new Error(`PC/SC chain tests required (LPA_TEST_REQUIRE_PCSC) but missing ${missing}`);
if (missing) console.log(`skipped: PC/SC chain tests (virtual eUICC -> vpcd -> pcscd -> lpa-agent): missing ${missing}`);
const hasOpensc = !missing && spawnSync('opensc-tool', ['--version'], { stdio: 'ignore' }).error === undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until pcscd shows the reader with (or without) a card. */
async function readerShows(name: string, present: boolean): Promise<void> {
  const watch = await ReaderWatch.start();
  try {
    for (let i = 0; i < 100 && watch.state(name)?.present !== present; i++) await sleep(50);
    expect(watch.state(name)?.present).toBe(present);
  } finally {
    watch.close();
  }
}

/**
 * The whole chain with real processes: `lpa-agent serve-card` puts the virtual eUICC into vpcd's
 * first reader inside the real pcscd; another lpa-agent process reaches it with --device pcsc
 * (pcsc-mini -> libpcsclite -> pcscd), and opensc-tool talks to the same card as an independent
 * PC/SC client.
 */
// a download through vpcd is ~45 ms per APDU (7 s alone); leave room for a loaded CI machine
describe.skipIf(missing !== undefined)('virtual eUICC -> vpcd -> pcscd -> lpa-agent --device pcsc', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-pcsc-'));
  const state = join(dir, 'euicc.json');
  const reader = VPCD_READERS[0];
  let card: ChildProcess | undefined;
  let cardOutput: () => string = () => '';
  let smdp: SmdpServer;

  beforeAll(async () => {
    smdp = await startSmdp();
    const s = await startCli(['serve-card', '--vpcd', '127.0.0.1:35963', '--state', state], (o) => o.includes('ready'));
    card = s.child;
    cardOutput = s.output;
    await readerShows(reader, true);
  });

  afterAll(async () => {
    if (card && card.exitCode === null) {
      const exited = new Promise((r) => card!.once('exit', r));
      card.kill('SIGKILL');
      await exited;
    }
    await smdp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (device: string, ...args: string[]) => {
    const r = await runCli(['--json', '--device', device, '--ca', smdp.caFile, '--connect-to', smdp.connectTo, ...args], { timeoutMs: 150_000, env: pcscdEnv() });
    const lines = jsonLines(r.stdout);
    const last = lines.at(-1)!;
    return { code: r.code, lines, data: last.data as Record<string, any>, error: last.error as Record<string, any> | undefined, stderr: r.stderr };
  };

  it('without pcscd: one line naming what to start', async () => {
    // libpcsclite finds pcscd by this socket: point it nowhere
    const r = await runCli(['--device', 'pcsc', 'eid'], { env: { PCSCLITE_CSOCK_NAME: join(dir, 'no-pcscd.comm') } });
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/pcscd is not running .*start pcscd/);
  });

  it('eid, info and profiles by reader name, index and the only reader with a card', async () => {
    const eid = await runCli(['--device', `pcsc:${reader}`, 'eid'], { env: pcscdEnv() });
    expect(eid.stderr).toBe('');
    expect(eid.stdout.trim()).toBe(EID);
    expect((await runCli(['--device', 'pcsc:0', 'eid'], { env: pcscdEnv() })).stdout.trim()).toBe(EID);
    // two vpcd readers, one holds a card: plain `pcsc` picks it
    const info = await cli('pcsc', 'info');
    expect(info.error).toBeUndefined();
    expect(info.data.module).toMatchObject({ device: `pcsc:${reader}`, vendor: 'pcsc', transport: 'pcsc', chosen: 'given' });
    expect(info.data.eid).toBe(EID);
    const p = await cli('pcsc:PCD 00 00', 'profiles');
    expect(p.data.profiles).toEqual([expect.objectContaining({ iccid: BOOTSTRAP, state: 'enabled' })]);
  });

  it('devices lists both vpcd readers, only the one with an eUICC counts for auto; JSON has the card facts as fields', async () => {
    const r = await runCli(['--json', 'devices'], { timeoutMs: 60_000, env: pcscdEnv() });
    const result = jsonLines(r.stdout).find((l) => l.type === 'result') as { data: { readers: { name: string; euicc: boolean; note?: string }[] } };
    const readers = result.data.readers.filter((x) => x.name.startsWith('Virtual PCD'));
    expect(readers).toEqual([
      { name: reader, device: `pcsc:${reader}`, cardPresent: true, atr: toHex(VIRTUAL_CARD_ATR), euicc: true, eid: EID, note: expect.stringContaining(`EID ${EID}`) },
      { name: 'Virtual PCD 00 01', device: 'pcsc:Virtual PCD 00 01', cardPresent: false, euicc: false, note: 'no card' },
    ]);
  });

  it('downloads from the local SM-DP+ over TLS and enables, riding out the REFRESH', async () => {
    const trace = join(dir, 'trace.log');
    const r = await cli(`pcsc:${reader}`, '--trace', trace, 'download', '--smdp', smdp.address, '--matching-id', PROFILE, '--enable');
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(0);
    expect(r.data).toMatchObject({ iccid: PROFILE_ICCID, enabled: true });
    // PC/SC: no AT commands; every transmit (GET RESPONSE included) is one request
    expect(r.data.stats.atCommands).toBe(0);
    expect(r.data.stats.requests).toBe(r.data.stats.apdus);
    expect(r.data.stats.storeDataBlocks).toBeGreaterThan(60);
    expect(r.data.stats.httpsRequests).toBeGreaterThan(3);
    const traced = readFileSync(trace, 'utf8');
    expect(traced).toMatch(/ >> 0070000001\n/);
    expect(traced).toMatch(new RegExp(` >> 0[1-3]A4040010${ISDR_AID}\\n`));
    // the enable made the card leave the reader and come back
    expect(cardOutput()).toMatch(/REFRESH/);
    const p = await cli(`pcsc:${reader}`, 'profiles');
    const states = Object.fromEntries((p.data.profiles as { iccid: string; state: string }[]).map((x) => [x.iccid, x.state]));
    expect(states).toEqual({ [BOOTSTRAP]: 'disabled', [PROFILE_ICCID]: 'enabled' });
    // serve-card keeps the eUICC in its state file
    expect(readFileSync(state, 'utf8')).toContain(PROFILE_ICCID);
  });

  it('enables the bootstrap profile again and the next command finds the card back', async () => {
    const r = await cli(`pcsc:${reader}`, 'enable', BOOTSTRAP, '--no-notify');
    expect(r.error).toBeUndefined();
    const p = await cli(`pcsc:${reader}`, 'profiles');
    expect((p.data.profiles as { iccid: string; state: string }[]).find((x) => x.iccid === BOOTSTRAP)?.state).toBe('enabled');
  });

  it.skipIf(!hasOpensc)('opensc-tool reads the ATR and the EID through the same pcscd', async () => {
    await readerShows(reader, true);
    const atr = spawnSync('opensc-tool', ['--reader', '0', '--atr'], { encoding: 'utf8', timeout: 20_000 });
    expect(atr.stdout.replace(/[^0-9A-Fa-f]/g, '').toUpperCase()).toContain(toHex(VIRTUAL_CARD_ATR));
    // its own logical channel: MANAGE CHANNEL, SELECT ISD-R, GetEID (opensc fetches 61xx itself)
    const send = spawnSync(
      'opensc-tool',
      ['--reader', '0', '-s', '0070000001', '-s', `01A4040010${ISDR_AID}`, '-s', '81E2910006BF3E035C015A00', '-s', '0070800100'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(send.status, send.stderr).toBe(0);
    expect(send.stdout.match(/Received \(SW1=0x90, SW2=0x00\)/g)).toHaveLength(4);
    // response data lines: hex bytes, then an ASCII column
    const data = send.stdout
      .split('\n')
      .map((l) => /^((?:[0-9A-F]{2} )+)/.exec(l)?.[1] ?? '')
      .join('')
      .replace(/ /g, '');
    expect(data).toContain(`BF3E125A10${EID}`);
  });

  it('serve-card stops cleanly on SIGTERM; the reader is then empty and lpa-agent says so', async () => {
    const exited = new Promise<number | null>((r) => card!.once('exit', (code) => r(code)));
    card!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(cardOutput()).toMatch(/virtual card stopped/);
    await readerShows(reader, false);
    const r = await runCli(['--device', `pcsc:${reader}`, 'eid'], { env: pcscdEnv() });
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no card in reader "Virtual PCD 00 00"/);
  });
});

/**
 * The driver in-process against a stricter card in vpcd's second reader: 6Cxx and GET RESPONSE on
 * every answer, a reset by another PC/SC program, the card taken out and put back.
 */
describe.skipIf(missing !== undefined)('PC/SC driver against a strict T=0 card in the second vpcd reader', () => {
  const reader = VPCD_READERS[1];
  const strict = new StrictT0Card(openVirtualEuicc());
  let vpcd: VpcdCard;

  beforeAll(async () => {
    vpcd = new VpcdCard({ card: strict, port: 35964, refreshOutMs: 600 });
    vpcd.insert();
    await vpcd.waitInserted(10_000, true);
    await readerShows(reader, true);
  });

  afterAll(async () => {
    await vpcd?.close();
  });

  const getEid = async (channel: Parameters<typeof sendEs10>[0]) => decodeGetEidResponse(await sendEs10(channel, encodeGetEidRequest())).eid;

  it('opens with MANAGE CHANNEL + SELECT (6Cxx resend), fetches 61xx with GET RESPONSE on the channel, counts transmits', async () => {
    strict.log.length = 0;
    const t = await openPcscTransport(reader);
    try {
      expect(t.label).toBe(`pcsc:${reader}`);
      await t.channel.open();
      expect(await getEid(t.channel)).toBe(EID);
      const ch = Number((t.channel as unknown as { channelId: string }).channelId);
      // MANAGE CHANNEL -> 6101 -> GET RESPONSE on the basic channel
      expect(strict.log.slice(0, 2)).toEqual(['0070000001', '00C0000001']);
      // SELECT without Le -> 6Cxx -> the same SELECT with Le -> 61xx -> GET RESPONSE
      expect(strict.log.slice(2, 4)).toEqual([`0${ch}A4040010${ISDR_AID}`, expect.stringMatching(new RegExp(`^0${ch}A4040010${ISDR_AID}[0-9A-F]{2}$`))]);
      expect(strict.clas(0xe2)).toEqual([0x80 | ch]);
      // after the one on the basic channel, every GET RESPONSE carries the channel
      expect(strict.clas(0xc0).slice(1).every((c) => (c & 0x03) === ch)).toBe(true);
      const stats = t.channel.stats();
      expect(stats.requests).toBe(strict.log.length);
      expect(stats.atCommands).toBe(0);
    } finally {
      await t.close();
    }
    // closed its channel on the way out
    expect(strict.log.at(-1)).toMatch(/^0070800[1-9]00$/);
  });

  it('a reset by another PC/SC program: the driver reconnects, reopens and resends', async () => {
    const t = await openPcscTransport(reader);
    const pcsc = await loadPcsc();
    const watch = await ReaderWatch.start();
    try {
      await t.channel.open();
      expect(await getEid(t.channel)).toBe(EID);
      const other = await watch.reader(reader)!.connect(pcsc.CardMode.SHARED);
      await other.disconnect(pcsc.CardDisposition.RESET);
      const opensBefore = strict.log.filter((h) => h === '0070000001').length;
      // the other program's reset closed our channel: the next command reopens it by itself
      expect(await getEid(t.channel)).toBe(EID);
      expect(strict.log.filter((h) => h === '0070000001').length).toBe(opensBefore + 1);
    } finally {
      watch.close();
      await t.close();
    }
  });

  it('the card taken out: a clear error after the wait; put back: the next command reopens', async () => {
    const t = await openPcscTransport(reader, { channel: { cardReadyTimeoutMs: 1500 } });
    try {
      await t.channel.open();
      expect(await getEid(t.channel)).toBe(EID);
      vpcd.remove();
      await readerShows(reader, false);
      const err = await getEid(t.channel).catch((e: unknown) => e);
      expect(isLpaError(err, 'SIM_NOT_READY')).toBe(true);
      expect((err as Error).message).toMatch(/no card came back in reader "Virtual PCD 00 01".*insert the eUICC/);
      vpcd.insert();
      await vpcd.waitInserted(10_000, true);
      await t.channel.waitSimReady(10_000);
      expect(await getEid(t.channel)).toBe(EID);
    } finally {
      await t.close();
    }
  });

  it('settleAfterSwitch rides out a REFRESH shown as the card leaving and coming back', async () => {
    const t = await openPcscTransport(reader);
    try {
      await t.channel.open();
      expect(await getEid(t.channel)).toBe(EID);
      const insertions = vpcd.stats().insertions;
      // a disable with refresh makes the eUICC ask for a REFRESH (as EnableProfile does)
      vpcd.reinsert(600, 'refresh');
      await t.channel.settleAfterSwitch(20_000);
      expect(vpcd.stats().insertions).toBe(insertions + 1);
      expect(await getEid(t.channel)).toBe(EID);
    } finally {
      await t.close();
    }
  });

  it('listPcscReaders: names, ATR, and whether an eUICC answers', async () => {
    const list = await listPcscReaders();
    const entry = list.find((r) => r.name === reader)!;
    expect(entry).toMatchObject({ device: `pcsc:${reader}`, cardPresent: true, atr: toHex(VIRTUAL_CARD_ATR), euicc: true, eid: EID });
    expect(list.map((r) => r.index)).toEqual(list.map((_, i) => i));
    // a card without an ISD-R is listed as such, without a problem
    await vpcd.close();
    const plain = new VpcdCard({ card: new PlainCard(), port: 35964, atr: Uint8Array.of(0x3b, 0x00) });
    vpcd = plain;
    plain.insert();
    await plain.waitInserted(10_000, true);
    await readerShows(reader, true);
    const again = (await listPcscReaders()).find((r) => r.name === reader)!;
    expect(again).toMatchObject({ cardPresent: true, atr: '3B00', euicc: false });
    expect(again.problem).toBeUndefined();
  });
});
