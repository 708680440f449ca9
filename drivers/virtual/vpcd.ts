/**
 * A virtual card for vsmartcard's `vpcd` reader driver: the card side of its TCP protocol, so a
 * real pcscd presents a `VirtualCard` (the virtual eUICC) as a card in the reader "Virtual PCD 00 0N".
 *
 * Protocol (vpcd listens, by default on 35963 for slot 0 and 35964 for slot 1; the card connects):
 * every message both ways is a 2-byte big-endian length and that many bytes. A 1-byte message from
 * vpcd is a control: 0x00 power off, 0x01 power on, 0x02 reset, 0x04 "send the ATR" (the only one
 * answered). Anything longer is a command APDU, answered with the response APDU. While connected
 * the reader shows a card; closing the connection removes it, connecting again inserts it.
 */
import { Socket } from 'node:net';
import type { VirtualCard } from '../../src/sim/card.js';
import { LpaError } from '../../src/errors.js';
import { fromHex } from '../../src/util/hex.js';

/** vpcd's port for its first reader slot ("Virtual PCD 00 00"); the second slot is one above. */
export const VPCD_PORT = 35963;

export const VPCD_CONTROL = { POWER_OFF: 0x00, POWER_ON: 0x01, RESET: 0x02, GET_ATR: 0x04 } as const;

/**
 * ATR of the virtual eUICC: a UICC's ATR (the sysmoISIM-SJA5 test card) offering T=0 first, then
 * T=15; pcscd selects T=0, which is what lpac insists on.
 */
export const VIRTUAL_CARD_ATR = fromHex('3B9F96801F878031E073FE211B674A357530350265F8');

/** Largest message the 2-byte length allows. */
const MAX_FRAME = 0xffff;

export type VpcdCardEvent =
  | { type: 'waiting'; error: string }
  | { type: 'inserted' }
  | { type: 'removed'; reason: 'refresh' | 'request' | 'vpcd' | 'stop' }
  | { type: 'power-on' }
  | { type: 'power-off' }
  | { type: 'reset' };

export interface VpcdCardOptions {
  card: VirtualCard;
  /** vpcd's address; default 127.0.0.1:35963. */
  host?: string;
  port?: number;
  atr?: Uint8Array;
  /**
   * How long the card stays out of the reader after it asked for a REFRESH (e.g. after
   * EnableProfile), default 1000 ms: longer than pcscd's presence poll (~0.4 s), so pcscd and every
   * client see the card leave and come back, as a reader shows a card that was reset.
   */
  refreshOutMs?: number;
  /** Pause between connection attempts while vpcd does not listen; default 500 ms. */
  retryMs?: number;
  onEvent?: (event: VpcdCardEvent) => void;
}

export interface VpcdCardStats {
  insertions: number;
  apdus: number;
  powerOns: number;
  powerOffs: number;
  resets: number;
  atrRequests: number;
  refreshes: number;
}

/** `host:port` (IPv6 in brackets) -> parts; port defaults to vpcd's. */
export function parseVpcdAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2] ?? '';
  const port = m?.[3] === undefined ? VPCD_PORT : Number(m[3]);
  if (!m || host === '' || port < 1 || port > 65535) {
    throw new LpaError('USAGE', `--vpcd ${text}: expected <host>:<port>, e.g. 127.0.0.1:${VPCD_PORT}`);
  }
  return { host, port };
}

/** Puts the 2-byte length in front of a payload. */
export function vpcdFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_FRAME) throw new LpaError('APDU_INVALID', `vpcd message of ${payload.length} bytes (at most ${MAX_FRAME})`);
  const out = Buffer.alloc(2 + payload.length);
  out.writeUInt16BE(payload.length, 0);
  out.set(payload, 2);
  return out;
}

/** Splits a byte stream into vpcd messages; keeps a partial one for the next chunk. */
export class VpcdFrameReader {
  private buf = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: Uint8Array[] = [];
    while (this.buf.length >= 2) {
      const n = this.buf.readUInt16BE(0);
      if (this.buf.length < 2 + n) break;
      out.push(new Uint8Array(this.buf.subarray(2, 2 + n)));
      this.buf = this.buf.subarray(2 + n);
    }
    return out;
  }

  clear(): void {
    this.buf = Buffer.alloc(0);
  }
}

/**
 * Keeps a `VirtualCard` inserted in a vpcd reader: connects (retrying while vpcd is not there),
 * answers controls and APDUs, shows a REFRESH the card asks for as the card leaving and coming
 * back, and reconnects when vpcd drops the connection (pcscd restarted).
 */
export class VpcdCard {
  readonly host: string;
  readonly port: number;
  readonly atr: Uint8Array;
  private readonly card: VirtualCard;
  private readonly opts: VpcdCardOptions;
  private socket: Socket | undefined;
  private readonly reader = new VpcdFrameReader();
  private timer: NodeJS.Timeout | undefined;
  /** The card should be in the reader (false after remove() and close()). */
  private wanted = false;
  private closed = false;
  private connected = false;
  private poweredSinceInsert = false;
  private refreshPending = false;
  private lastError = '';
  private waiters: (() => void)[] = [];
  private readonly counters: VpcdCardStats = { insertions: 0, apdus: 0, powerOns: 0, powerOffs: 0, resets: 0, atrRequests: 0, refreshes: 0 };

  constructor(opts: VpcdCardOptions) {
    this.opts = opts;
    this.card = opts.card;
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? VPCD_PORT;
    this.atr = opts.atr ?? VIRTUAL_CARD_ATR;
    this.card.onRefreshRequested = () => {
      this.refreshPending = true;
    };
  }

