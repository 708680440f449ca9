/**
 * The link model of the virtual module: what one AT command costs on a real device.
 *
 *   delay = serial(command line) + module latency + eUICC time + serial(answer)
 *   QMI / MBIM message: delay = module latency + eUICC time (USB control transfers: no UART time)
 *   serial(n bytes) = n x 10 / baud seconds (8N1 UART: start + 8 data + stop bits); baud 0 = free
 *   eUICC time = apduMs per APDU the line carries, plus, on the block that completes the function:
 *     AuthenticateServer (BF38) authenticateServerMs, PrepareDownload (BF21) prepareDownloadMs,
 *     each STORE DATA series of the bound profile package (BF36, A0..A3, 86/87/88) bppSequenceMs,
 *     and the block whose answer is the ProfileInstallationResult (BF37) installMs instead.
 *
 * STORE DATA blocks of one ES10 command share a series (P2 = block number, P1 bit 8 = last block);
 * the function is read from the first block's tag and remembered per channel until the last block.
 * The model plugs into `VirtualModem` as its `timing` hook: answers really arrive that much later.
 */

import { blocksNeeded } from '../../src/es10/bpp.js';
import { LpaError } from '../../src/errors.js';
import { concatBytes } from '../../src/util/hex.js';
import type { CommandTiming, TimingHook } from './modem.js';

export interface LinkModel {
  /** UART speed in bit/s; 0 = no serialisation cost (USB-like). */
  baud: number;
  /** Module latency per AT command line (ms). */
  latencyMs: number;
  /** eUICC processing per APDU (ms). */
  apduMs: number;
  /** Extra on the last block of AuthenticateServer (ms). */
  authenticateServerMs: number;
  /** Extra on the last block of PrepareDownload (ms). */
  prepareDownloadMs: number;
  /** Extra on the last block of each STORE DATA series of the BPP (ms). */
  bppSequenceMs: number;
  /** Extra on the block answered with the ProfileInstallationResult, instead of bppSequenceMs (ms). */
  installMs: number;
}

/** What the model learns about one QMI or MBIM request and its answer. */
export interface MessageTiming {
  requestBytes: number;
  answerBytes: number;
  /** APDUs the message carried to the card, with a channel key (e.g. "q1", "m2"). */
  apdus: LineApdu[];
  /** The card's answers (data + SW) sent back in the answer. */
  responses: Uint8Array[];
}

/** Extra delay (ms) before a QMI / MBIM answer. */
export type MessageTimingHook = (m: MessageTiming) => number;

export const DEFAULT_LINK: Readonly<LinkModel> = Object.freeze({
  baud: 115200,
  latencyMs: 5,
  apduMs: 20,
  authenticateServerMs: 300,
  prepareDownloadMs: 300,
  bppSequenceMs: 50,
  installMs: 500,
});

/** `--link` keys -> model fields. */
const KEYS: Record<string, keyof LinkModel> = {
  baud: 'baud',
  latency: 'latencyMs',
  apdu: 'apduMs',
  auth: 'authenticateServerMs',
  prepare: 'prepareDownloadMs',
  bpp: 'bppSequenceMs',
  install: 'installMs',
};

/** Upper bound for any value (ms or baud): keeps a typo from freezing the module for hours. */
const MAX_VALUE = 10_000_000;

export const LINK_SPEC_HELP =
  'baud=<bit/s, 0 = no serialisation cost>,latency=<ms per AT command>,apdu=<ms per APDU>,auth=<ms>,prepare=<ms>,bpp=<ms per BPP series>,install=<ms>';

/**
 * Parses `baud=115200,latency=5,apdu=20,auth=300,prepare=300,bpp=50,install=500` (any subset, in
 * any order; `default` or an empty text = the defaults). Unknown keys and bad numbers are USAGE errors.
 */
