/**
 * A raw pseudo-terminal for the simulators: clients (the agent, minicom, qmicli, other LPAs) open
 * `linkPath`, a symbolic link to the pty's slave; the simulator reads and writes the master.
 *
 * Made with the prebuilt `@lydell/node-pty` binding (no compiler, no socat). The slave is put in
 * raw mode (no echo, no CR/LF translation, 8 bits) so binary protocols (QMI, MBIM) pass unchanged,
 * and this process keeps a slave descriptor open so a client closing and reopening the link never
 * hangs the master up. Where that binding is unavailable (a platform without a prebuilt binary),
 * `socat` makes the pair instead, as before. A link left behind by a killed server is removed when
 * the process that made it is gone (`<link>.pid`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ReadStream } from 'node:tty';
import { LpaError } from '../../src/errors.js';
import { pidAlive } from '../../src/util/pid.js';

export interface PtyLink {
  /** The path clients open (a symlink to the pty slave). */
  readonly path: string;
  /** How the pair was made. */
  readonly via: 'node-pty' | 'socat';
  /** Bytes a client wrote. */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Sends bytes to the client (dropped when none has the link open). */
  write(bytes: Uint8Array): void;
  /** Removes the link and releases the pty. Idempotent. */
  close(): Promise<void>;
}

export interface PtyLinkOptions {
  /** socat executable for the fallback (default `socat` on PATH). */
  socatPath?: string;
  /** Skip node-pty and use socat (tests of the fallback). */
  forceSocat?: boolean;
  /** How long socat may take to create the links (default 5 s). */
  startTimeoutMs?: number;
}

const SOCAT_HINT = 'install socat (Debian/Ubuntu: apt-get install socat; macOS: brew install socat)';

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

let nativePty: NativePty | null | undefined;

/** The node-pty native binding, or null when this platform has no prebuilt binary. */
function loadNativePty(): NativePty | null {
  if (nativePty !== undefined) return nativePty;
  try {
    const require = createRequire(import.meta.url);
    const { requireBinary } = require('@lydell/node-pty/requireBinary.js') as { requireBinary(f: string): NativePty };
    nativePty = requireBinary('pty.node');
  } catch {
    nativePty = null;
  }
  return nativePty;
}

function pathExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses a link another live server owns; removes one whose owner is dead (or that points
 * nowhere), so a killed `serve-modem` can simply be started again.
 */
function claimLinkPath(linkPath: string): void {
  if (!pathExists(linkPath)) return;
  let owner: number | undefined;
  try {
    owner = Number.parseInt(readFileSync(`${linkPath}.pid`, 'utf8'), 10);
  } catch {
    owner = undefined;
  }
  let dangling = false;
  try {
    dangling = lstatSync(linkPath).isSymbolicLink() && !existsSync(linkPath);
  } catch {
    dangling = true;
  }
  const ownerDead = owner !== undefined && Number.isInteger(owner) && owner > 0 && !pidAlive(owner);
  if (!dangling && !ownerDead) {
    throw new LpaError('PORT_BUSY', `${linkPath} already exists (another serve-modem running${owner ? ` as pid ${owner}` : ''}?)`, { path: linkPath });
  }
  let isLink = false;
  try {
    isLink = lstatSync(linkPath).isSymbolicLink();
  } catch {
    isLink = false;
  }
  if (!isLink) throw new LpaError('PORT_BUSY', `${linkPath} exists and is not a link this server made; remove it or choose another path`, { path: linkPath });
  rmSync(linkPath, { force: true });
  rmSync(`${linkPath}.pid`, { force: true });
}

/** Puts a pty slave in raw mode: opening it with the serialport binding applies cfmakeraw. */
async function makeRaw(ptsPath: string): Promise<void> {
  const { autoDetect } = await import('@serialport/bindings-cpp');
  const port = await autoDetect().open({ path: ptsPath, baudRate: 115200, lock: false });
  await port.close();
}