  /** True while connected to vpcd (the reader shows the card). */
  get inserted(): boolean {
    return this.connected;
  }

  stats(): VpcdCardStats {
    return { ...this.counters };
  }

  /** Inserts the card: connects to vpcd now and keeps retrying until it listens. */
  insert(): void {
    if (this.closed) return;
    this.wanted = true;
    if (!this.socket && !this.timer) this.connect();
  }

  /** True once pcscd powered the card up after the last insertion: clients can see it. */
  get seen(): boolean {
    return this.connected && this.poweredSinceInsert;
  }

  /**
   * Resolves once the card is in the reader (connected to vpcd) and, with `seen`, once pcscd has
   * powered it up (then its clients see the card); rejects after `timeoutMs`.
   */
  waitInserted(timeoutMs = 10_000, seen = false): Promise<void> {
    if (seen ? this.seen : this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        const where = `vpcd at ${this.host}:${this.port}`;
        reject(
          this.connected
            ? new LpaError('PCSC_UNAVAILABLE', `${where} took the card but pcscd did not power it up within ${timeoutMs} ms`)
            : new LpaError('PCSC_UNAVAILABLE', `${where} did not take the card within ${timeoutMs} ms${this.lastError ? ` (${this.lastError})` : ''}: is pcscd running with vsmartcard-vpcd (apt-get install pcscd vsmartcard-vpcd)?`),
        );
      }, timeoutMs);
      const done = (): void => {
        if (seen && !this.seen) return;
        this.waiters = this.waiters.filter((w) => w !== done);
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  /** Takes the card out of the reader until insert(). */
  remove(): void {
    this.wanted = false;
    this.drop('request');
  }

  /** Takes the card out for `outMs`, then puts it back (a REFRESH does this). */
  reinsert(outMs: number, reason: 'refresh' | 'request' = 'request'): void {
    this.drop(reason);
    if (this.closed) return;
    this.wanted = true;
    this.schedule(outMs);
  }

  /** Removes the card and stops for good. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wanted = false;
    const s = this.socket;
    this.drop('stop');
    if (s && !s.destroyed) await new Promise<void>((r) => s.once('close', () => r()));
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private emit(event: VpcdCardEvent): void {
    try {
      this.opts.onEvent?.(event);
    } catch {
      // a listener's failure is not the card's
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.wanted && !this.socket && !this.closed) this.connect();
    }, ms);
  }

  private connect(): void {
    const socket = new Socket();
    this.socket = socket;
    this.reader.clear();
    socket.on('connect', () => {
      socket.setNoDelay(true);
      this.connected = true;
      this.counters.insertions++;
      this.lastError = '';
      this.card.reset();
      this.poweredSinceInsert = false;
      this.emit({ type: 'inserted' });
      this.wake();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const msg of this.reader.push(chunk)) this.handle(socket, msg);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const text = e.code ?? e.message;
      if (!this.connected && text !== this.lastError) this.emit({ type: 'waiting', error: text });
      this.lastError = text;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      const was = this.connected;
      this.socket = undefined;
      this.connected = false;
      if (was) {
        this.card.reset();
        this.emit({ type: 'removed', reason: 'vpcd' });
      }
      if (this.wanted && !this.closed) this.schedule(this.opts.retryMs ?? 500);
    });
    socket.connect(this.port, this.host);
  }

  /** Closes the connection (the reader shows no card) without scheduling a reconnect. */
  private drop(reason: 'refresh' | 'request' | 'stop'): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const s = this.socket;
    if (!s) return;
    const was = this.connected;
    this.socket = undefined;
    this.connected = false;
    // flush the last answer, then close: vpcd's next read sees the card gone
    s.end(() => s.destroy());
    this.card.reset();
    if (was) this.emit({ type: 'removed', reason });
  }

  /** Power off, power on and reset all clear the card's volatile state (channels, sessions). */
  private power(counter: 'powerOffs' | 'powerOns' | 'resets', type: 'power-off' | 'power-on' | 'reset'): void {
    this.counters[counter]++;
    this.card.reset();
    this.emit({ type });
    this.wake();
  }

  private handle(socket: Socket, msg: Uint8Array): void {
    if (msg.length === 0) return;
    if (msg.length === 1) {
      switch (msg[0]) {
        case VPCD_CONTROL.GET_ATR:
          this.counters.atrRequests++;
          socket.write(vpcdFrame(this.atr));
          return;
        case VPCD_CONTROL.POWER_OFF:
          return this.power('powerOffs', 'power-off');
        case VPCD_CONTROL.POWER_ON:
          this.poweredSinceInsert = true;
          return this.power('powerOns', 'power-on');
        case VPCD_CONTROL.RESET:
          return this.power('resets', 'reset');
        default:
          // unknown control: vpcd expects no answer
          return;
      }
    }
    this.counters.apdus++;
    let resp: Uint8Array;
    try {
      resp = this.card.transmit(msg);
    } catch {
      resp = Uint8Array.of(0x6f, 0x00);
    }
    socket.write(vpcdFrame(resp));
    if (this.refreshPending) {
      this.refreshPending = false;
      this.counters.refreshes++;
      this.reinsert(this.opts.refreshOutMs ?? 1000, 'refresh');
    }
  }
}

/** For messages: the reader pcscd shows for a vpcd slot port (Debian's reader.conf: "Virtual PCD"). */
export function vpcdReaderName(port: number): string | undefined {
  const slot = port - VPCD_PORT;
  return slot === 0 || slot === 1 ? `Virtual PCD 00 0${slot}` : undefined;
}