export function parseLinkSpec(text: string, base: Readonly<LinkModel> = DEFAULT_LINK): LinkModel {
  const model: LinkModel = { ...base };
  const spec = text.trim();
  if (spec === '' || spec === 'default' || spec === 'on') return model;
  if (spec.length > 400) throw new LpaError('USAGE', 'link settings are too long (at most 400 characters)');
  for (const part of spec.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : item;
    const field = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (eq <= 0 || field === undefined) {
      throw new LpaError('USAGE', `bad link setting "${item.slice(0, 40)}": expected key=value with key one of ${Object.keys(KEYS).join(', ')}`, { setting: item.slice(0, 40) });
    }
    const raw = item.slice(eq + 1).trim();
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value) || value > MAX_VALUE) {
      throw new LpaError('USAGE', `bad link setting ${key}=${raw.slice(0, 20)}: expected a number 0..${MAX_VALUE}`, { setting: key });
    }
    model[field] = value;
  }
  return model;
}

/** The model as `--link` text (round-trips through parseLinkSpec). */
export function formatLinkSpec(m: Readonly<LinkModel>): string {
  return Object.entries(KEYS)
    .map(([k, f]) => `${k}=${m[f]}`)
    .join(',');
}

/** Time (ms) to move `bytes` over the UART at `baud` (10 bits per byte); 0 when baud is 0. */
export function serialMs(bytes: number, baud: number): number {
  return baud > 0 ? (bytes * 10 * 1000) / baud : 0;
}

export type EuiccFunction = 'authenticateServer' | 'prepareDownload' | 'bppSequence' | 'install' | 'other';

/** ES10 function of a STORE DATA series from the first tag of its first block. */
export function functionOfTag(tag: number): EuiccFunction {
  if (tag === 0xbf38) return 'authenticateServer';
  if (tag === 0xbf21) return 'prepareDownload';
  // BF36 header + BF23, then A0/A1/A2/A3 headers and their 86/87/88 elements
  if (tag === 0xbf36 || (tag >= 0xa0 && tag <= 0xa3) || (tag >= 0x86 && tag <= 0x88)) return 'bppSequence';
  return 'other';
}

/** First BER tag (1 or 2 bytes) of `data`, or -1. */
function firstTag(data: Uint8Array): number {
  if (data.length === 0) return -1;
  const b = data[0]!;
  if ((b & 0x1f) !== 0x1f) return b;
  return data.length > 1 ? (b << 8) | data[1]! : -1;
}

/** One APDU found in a command line or message, with the channel key it travels on. */
export interface LineApdu {
  channel: string;
  apdu: Uint8Array;
}

const APDU_RE = /\+(CGLA|CSIM)=\s*(?:"?([0-9A-Za-z]{1,32})"?\s*,)?\s*\d{1,4}\s*,\s*"?([0-9A-Fa-f]{8,1100})"?/g;
const ANSWER_RE = /\+(?:CGLA|CSIM):\s*\d{1,4}\s*,\s*"?([0-9A-Fa-f]{4,1100})"?/g;

/** APDUs of a command line (+CGLA by session id, +CSIM by the CLA's channel). */
export function apdusOfLine(line: string): LineApdu[] {
  const out: LineApdu[] = [];
  for (const m of line.matchAll(APDU_RE)) {
    const hex = m[3]!;
    if (hex.length % 2 !== 0) continue;
    const apdu = new Uint8Array(Buffer.from(hex, 'hex'));
    const cla = apdu[0]!;
    const channel = m[1] === 'CGLA' ? `s${(m[2] ?? '').toLowerCase()}` : `c${cla & 0x40 ? 4 + (cla & 0x0f) : cla & 0x03}`;
    out.push({ channel, apdu });
  }
  return out;
}

/** Response payloads (data + SW, hex upper case) of an answer text. */
export function responsesOfAnswer(answer: string): string[] {
  return [...answer.matchAll(ANSWER_RE)].map((m) => m[1]!.toUpperCase());
}

