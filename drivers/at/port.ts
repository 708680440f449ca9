/**
 * The serial port under the AT engine: opens it (real binding by default, any serialport binding
 * injectable for tests), splits the byte stream into lines, counts bytes, and turns open failures
 * and disconnects into clear LpaErrors.
 *
 * Events: 'line' (text without terminator), 'close' (LpaError | undefined: why it closed),
 * 'noise' (LpaError: the module sent an over-long line; its bytes were dropped).
 */
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import { ReadlineParser } from '@serialport/parser-readline';
import { LpaError } from '../../src/errors.js';

/** A serialport binding (native, MockBinding, or a test's own). */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]['binding'];

/** Longest line accepted from the module (a +CGLA answer is ~530 characters). */
export const MAX_LINE_CHARS = 16 * 1024;

export interface OpenPortOptions {
  path: string;
  /** Ignored over USB; matters on a real UART. Default 115200. */
  baudRate?: number;
  /** serialport binding; default: the native one (`autoDetect()`). Tests pass MockBinding. */
  binding?: SerialBinding;
  /** Advisory exclusive lock (flock) on the port; default true. */
  lock?: boolean;
  /** Where to look for a running ModemManager; default `/proc`. */
  procRoot?: string;
}

/** The line-oriented port contract the engine uses (SerialAtPort implements it). */
export interface AtLinePort extends EventEmitter {
  readonly isOpen: boolean;
  readonly bytesWritten: number;
  readonly bytesRead: number;
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** True when a process named ModemManager runs (it grabs AT ports and answers probes itself). */
export function isModemManagerRunning(procRoot = '/proc'): boolean {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return false;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(join(procRoot, e, 'comm'), 'utf8').trim() === 'ModemManager') return true;
    } catch {
      // process ended meanwhile, or not readable
    }
  }
  return false;
}

const MM_ADVICE =
  'ModemManager is running and probably holds the port: stop it (`systemctl stop ModemManager`) or tag the port ' +
  'with udev ENV{ID_MM_PORT_IGNORE}="1"';

/** Maps an open failure of the binding to PORT_NOT_FOUND / PORT_BUSY / PORT_MODEMMANAGER / PORT_IO. */
export function mapOpenError(err: unknown, path: string, procRoot = '/proc'): LpaError {
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || /no such file|does not exist/i.test(text)) {
    return new LpaError('PORT_NOT_FOUND', `no such port ${path}; list ports with \`ls /dev/serial/by-id\``, { path }, { cause: err });
  }
  if (code === 'EBUSY' || code === 'EAGAIN' || /busy|cannot lock|is locked|temporarily unavailable/i.test(text)) {
    if (isModemManagerRunning(procRoot)) {
      return new LpaError('PORT_MODEMMANAGER', `port ${path} is in use: ${MM_ADVICE}`, { path }, { cause: err });
    }
    return new LpaError('PORT_BUSY', `port ${path} is in use by another program (${text})`, { path }, { cause: err });
  }
  if (code === 'ENOTTY' || /inappropriate ioctl/i.test(text)) {
    // a character device that is no terminal (/dev/null, a cdc-wdm QMI/MBIM port): the baud rate cannot be set
    return new LpaError('PORT_NOT_FOUND', `${path} is not a serial port (a device without terminal settings); give the module's AT port, or qmi:/mbim: for a cdc-wdm port`, { path }, { cause: err });
  }
  if (code === 'EACCES' || /permission denied/i.test(text)) {
    return new LpaError('PORT_IO', `no permission to open ${path}: add the user to the dialout group or run with access to the port`, { path }, { cause: err });
  }
  return new LpaError('PORT_IO', `cannot open port ${path}: ${text}`, { path }, { cause: err });
}

/** A serial port split into lines (CR LF, bare CR or bare LF all end a line). */
/**
 * The native serial binding, loaded only when a real port is opened (the virtual module and the
 * tests never load it). A missing or wrong-architecture prebuilt binary is a clear PORT_IO error.
 */
