/**
 * The readers pcscd knows: a monitoring client of the binding, the current reader list with card
 * presence, and picking the reader a `pcsc[:<reader>]` spec names.
 */
import { LpaError } from '../../src/errors.js';
import { loadPcsc, pcscError, type PcscClient, type PcscModule, type PcscReader } from './binding.js';

/** How long the reader list must stay unchanged after start before it counts as complete. */
const DEFAULT_SETTLE_MS = 150;
/** The binding reports nothing at all when pcscd has no reader: give up waiting after this. */
const DEFAULT_FIRST_EVENT_MS = 500;

export interface ReaderState {
  name: string;
  /** A card is in the reader (powered or not). */
  present: boolean;
  /** Another program holds the card exclusively. */
  exclusive: boolean;
  /** The card does not answer (no ATR). */
  mute: boolean;
}

export interface ReaderWatchOptions {
  /** Quiet time that ends the initial enumeration (default 150 ms). */
  settleMs?: number;
  /** Binding package to load (tests: a missing one). */
  packageName?: string;
}

/**
 * A running PC/SC monitoring client: the readers in pcscd's order, with card presence kept up to
 * date from reader events. `close()` stops the client (and its thread).
 */
export class ReaderWatch {
  readonly pcsc: PcscModule;
  private readonly client: PcscClient;
  private readonly states = new Map<string, ReaderState>();
  private readonly listeners = new Set<() => void>();
  private lastEventAt = 0;
  private failure: LpaError | undefined;
  private stopped = false;

  private constructor(pcsc: PcscModule, client: PcscClient) {
    this.pcsc = pcsc;
    this.client = client;
  }

  /** Starts monitoring and waits until pcscd has reported its readers. */
  static async start(opts: ReaderWatchOptions = {}): Promise<ReaderWatch> {
    const pcsc = await loadPcsc(opts.packageName);
    let client: PcscClient;
    try {
      client = new pcsc.Client();
    } catch (e) {
      throw pcscError(e, undefined, 'create a PC/SC client');
    }
    const watch = new ReaderWatch(pcsc, client);
    const S = pcsc.ReaderStatus;
    client.on('reader', (reader: PcscReader) => {
      const name = reader.name();
      watch.lastEventAt = Date.now();
      if (!watch.states.has(name)) watch.states.set(name, { name, present: false, exclusive: false, mute: false });
      reader.on('change', (status) => {
        watch.lastEventAt = Date.now();
        watch.states.set(name, { name, present: status.has(S.PRESENT), exclusive: status.has(S.EXCLUSIVE), mute: status.has(S.MUTE) });
        watch.notify();
      });
      reader.on('disconnect', () => {
        watch.states.delete(name);
        watch.notify();
      });
      watch.notify();
    });
    client.on('error', (e) => {
      watch.failure = pcscError(e, undefined, 'watch the readers');
      watch.notify();
    });
    try {
      client.start();
    } catch (e) {
      throw pcscError(e, undefined, 'connect to pcscd');
    }
    const settle = opts.settleMs ?? DEFAULT_SETTLE_MS;
    const started = Date.now();
    // the binding reports every reader at start, one event each, with no "done" marker: wait until
    // the list has been quiet for a moment (or no reader came at all)
    for (;;) {
      await sleep(Math.max(10, Math.floor(settle / 3)));
      if (watch.failure) {
        watch.close();
        throw watch.failure;
      }
      const now = Date.now();
      if (watch.lastEventAt === 0 ? now - started >= Math.max(DEFAULT_FIRST_EVENT_MS, settle) : now - watch.lastEventAt >= settle) break;
    }
    return watch;
  }

  /** The readers pcscd currently lists, in its order. */
  readers(): ReaderState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  state(name: string): ReaderState | undefined {
    const s = this.states.get(name);
    return s ? { ...s } : undefined;
  }

  /** The binding's reader object (for connecting), while the reader is there. */
  reader(name: string): PcscReader | undefined {
    return this.client.reader(name);
  }

  /** Set when pcscd went away under the monitoring client. */
  get error(): LpaError | undefined {
    return this.failure;
  }

  /** Calls `fn` on every change of the reader list or a reader's state; returns the unsubscriber. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.client.stop();
    } catch {
      // pcscd may be gone already
    }
    this.listeners.clear();
  }

  private notify(): void {
    for (const fn of [...this.listeners]) fn();
  }
}

/**
 * The reader a `pcsc[:<reader>]` spec names: a 0-based index, the exact name, or a part of the name
 * (case-insensitive) that matches one reader. Without a name: the only reader, else the only one
 * holding a card.
 */
export function pickReader(readers: readonly ReaderState[], wanted: string | undefined): ReaderState {
  const list = readers.map((r, i) => `${i}: "${r.name}"${r.present ? ' (card)' : ''}`).join(', ');
  if (readers.length === 0) {
    throw new LpaError('READER_NOT_FOUND', 'pcscd lists no card reader: plug one in (or, for rehearsal, run "lpa-agent serve-card" with vsmartcard-vpcd)');
  }
  if (wanted === undefined) {
    if (readers.length === 1) return readers[0]!;
    const withCard = readers.filter((r) => r.present);
    if (withCard.length === 1) return withCard[0]!;
    throw new LpaError('READER_NOT_FOUND', `${readers.length} readers${withCard.length > 1 ? ` hold cards` : ', none holds a card'}: pick one with --device pcsc:<name or index> (${list})`, { readers: readers.map((r) => r.name) });
  }
  const text = wanted.trim();
  if (/^\d+$/.test(text)) {
    const r = readers[Number(text)];
    if (r) return r;
    throw new LpaError('READER_NOT_FOUND', `there is no reader ${text}: pcscd lists ${readers.length} (${list})`, { readers: readers.map((x) => x.name) });
  }
  const exact = readers.find((r) => r.name === text);
  if (exact) return exact;
  const matches = readers.filter((r) => r.name.toLowerCase().includes(text.toLowerCase()));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const withCard = matches.filter((r) => r.present);
    if (withCard.length === 1) return withCard[0]!;
    throw new LpaError('READER_NOT_FOUND', `"${text}" matches ${matches.length} readers: give the full name or an index (${list})`, { readers: readers.map((x) => x.name) });
  }
  throw new LpaError('READER_NOT_FOUND', `no reader named "${text}": pcscd lists ${list}`, { readers: readers.map((x) => x.name) });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
