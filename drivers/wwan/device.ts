/**
 * Opens a QMI/MBIM character device (/dev/cdc-wdmN, /dev/wwanNmbimN, or a pty standing in for one)
 * as a byte link.
 *
 * Node has no API for polling a character device: fs reads park a libuv threadpool thread until
 * data arrives, and a parked read keeps the process alive after close. So the descriptor is handed
 * to a libuv pipe handle (epoll, like a socket; cdc-wdm implements poll), which closes cleanly.
 * Where the runtime no longer exposes that handle, non-blocking reads are polled on a timer.
 */
import { closeSync, constants, fstatSync, openSync, read, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { LpaError } from '../../src/errors.js';
import type { ByteLink } from './link.js';
import { streamLink } from './link.js';

interface PipeHandle {
  open(fd: number): number;
}
type PipeCtor = new (type: number) => PipeHandle;

function pipeHandleClass(): { Pipe: PipeCtor; SOCKET: number } | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): { Pipe: PipeCtor; constants: { SOCKET: number } } }).binding('pipe_wrap');
    return typeof binding.Pipe === 'function' ? { Pipe: binding.Pipe, SOCKET: binding.constants.SOCKET } : undefined;
  } catch {
    return undefined;
  }
}

function openError(path: string, e: NodeJS.ErrnoException): LpaError {
  switch (e.code) {
    case 'ENOENT':
    case 'ENXIO':
    case 'ENODEV':
      return new LpaError('PORT_NOT_FOUND', `${path} does not exist (is the module plugged in? ls /dev/cdc-wdm* /dev/wwan*)`, { path }, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new LpaError('PORT_IO', `no permission to open ${path}: run as root or give the service user access to the device`, { path }, { cause: e });
    case 'EBUSY':
      return new LpaError('PORT_BUSY', `${path} is busy (another program holds it)`, { path }, { cause: e });
    default:
      return new LpaError('PORT_IO', `cannot open ${path}: ${e.message}`, { path }, { cause: e });
  }
}

const MEMORY_DEVICES_MAJOR = 1;

export interface DeviceLinkOptions {
  /** Skip the pipe handle and poll (tests of the fallback). */
  forcePolling?: boolean;
}

/** Opens `path` read-write, non-blocking, never as a controlling terminal. */
export function openDeviceLink(path: string, opts: DeviceLinkOptions = {}): ByteLink {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (e) {
    throw openError(path, e as NodeJS.ErrnoException);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) {
      throw new LpaError('PORT_IO', `${path} is not a character device (expected /dev/cdc-wdmN or /dev/wwanNmbimN)`, { path });
    }
    // Linux major 1 = the memory devices (/dev/null, /dev/zero, /dev/random, ...): epoll refuses
    // them, which libuv answers by aborting the process
    if (Math.floor(st.rdev / 256) % 4096 === MEMORY_DEVICES_MAJOR) {
      throw new LpaError('PORT_IO', `${path} is one of the kernel memory devices (/dev/null, /dev/zero, ...), not a QMI or MBIM port (expected /dev/cdc-wdmN or /dev/wwanNmbimN)`, { path });
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const pipe = opts.forcePolling ? undefined : pipeHandleClass();
  if (pipe) {
    const handle = new pipe.Pipe(pipe.SOCKET);
    const err = handle.open(fd);
    if (err === 0) {
      const socket = new Socket({ handle, readable: true, writable: true } as unknown as ConstructorParameters<typeof Socket>[0]);
      return streamLink(socket, path);
    }
  }
  return pollingLink(fd, path);
}

/** Reads a non-blocking descriptor on a timer: quick while data flows, slower when idle. */
function pollingLink(fd: number, path: string): ByteLink {
  const dataListeners: ((b: Uint8Array) => void)[] = [];
  const closeListeners: ((r: string) => void)[] = [];
  const buf = Buffer.alloc(4096);
  let closed = false;
  let reason = 'closed';
  let idle = 0;
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  const end = (why: string): void => {
    if (closed) return;
    closed = true;
    reason = why;
    if (timer) clearTimeout(timer);
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    for (const l of closeListeners.splice(0)) l(why);
  };
  const schedule = (): void => {
    if (closed || reading) return;
    timer = setTimeout(poll, Math.min(50, 1 + idle * 2));
    // an idle device never keeps the process alive
    timer.unref();
  };
  const poll = (): void => {
    if (closed) return;
    reading = true;
    read(fd, buf, 0, buf.length, null, (e, n) => {
      reading = false;
      if (closed) return;
      if (e && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK')) {
        idle++;
        return schedule();
      }
      if (e) return end(`${path}: ${e.code ?? e.message}`);
      if (n === 0) return end(`${path} closed`);
      idle = 0;
      const chunk = new Uint8Array(buf.subarray(0, n));
      for (const l of dataListeners) l(chunk);
      poll();
    });
  };
  schedule();
  return {
    description: path,
    get closed() {
      return closed;
    },
    write(bytes) {
      if (closed) throw new LpaError('PORT_CLOSED', `${path} is closed (${reason})`);
      let off = 0;
      for (let tries = 0; off < bytes.length && tries < 1000; tries++) {
        try {
          off += writeSync(fd, bytes, off);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw new LpaError('PORT_IO', `write to ${path} failed: ${(e as Error).message}`, { path }, { cause: e });
        }
      }
      idle = 0;
    },
    writeNow(bytes) {
      if (closed) return false;
      try {
        return writeSync(fd, bytes) === bytes.length;
      } catch {
        return false;
      }
    },
    onData(l) {
      dataListeners.push(l);
    },
    onClose(l) {
      if (closed) l(reason);
      else closeListeners.push(l);
    },
    async close() {
      end('closed');
    },
  };
}