/** What the model charged, by kind; `totalMs` = sum of the delays it returned. */
export interface LinkTally {
  commands: number;
  apdus: number;
  storeDataBlocks: number;
  bytesToModule: number;
  bytesFromModule: number;
  authenticateServer: number;
  prepareDownload: number;
  bppSequences: number;
  installs: number;
  /** STORE DATA blocks of the last bound profile package (BF36 first block through the installation). */
  bppBlocks: number;
  /** Least blocks of 255 bytes for the BPP sent (blocksNeeded of the reassembled BPP); -1 if it did not parse. */
  bppMinBlocks: number;
  bppBytes: number;
  serialMs: number;
  latencyMs: number;
  euiccMs: number;
  totalMs: number;
}

function emptyTally(): LinkTally {
  return {
    commands: 0,
    apdus: 0,
    storeDataBlocks: 0,
    bytesToModule: 0,
    bytesFromModule: 0,
    authenticateServer: 0,
    prepareDownload: 0,
    bppSequences: 0,
    installs: 0,
    bppBlocks: 0,
    bppMinBlocks: 0,
    bppBytes: 0,
    serialMs: 0,
    latencyMs: 0,
    euiccMs: 0,
    totalMs: 0,
  };
}

/**
 * One charged command or message: when the model priced it (ms since the epoch, with fractions),
 * what it charged (ms) and the eUICC function it completed, else 'storeData' for another STORE DATA
 * block. The bench maps these onto the agent's phases.
 */
export type LinkEvent = [atMs: number, chargedMs: number, completed?: Exclude<EuiccFunction, 'other'> | 'storeData'];

/** Most events kept (a 1 MiB profile is about 4,200 blocks): bounds a server left running for days. */
export const MAX_LINK_EVENTS = 20_000;

/** Counters the floor is computed from (the agent's own and the eUICC function counts). */
export interface FloorCounts {
  atCommands: number;
  bytesToModule: number;
  bytesFromModule: number;
  apdus: number;
  authenticateServer?: number;
  prepareDownload?: number;
  bppSequences?: number;
  installs?: number;
}

/** The module side of the floor: the least time these commands, bytes and eUICC work take (ms). */
export function linkFloorMs(m: Readonly<LinkModel>, c: FloorCounts): number {
  const euicc =
    c.apdus * m.apduMs +
    (c.authenticateServer ?? 0) * m.authenticateServerMs +
    (c.prepareDownload ?? 0) * m.prepareDownloadMs +
    (c.bppSequences ?? 0) * m.bppSequenceMs +
    (c.installs ?? 0) * m.installMs;
  return serialMs(c.bytesToModule + c.bytesFromModule, m.baud) + c.atCommands * m.latencyMs + euicc;
}

/**
 * A link model instance: `hook` is the VirtualModem timing hook; `tally` counts what it charged.
 * State (the function of the open STORE DATA series per channel) lives here, so use one per module.
 */
export class LinkTimer {
  readonly model: Readonly<LinkModel>;
  readonly tally: LinkTally = emptyTally();
  /** What each command or message was charged, in order (at most MAX_LINK_EVENTS). */
  readonly timeline: LinkEvent[] = [];
  /** The eUICC function the command being priced completed. */
  private completed: EuiccFunction | 'storeData' = 'other';
  private readonly series = new Map<string, EuiccFunction>();
  /** Data fields of the BPP's blocks since its BF36 block, to check the splitting against the minimum. */
  private bpp: Uint8Array[] = [];
  readonly hook: TimingHook;
  /** The same model for QMI / MBIM messages (latency per message, no UART time). */
  readonly messageHook: MessageTimingHook;

  constructor(model: Partial<LinkModel> = {}) {
    this.model = Object.freeze({ ...DEFAULT_LINK, ...model });
    this.hook = (c, answer) => this.delayFor(c, answer);
    this.messageHook = (m) => this.delayForMessage(m);
  }

  /** The delay (ms) for one QMI / MBIM request and its answer; updates the tally. */
  delayForMessage(m: MessageTiming): number {
    const t = this.tally;
    t.commands++;
    t.bytesToModule += m.requestBytes;
    t.bytesFromModule += m.answerBytes;
    const installed = m.responses.some((r) => r[0] === 0xbf && r[1] === 0x37);
    const euicc = this.euiccFor(m.apdus, installed);
    t.latencyMs += this.model.latencyMs;
    t.euiccMs += euicc;
    const total = this.model.latencyMs + euicc;
    t.totalMs += total;
    this.record(total);
    return total;
  }

