/**
 * Reaching qmi-proxy / mbim-proxy (libqmi, libmbim; ModemManager shares modems through them).
 *
 * Both listen on an abstract unix socket (`@qmi-proxy`, `@mbim-proxy`, exact-length address).
 * Node 20's libuv connects to a zero-padded 108-byte name instead and is refused, so: a native
 * connect first (runtimes whose libuv connects abstract names exactly), then a `socat` bridge
 * process, then a clear error saying what to install.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { LpaError } from '../../src/errors.js';
import { streamLink, type ByteLink } from './link.js';

export type ProxyName = 'qmi-proxy' | 'mbim-proxy';

/** `auto`: through the proxy when it runs; `never`: open the device; `always`: the proxy or fail. */
export type ProxyMode = 'auto' | 'never' | 'always';

export const PROXY_ENV = 'LPA_AGENT_WWAN_PROXY';

/**
 * Deadline of the proxy's open step (its first message: "open this device"), shorter than a normal
 * request (10 s): a proxy that already holds the device answers at once, one that opens it needs a
 * moment; a device it cannot open makes it close the connection (seen at once), and a device that
 * does not answer it must not hold the agent for half a minute.
 */
export const PROXY_OPEN_DEADLINE_MS = 7000;

/** The open step's deadline for a connection whose requests wait `requestTimeoutMs` (tests use short ones). */
export function proxyOpenDeadline(requestTimeoutMs?: number): number {
  return Math.min(PROXY_OPEN_DEADLINE_MS, requestTimeoutMs ?? PROXY_OPEN_DEADLINE_MS);
}

/** The mode from the option, else `LPA_AGENT_WWAN_PROXY`, else auto. */
export function proxyMode(given?: ProxyMode, env: NodeJS.ProcessEnv = process.env): ProxyMode {
  if (given) return given;
  const v = (env[PROXY_ENV] ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'never' || v === 'off' || v === 'no' || v === '0') return 'never';
  if (v === 'always' || v === 'on' || v === 'yes' || v === '1') return 'always';
  // an environment variable: a configuration error (exit 3), as for every LPA_AGENT_* setting
  throw new LpaError('CONFIG_INVALID', `${PROXY_ENV}="${v.slice(0, 20)}": expected auto, never or always`);
}

/** True when a process listens on the abstract socket `@name` (from /proc/net/unix). */
export function proxyListening(name: ProxyName, procRoot = '/proc'): boolean {
  let table: string;
  try {
    table = readFileSync(`${procRoot}/net/unix`, 'latin1');
  } catch {
    return false;
  }
  // the path is the last column; listening sockets have state 01 and flag __SO_ACCEPTCON (00010000)
  return table.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols.length >= 8 && cols[cols.length - 1] === `@${name}` && cols[3] === '00010000';
  });
}

function nativeConnect(name: ProxyName, timeoutMs: number): Promise<ByteLink | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ path: `\0${name}` });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(streamLink(socket, name));
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
  });
}

export interface ProxyConnectOptions {
  /** socat executable for the bridge (default `socat` on PATH). */
  socatPath?: string;
  /** Skip the native attempt (tests of the bridge). */
  bridgeOnly?: boolean;
}

const INSTALL_HINT = 'install socat (Debian/Ubuntu: apt-get install socat) or run a Node.js whose libuv connects abstract unix sockets';

/** A `socat STDIO ABSTRACT-CONNECT:<name>` child: its stdout/stdin are the link. */
function bridge(name: ProxyName, socatPath: string): Promise<ByteLink> {
  return new Promise((resolve, reject) => {
    const child = spawn(socatPath, ['STDIO', `ABSTRACT-CONNECT:${name}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 2048) stderr += d;
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new LpaError('PORT_IO', `${name} is running, but this Node.js cannot connect to its abstract socket and socat is not installed: ${INSTALL_HINT}`, { hint: INSTALL_HINT }, { cause: e })
          : new LpaError('PORT_IO', `cannot start socat to reach ${name}: ${e.message}`, {}, { cause: e }),
      );
    });
    child.once('spawn', () => {
      const stop = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end();
          const t = setTimeout(() => child.kill('SIGTERM'), 500);
          await exited;
          clearTimeout(t);
        }
      };
      const link = streamLink(child.stdout, `${name} (via socat)`, stop, child.stdin);
      child.once('exit', (code) => {
        if (code) child.stdout.destroy(new Error(`socat exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
      });
      resolve(link);
    });
  });
}

/** Connects to the proxy's abstract socket: natively where possible, else through socat. */
export async function connectProxy(name: ProxyName, opts: ProxyConnectOptions = {}): Promise<ByteLink> {
  if (!opts.bridgeOnly) {
    const native = await nativeConnect(name, 2000);
    if (native) return native;
  }
  return bridge(name, opts.socatPath ?? 'socat');
}
