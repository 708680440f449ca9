/**
 * Test helper: a tiny scripted modem behind @serialport/binding-mock. A binding wrapper hands every
 * command line the program writes to a responder, which answers with lines (sent as a real module
 * does: `\r\n<line>\r\n`), raw text, or nothing. Not a virtual modem: each test scripts what it needs.
 */
import { SerialPortMock } from 'serialport';
import type { SerialBinding } from '../../../drivers/at/port.js';

/** @serialport/binding-mock's MockBinding (re-exported by serialport, whose types resolve under NodeNext). */
const MockBinding = SerialPortMock.binding;

/** What this helper uses of binding-mock's MockPortBinding. */
interface MockPortBinding {
  isOpen: boolean;
  recording: Buffer;
  emitData(data: Buffer | string): void;
  write(buffer: Buffer): Promise<void>;
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
}

/** What the responder returns: lines to send, raw text, or null/undefined for silence. */
export type Reply = string[] | { raw: string } | null | undefined;
export type Responder = (command: string, modem: ScriptedModem) => Reply;

let counter = 0;

export function frame(lines: string[]): string {
  return lines.map((l) => `\r\n${l}\r\n`).join('');
}

export class ScriptedModem {
  readonly path: string;
  readonly binding: SerialBinding;
  /** Every command line received, in order (without CR). */
  readonly commands: string[] = [];
  respond: Responder;
  /** Echo each command back before answering (ATE1 behaviour) until ATE0 is seen. */
  echo = false;
  private port: MockPortBinding | undefined;
  private rx = '';
  private readonly readRejects = new Set<(e: Error) => void>();

  constructor(respond: Responder, options: { echo?: boolean } = {}) {
    counter++;
    this.path = `/dev/mockmodem${counter}`;
    this.respond = respond;
    this.echo = options.echo ?? false;
    MockBinding.createPort(this.path, { echo: false, record: true });
    const open = MockBinding.open.bind(MockBinding);
    this.binding = {
      ...MockBinding,
      open: async (opts: Parameters<typeof open>[0]) => {
        const p = (await open(opts)) as MockPortBinding;
        this.attach(p);
        return p;
      },
    } as unknown as SerialBinding;
  }

  /** Sends text to the program (URCs, late answers): lines framed like a module does. */
  emitLines(...lines: string[]): void {
    this.emitRaw(frame(lines));
  }

  emitRaw(text: string): void {
    if (this.port?.isOpen) this.port.emitData(Buffer.from(text, 'latin1'));
  }

  /** Everything the program wrote, as text. */
  get written(): string {
    return this.port ? this.port.recording.toString('latin1') : '';
  }

  /** The tty disappears (USB re-enumeration): pending reads fail like a real disconnect. */
  vanish(): void {
    for (const rej of this.readRejects) rej(new Error('device disconnected (EIO)'));
    this.readRejects.clear();
  }

  private attach(p: MockPortBinding): void {
    this.port = p;
    const write = p.write.bind(p);
    p.write = async (buf: Buffer) => {
      await write(buf);
      this.onWrite(buf.toString('latin1'));
    };
    const read = p.read.bind(p);
    p.read = (buffer: Buffer, offset: number, length: number) =>
      new Promise((resolve, reject) => {
        this.readRejects.add(reject);
        read(buffer, offset, length).then(
          (r: { buffer: Buffer; bytesRead: number }) => {
            this.readRejects.delete(reject);
            resolve(r);
          },
          (e: unknown) => {
            this.readRejects.delete(reject);
            reject(e);
          },
        );
      });
  }

  private onWrite(text: string): void {
    this.rx += text;
    let i: number;
    while ((i = this.rx.indexOf('\r')) >= 0) {
      const cmd = this.rx.slice(0, i).replace(/^\n/, '');
      this.rx = this.rx.slice(i + 1);
      this.commands.push(cmd);
      const echo = this.echo ? `${cmd}\r` : '';
      if (/^ATE0/i.test(cmd)) this.echo = false;
      const reply = this.respond(cmd, this);
      const body = reply == null ? '' : Array.isArray(reply) ? frame(reply) : reply.raw;
      if (echo || body) setImmediate(() => this.emitRaw(echo + body));
    }
  }
}