async function openWithNodePty(native: NativePty, linkPath: string): Promise<PtyLink> {
  const { master, slave, pty } = native.open(80, 24);
  try {
    await makeRaw(pty);
    symlinkSync(pty, linkPath);
  } catch (e) {
    closeSync(master);
    closeSync(slave);
    throw new LpaError('PORT_IO', `cannot create the pseudo-terminal link ${linkPath}: ${(e as Error).message}`, { path: linkPath }, { cause: e });
  }
  writeFileSync(`${linkPath}.pid`, `${process.pid}\n`);
  const stream = new ReadStream(master);
  stream.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  return {
    path: linkPath,
    via: 'node-pty',
    onData(listener) {
      stream.on('data', (d: Buffer) => listener(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    },
    write(bytes) {
      if (!stream.destroyed) stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    },
    close() {
      closing ??= (async () => {
        rmSync(linkPath, { force: true });
        rmSync(`${linkPath}.pid`, { force: true });
        await new Promise<void>((resolve) => {
          if (stream.destroyed) return resolve();
          stream.once('close', () => resolve());
          stream.destroy();
        });
        try {
          closeSync(slave);
        } catch {
          // already closed
        }
      })();
      return closing;
    },
  };
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
          ? new LpaError('PORT_IO', `no pseudo-terminal support: the @lydell/node-pty binding is not available on this platform and socat was not found; ${SOCAT_HINT}`, { hint: SOCAT_HINT }, { cause: err })
          : new LpaError('PORT_IO', `could not start socat: ${err.message}`, {}, { cause: err }),
      );
    const onExit = (code: number | null): void =>
      finish(new LpaError('PORT_IO', `socat exited (code ${code}) before creating ${paths[0]}: ${stderr().trim().split('\n').slice(-2).join(' ')}`));
    child.on('error', onError);
    child.on('exit', onExit);
    const timer = setInterval(() => {
      if (paths.every((p) => pathExists(p) && existsSync(p))) finish();
      else if (Date.now() - started > timeoutMs) finish(new LpaError('PORT_IO', `socat did not create ${paths.join(' and ')} within ${timeoutMs} ms`));
    }, 10);
  });
}

async function openWithSocat(linkPath: string, opts: PtyLinkOptions): Promise<PtyLink> {
  const peerPath = `${linkPath}.peer`;
  const child = spawn(opts.socatPath ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${linkPath}`, `pty,raw,echo=0,link=${peerPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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
    await waitForLinks(child, [linkPath, peerPath], opts.startTimeoutMs ?? 5000, () => stderr);
  } catch (e) {
    await stopSocat().catch(() => undefined);
    throw e;
  }
  writeFileSync(`${linkPath}.pid`, `${child.pid ?? process.pid}\n`);
  const { SerialPort } = await import('serialport');
  const peer = new SerialPort({ path: peerPath, baudRate: 115200, autoOpen: false, lock: false });
  try {
    await new Promise<void>((resolve, reject) => peer.open((err) => (err ? reject(err) : resolve())));
  } catch (e) {
    await stopSocat();
    rmSync(`${linkPath}.pid`, { force: true });
    throw new LpaError('PORT_IO', `cannot open pty peer ${peerPath}: ${(e as Error).message}`, {}, { cause: e });
  }
  peer.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  return {
    path: linkPath,
    via: 'socat',
    onData(listener) {
      peer.on('data', (d: Buffer) => listener(new Uint8Array(d.buffer, d.byteOffset, d.length)));
    },
    write(bytes) {
      if (peer.isOpen) peer.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    },
    close() {
      closing ??= (async () => {
        if (peer.isOpen) await new Promise<void>((resolve) => peer.close(() => resolve()));
        await stopSocat();
        rmSync(`${linkPath}.pid`, { force: true });
      })();
      return closing;
    },
  };
}

/** Creates a raw pty whose slave clients open at `linkPath` (see the file comment). */
export async function openPtyLink(linkPath: string, opts: PtyLinkOptions = {}): Promise<PtyLink> {
  claimLinkPath(linkPath);
  const native = opts.forceSocat ? null : loadNativePty();
  return native ? openWithNodePty(native, linkPath) : openWithSocat(linkPath, opts);
}

/** True when `openPtyLink` can work without socat (the prebuilt node-pty binding loads). */
export function hasNativePty(): boolean {
  return loadNativePty() !== null;
}
