/**
 * Test rig for the QMI / MBIM transports: the virtual module with its QMI (and MBIM) port on real
 * pseudo-terminals, tool checks for libqmi-utils / libmbim-utils, and the real qmi-proxy /
 * mbim-proxy started (and stopped) by the test that needs them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageTimingHook } from '../../../drivers/virtual/link.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { serveOnPty, type PtyServer } from '../../../drivers/virtual/pty.js';
import type { Quirks } from '../../../drivers/virtual/quirks.js';
import { VirtualMbimEndpoint } from '../../../drivers/virtual/mbim/endpoint.js';
import { VirtualQmiEndpoint } from '../../../drivers/virtual/qmi/endpoint.js';
import type { VendorName } from '../../../drivers/virtual/vendors.js';
import { proxyListening, type ProxyName } from '../../../drivers/wwan/proxy.js';
import type { VirtualCard } from '../../../src/sim/card.js';
import { openVirtualEuicc, type VirtualEuicc } from '../../../src/sim/euicc/index.js';

/** True when `cmd --version` (socat: `-V`) runs. */
export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, [cmd === 'socat' ? '-V' : '--version'], { stdio: 'ignore' }).status === 0;
}

export const PROXY_BIN: Record<ProxyName, string> = { 'qmi-proxy': '/usr/libexec/qmi-proxy', 'mbim-proxy': '/usr/libexec/mbim-proxy' };

export function hasProxy(name: ProxyName): boolean {
  return existsSync(PROXY_BIN[name]) && process.getuid?.() === 0;
}

export function tempDir(prefix = 'lpa-wwan-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface VirtualPorts {
  modem: VirtualModem;
  card: VirtualCard;
  euicc?: VirtualEuicc;
  qmi: VirtualQmiEndpoint;
  qmiPath: string;
  mbim: VirtualMbimEndpoint;
  mbimPath: string;
  close(): Promise<void>;
}

export interface VirtualPortsOptions {
  dir: string;
  vendor?: VendorName;
  quirks?: Partial<Quirks>;
  card?: VirtualCard;
  statePath?: string;
  timing?: MessageTimingHook;
  /** Client ids per QMI service the module hands out (default 10). */
  maxClients?: number;
  /** The MBIM port's wMaxControlMessage (default 4096). */
  mbimMax?: number;
}

/** The virtual module (virtual eUICC unless `card` is given) with its QMI and MBIM ports on ptys in `dir`. */
export async function virtualPorts(o: VirtualPortsOptions): Promise<VirtualPorts> {
  const euicc = o.card ? undefined : openVirtualEuicc(o.statePath ? { statePath: o.statePath } : {});
  const card = o.card ?? euicc!;
  const modem = new VirtualModem({ card, vendor: o.vendor ?? 'quectel', quirks: { simResetMs: 100, ...o.quirks } });
  const qmi = new VirtualQmiEndpoint({ modem, ...(o.timing ? { timing: o.timing } : {}), ...(o.maxClients ? { maxClientsPerService: o.maxClients } : {}) });
  const servers: PtyServer[] = [];
  const qmiPath = join(o.dir, 'qmi');
  servers.push(await serveOnPty({ ptyPath: qmiPath, endpoint: qmi }));
  const mbim = new VirtualMbimEndpoint({ modem, ...(o.timing ? { timing: o.timing } : {}), ...(o.mbimMax ? { maxControlTransfer: o.mbimMax } : {}) });
  const mbimPath = join(o.dir, 'mbim');
  servers.push(await serveOnPty({ ptyPath: mbimPath, endpoint: mbim }));
  return {
    modem,
    card,
    ...(euicc ? { euicc } : {}),
    qmi,
    qmiPath,
    mbim,
    mbimPath,
    async close() {
      for (const s of servers) await s.close();
      qmi.dispose();
      mbim.dispose();
      modem.dispose();
    },
  };
}

export interface RunningProxy {
  /** False when one was already running (then it is left alone). */
  owned: boolean;
  stop(): Promise<void>;
}

/** Starts the real proxy (root only) unless one listens already; stops only what it started. */
export async function startProxy(name: ProxyName): Promise<RunningProxy> {
  if (proxyListening(name)) return { owned: false, stop: async () => undefined };
  const child: ChildProcess = spawn(PROXY_BIN[name], ['--empty-timeout=120'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 200 && !proxyListening(name); i++) await new Promise((r) => setTimeout(r, 25));
  if (!proxyListening(name)) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not start listening`);
  }
  return {
    owned: true,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** How a scripted proxy (fakeProxy) treats its client's first message. */
export type FakeProxyMode = 'close' | 'silent';

/**
 * A scripted qmi-proxy / mbim-proxy for fault tests, without the real one (its abstract socket is
 * global, so only test/integration/proxies.test.ts starts that): a /proc whose net/unix shows the
 * proxy listening, and a "socat" that is the proxy itself on its stdio. `close`: reads the open
 * request and closes the connection without a reply, as the real proxies do with a device they
 * cannot open; `silent`: reads and never answers. Pass `{ proxy: 'always', bridgeOnly: true, ...fake }`.
 */
export function fakeProxy(dir: string, name: ProxyName, mode: FakeProxyMode): { procRoot: string; socatPath: string } {
  const procRoot = join(dir, `proc-${mode}`);
  mkdirSync(join(procRoot, 'net'), { recursive: true });
  writeFileSync(join(procRoot, 'net', 'unix'), `Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01 26049 @${name}\n`);
  const script = join(dir, `fake-${name}-${mode}.mjs`);
  writeFileSync(
    script,
    mode === 'close'
      ? "process.stdin.once('data', () => process.exit(0));\n"
      : "process.stdin.on('data', () => undefined);\nprocess.stdin.on('end', () => process.exit(0));\n",
  );
  const socatPath = join(dir, `fake-${name}-${mode}.sh`);
  writeFileSync(socatPath, `#!/bin/sh\nexec '${process.execPath}' '${script}'\n`, { mode: 0o755 });
  return { procRoot, socatPath };
}