  /** The delay (ms) for one command line and its answer text; updates the tally. */
  delayFor(c: CommandTiming, answer = ''): number {
    const m = this.model;
    const t = this.tally;
    t.commands++;
    t.bytesToModule += c.lineBytes;
    t.bytesFromModule += c.answerBytes;
    const serial = serialMs(c.lineBytes + c.answerBytes, m.baud);
    const euicc = this.euiccMs(c.line, answer);
    t.serialMs += serial;
    t.latencyMs += m.latencyMs;
    t.euiccMs += euicc;
    const total = serial + m.latencyMs + euicc;
    t.totalMs += total;
    this.record(total);
    return total;
  }

  private record(ms: number): void {
    const fn = this.completed;
    this.completed = 'other';
    if (this.timeline.length >= MAX_LINK_EVENTS) return;
    const at = performance.timeOrigin + performance.now();
    this.timeline.push(fn === 'other' ? [at, ms] : [at, ms, fn]);
  }

  private euiccMs(line: string, answer: string): number {
    const apdus = apdusOfLine(line);
    if (apdus.length === 0) return 0;
    return this.euiccFor(apdus, responsesOfAnswer(answer).some((r) => r.startsWith('BF37')));
  }

  private euiccFor(apdus: readonly LineApdu[], installed: boolean): number {
    if (apdus.length === 0) return 0;
    const m = this.model;
    const t = this.tally;
    let ms = 0;
    for (const { channel, apdu } of apdus) {
      t.apdus++;
      ms += m.apduMs;
      if (apdu[1] !== 0xe2 || apdu.length < 4) continue;
      t.storeDataBlocks++;
      if (this.completed === 'other') this.completed = 'storeData';
      const p1 = apdu[2]!;
      const p2 = apdu[3]!;
      const data = apdu.length > 5 ? apdu.subarray(5, 5 + apdu[4]!) : new Uint8Array(0);
      if (p2 === 0 || !this.series.has(channel)) {
        const tag = firstTag(data);
        this.series.set(channel, functionOfTag(tag));
        if (tag === 0xbf36 && p2 === 0) {
          this.bpp = [];
          t.bppBlocks = 0;
        }
      }
      const fn = this.series.get(channel)!;
      if (fn === 'bppSequence') {
        t.bppBlocks++;
        this.bpp.push(data);
      }
      if ((p1 & 0x80) === 0) continue;
      this.series.delete(channel);
      if (fn !== 'other') this.completed = fn === 'bppSequence' && installed ? 'install' : fn;
      if (fn === 'bppSequence' && installed) {
        t.installs++;
        ms += m.installMs;
        this.bppDone();
      } else if (fn === 'bppSequence') {
        t.bppSequences++;
        ms += m.bppSequenceMs;
      } else if (fn === 'authenticateServer') {
        t.authenticateServer++;
        ms += m.authenticateServerMs;
      } else if (fn === 'prepareDownload') {
        t.prepareDownload++;
        ms += m.prepareDownloadMs;
      }
    }
    // the result fetched with GET RESPONSE after a 61xx: the installation is charged there
    if (installed && apdus.every(({ apdu }) => apdu[1] === 0xc0)) {
      this.completed = 'install';
      t.installs++;
      ms += m.installMs;
      this.bppDone();
    }
    return ms;
  }

  private bppDone(): void {
    const bytes = concatBytes(...this.bpp);
    this.bpp = [];
    this.tally.bppBytes = bytes.length;
    try {
      this.tally.bppMinBlocks = blocksNeeded(bytes);
    } catch {
      this.tally.bppMinBlocks = -1;
    }
  }
}

/** A timing hook for `model` (a fresh LinkTimer). */
export function linkTiming(model: Partial<LinkModel> = {}): TimingHook {
  return new LinkTimer(model).hook;
}
