import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type { VirtualModem } from './modem.js';

/**
 * A serialport binding that connects a `SerialPortStream` to a `VirtualModem` in-process, so the
 * real AT engine runs over the real serialport stream against the virtual module. A vanishing
 * module (`modem.vanish()`) fails reads and writes with a non-cancel error, which the stream turns
 * into a disconnect (`close` event with `err.disconnected`), as a USB unplug does; opens fail
 * until it reappears.
 */

/** Returns the module behind a path, or undefined if there is no such port. */
export type VirtualModemFactory = (path: string) => VirtualModem | undefined;

class CanceledError extends Error {
  readonly canceled = true;
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

export class VirtualPortBinding implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private data: Buffer = Buffer.alloc(0);
  private pendingRead: ((err?: Error) => void) | undefined;
  private vanishedError: Error | undefined;
  private readonly detach: () => void;
  private readonly onVanish = (): void => this.lose(new Error(`virtual module at ${this.openOptions.path} disconnected (device vanished)`));

  constructor(
    readonly modem: VirtualModem,
    openOptions: Required<OpenOptions>,
    private readonly onClosed: () => void,
  ) {
    this.openOptions = openOptions;
    this.detach = modem.attach((bytes) => this.receive(bytes));
    modem.on('vanish', this.onVanish);
  }

  private receive(bytes: Uint8Array): void {
    if (!this.isOpen || this.vanishedError) return;
    this.data = Buffer.concat([this.data, bytes]);
    this.wakeReader();
  }

  private wakeReader(err?: Error): void {
    const r = this.pendingRead;
    this.pendingRead = undefined;
    if (r) process.nextTick(() => r(err));
  }

  private lose(err: Error): void {
    if (this.vanishedError || !this.isOpen) return;
    this.vanishedError = err;
    this.data = Buffer.alloc(0);
    this.wakeReader(err);
  }

  private check(): void {
    if (this.vanishedError) throw this.vanishedError;
    if (!this.isOpen) throw new Error('Port is not open');
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.detach();
    this.modem.off('vanish', this.onVanish);
    this.data = Buffer.alloc(0);
    this.onClosed();
    this.wakeReader(new CanceledError('port is closed'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    this.check();
    await nextTick();
    if (!this.isOpen) throw new CanceledError('Read canceled');
    this.check();
    if (this.data.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.pendingRead = (err) => (err ? reject(err) : resolve());
      });
      return this.read(buffer, offset, length);
    }
    const n = Math.min(length, this.data.length);
    this.data.copy(buffer, offset, 0, n);
    this.data = this.data.subarray(n);
    return { buffer, bytesRead: n };
  }

  async write(buffer: Buffer): Promise<void> {
    this.check();
    const copy = new Uint8Array(buffer);
    await nextTick();
    if (!this.isOpen) throw new CanceledError('Write canceled');
    this.check();
    this.modem.input(copy);
  }

  async update(options: UpdateOptions): Promise<void> {
    if (typeof options?.baudRate !== 'number') throw new TypeError('"options.baudRate" is not a number');
    this.check();
    this.openOptions.baudRate = options.baudRate;
  }

  async set(_options: SetOptions): Promise<void> {
    this.check();
  }

  async get(): Promise<PortStatus> {
    this.check();
    return { cts: true, dsr: true, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.check();
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.check();
    this.data = Buffer.alloc(0);
  }

  async drain(): Promise<void> {
    this.check();
    await nextTick();
  }
}

export interface VirtualBinding extends BindingInterface<VirtualPortBinding, OpenOptions> {
  /** Paths opened so far through this binding (for `list()`), plus any given up front. */
  readonly knownPaths: Set<string>;
}

/**
 * Creates the binding: `open({ path })` asks `factory(path)` for the module (return the same
 * instance to keep its state across reopens). Ports lock like the native binding: a second open
 * of an open path fails unless `lock: false`.
 */
export function createVirtualBinding(factory: VirtualModemFactory, paths: string[] = []): VirtualBinding {
  const open = new Map<string, number>();
  const knownPaths = new Set(paths);
  return {
    knownPaths,
    async list(): Promise<PortInfo[]> {
      return [...knownPaths].map((path) => ({
        path,
        manufacturer: 'lpa-agent virtual module',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      }));
    },
    async open(options: OpenOptions): Promise<VirtualPortBinding> {
      if (!options || typeof options !== 'object' || !options.path) throw new TypeError('"path" is not a valid port');
      if (!options.baudRate) throw new TypeError('"baudRate" is not a valid baudRate');
      await nextTick();
      const modem = factory(options.path);
      if (!modem || modem.vanished) throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
      const lock = options.lock ?? true;
      if (lock && (open.get(options.path) ?? 0) > 0) throw new Error('Error Resource temporarily unavailable Cannot lock port');
      knownPaths.add(options.path);
      const full: Required<OpenOptions> = {
        dataBits: 8,
        lock,
        stopBits: 1,
        parity: 'none',
        rtscts: false,
        xon: false,
        xoff: false,
        xany: false,
        hupcl: true,
        ...options,
      };
      open.set(options.path, (open.get(options.path) ?? 0) + 1);
      return new VirtualPortBinding(modem, full, () => open.set(options.path, Math.max(0, (open.get(options.path) ?? 1) - 1)));
    },
  };
}
