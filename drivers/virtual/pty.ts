import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { LpaError } from '../../src/errors.js';
import type { VirtualModem } from './modem.js';

/**
 * Serves a VirtualModem on a pseudo-terminal pair made by socat: `<ptyPath>` is the end a client
 * (the agent, minicom, another LPA) opens; `<ptyPath>.peer` is opened here with the real
 * serialport binding and carries the module's side of the conversation.
 */

export interface PtyServerOptions {
  ptyPath: string;
  modem: VirtualModem;
  /** socat executable (default `socat` on PATH). */
  socatPath?: string;
  /** How long to wait for socat to create both links (default 5 s). */
  startTimeoutMs?: number;
}

export interface PtyServer {
  /** The path clients open. */
  readonly path: string;
  /** Stops serving: closes the peer port and ends socat (its links disappear). Idempotent. */
  close(): Promise<void>;
}

const SOCAT_HINT = 'install socat (Debian/Ubuntu: apt-get install socat; macOS: brew install socat)';

function linkExists(p: string): boolean {
  try {
    lstatSync(p);
    return existsSync(p);
  } catch {
    return false;
  }
}

function waitForLinks(child: ChildProcess, paths: string[], timeoutMs: number, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(
        err.code === 'ENOENT'
          ? new LpaError('PORT_IO', `socat was not found: ${SOCAT_HINT}`, { hint: SOCAT_HINT }, { cause: err })
          : new LpaError('PORT_IO', `could not start socat: ${err.message}`, {}, { cause: err }),
      );
    const onExit = (code: number | null): void =>
      finish(new LpaError('PORT_IO', `socat exited (code ${code}) before creating ${paths[0]}: ${stderr().trim().split('\n').slice(-2).join(' ')}`));
    child.on('error', onError);
    child.on('exit', onExit);
    const timer = setInterval(() => {
      if (paths.every(linkExists)) finish();
      else if (Date.now() - started > timeoutMs) {
        finish(new LpaError('PORT_IO', `socat did not create ${paths.join(' and ')} within ${timeoutMs} ms`));
      }
    }, 10);
  });
}

function openPeer(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port: SerialPort = new SerialPort({ path, baudRate: 115200, autoOpen: false, lock: false });
    port.open((err) => (err ? reject(new LpaError('PORT_IO', `cannot open pty peer ${path}: ${err.message}`, {}, { cause: err })) : resolve(port)));
  });
}

export async function serveModemOnPty(opts: PtyServerOptions): Promise<PtyServer> {
  const { ptyPath, modem } = opts;
  const peerPath = `${ptyPath}.peer`;
  if (linkExists(ptyPath)) throw new LpaError('PORT_BUSY', `${ptyPath} already exists (another serve-modem running?)`);
  const child = spawn(
    opts.socatPath ?? 'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${ptyPath}`, `pty,raw,echo=0,link=${peerPath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopSocat = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitForLinks(child, [ptyPath, peerPath], opts.startTimeoutMs ?? 5000, () => stderr);
  } catch (e) {
    await stopSocat().catch(() => undefined);
    throw e;
  }
  let peer: SerialPort;
  try {
    peer = await openPeer(peerPath);
  } catch (e) {
    await stopSocat();
    throw e;
  }
  const detach = modem.attach((bytes) => {
    if (peer.isOpen) peer.write(Buffer.from(bytes));
  });
  peer.on('data', (d: Buffer) => modem.input(new Uint8Array(d)));
  peer.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  return {
    path: ptyPath,
    close(): Promise<void> {
      closing ??= (async () => {
        detach();
        if (peer.isOpen) await new Promise<void>((resolve) => peer.close(() => resolve()));
        await stopSocat();
      })();
      return closing;
    },
  };
}