async function nativeBinding(): Promise<SerialBinding> {
  try {
    const { autoDetect } = await import('@serialport/bindings-cpp');
    return autoDetect() as unknown as SerialBinding;
  } catch (e) {
    throw new LpaError(
      'PORT_IO',
      `the serial port driver (native module of @serialport/bindings-cpp) could not be loaded for ${process.platform}-${process.arch}: ${(e as Error).message}`,
      {},
      { cause: e },
    );
  }
}

export class SerialAtPort extends EventEmitter implements AtLinePort {
  readonly path: string;
  private readonly stream: SerialPortStream;
  private parser: ReadlineParser;
  private pendingChars = 0;
  private closedFlag = false;
  private written = 0;
  private read = 0;

  private constructor(stream: SerialPortStream, path: string) {
    super();
    this.path = path;
    this.stream = stream;
    this.parser = this.newParser();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('close', (err: Error | null) => {
      this.finish(err ? new LpaError('PORT_CLOSED', `port ${path} disappeared: ${err.message}`, { path }, { cause: err }) : undefined);
    });
    stream.on('error', (err: Error) => {
      this.finish(new LpaError('PORT_CLOSED', `port ${path} failed: ${err.message}`, { path }, { cause: err }));
    });
  }

  static async open(options: OpenPortOptions): Promise<SerialAtPort> {
    const binding = options.binding ?? (await nativeBinding());
    let stream: SerialPortStream;
    try {
      stream = new SerialPortStream({
        binding,
        path: options.path,
        baudRate: options.baudRate ?? 115200,
        lock: options.lock ?? true,
        autoOpen: false,
      });
    } catch (e) {
      throw mapOpenError(e, options.path, options.procRoot);
    }
    await new Promise<void>((resolve, reject) => {
      stream.open((err) => (err ? reject(mapOpenError(err, options.path, options.procRoot)) : resolve()));
    });
    return new SerialAtPort(stream, options.path);
  }

  get isOpen(): boolean {
    return !this.closedFlag && this.stream.isOpen;
  }

  get bytesWritten(): number {
    return this.written;
  }

  get bytesRead(): number {
    return this.read;
  }

  write(text: string): Promise<void> {
    if (!this.isOpen) return Promise.reject(new LpaError('PORT_CLOSED', `port ${this.path} is closed`, { path: this.path }));
    const buf = Buffer.from(text, 'latin1');
    this.written += buf.length;
    return new Promise((resolve, reject) => {
      this.stream.write(buf, (err) => {
        if (err) reject(new LpaError('PORT_CLOSED', `writing to ${this.path} failed: ${err.message}`, { path: this.path }, { cause: err }));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    if (!this.stream.isOpen) {
      this.finish(undefined);
      return;
    }
    await new Promise<void>((resolve) => {
      this.stream.close(() => resolve());
    });
    this.finish(undefined);
  }

  private newParser(): ReadlineParser {
    // CR ends a line; LFs are turned into CRs before the parser, so CR LF, bare CR and bare LF
    // all end a line and the empty lines in between are dropped
    const parser = new ReadlineParser({ delimiter: '\r', encoding: 'latin1' });
    parser.on('data', (text: string) => {
      this.pendingChars = 0;
      const line = text.trim();
      if (line.length > 0) this.emit('line', line);
    });
    return parser;
  }

  private onData(chunk: Buffer): void {
    this.read += chunk.length;
    // bare LF terminators: turn into CR so the readline parser splits on them too
    const data = chunk.includes(0x0a) ? Buffer.from(chunk.map((b) => (b === 0x0a ? 0x0d : b))) : chunk;
    const lastCr = data.lastIndexOf(0x0d);
    this.pendingChars = lastCr >= 0 ? data.length - lastCr - 1 : this.pendingChars + data.length;
    if (this.pendingChars > MAX_LINE_CHARS) {
      // a module streaming garbage without line ends: drop it rather than buffer without bound
      this.parser.removeAllListeners('data');
      this.parser.destroy();
      this.parser = this.newParser();
      this.pendingChars = 0;
      this.emit('noise', new LpaError('AT_BAD_RESPONSE', `module sent a line longer than ${MAX_LINE_CHARS} characters; dropped it`));
      return;
    }
    this.parser.write(data);
  }

  private finish(reason: LpaError | undefined): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.parser.destroy();
    this.emit('close', reason);
  }
}
