import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadPcsc } from '../../../drivers/pcsc/binding.js';
import { ReaderWatch } from '../../../drivers/pcsc/readers.js';

/** The readers vpcd adds to pcscd (slot 0 on port 35963, slot 1 on 35964). */
export const VPCD_READERS = ['Virtual PCD 00 00', 'Virtual PCD 00 01'] as const;

/** pcscd's client socket (pcsc-lite on Debian). */
export const PCSCD_SOCKET = '/run/pcscd/pcscd.comm';
/** vsmartcard's reader driver and its reader.conf entry (Debian vsmartcard-vpcd). */
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const VPCD_CONF = '/etc/reader.conf.d/vpcd';

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
  return r.error === undefined;
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * What the PC/SC chain tests need: the binding with libpcsclite, pcscd with the vpcd reader
 * driver, and a running pcscd. When pcscd is installed but not running and we are root, starts it
 * (`pcscd --auto-exit`: it leaves by itself a minute after its last client; pcscd refuses to run
 * twice, so concurrent test files cannot start two). Returns what is missing, or undefined.
 */
export async function pcscChainMissing(): Promise<string | undefined> {
  try {
    await loadPcsc();
  } catch (e) {
    return `the PC/SC binding (${(e as Error).message})`;
  }
  if (!existsSync(VPCD_DRIVER) || !existsSync(VPCD_CONF)) return 'the vpcd reader driver (apt-get install vsmartcard-vpcd)';
  if (!has('pcscd', ['--version'])) return 'pcscd (apt-get install pcscd)';
  if (!existsSync(PCSCD_SOCKET)) {
    if (process.getuid?.() !== 0) return `a running pcscd (no ${PCSCD_SOCKET}; start it as root: pcscd)`;
    spawnSync('pcscd', ['--auto-exit'], { stdio: 'ignore', timeout: 10_000 });
    if (!(await waitFor(() => existsSync(PCSCD_SOCKET), 10_000))) return `a running pcscd (starting "pcscd --auto-exit" made no ${PCSCD_SOCKET})`;
  }
  try {
    const watch = await ReaderWatch.start();
    const names = watch.readers().map((r) => r.name);
    watch.close();
    if (!VPCD_READERS.every((n) => names.includes(n))) return `the vpcd readers in the running pcscd (it lists ${names.join(', ') || 'none'}; restart pcscd after installing vsmartcard-vpcd)`;
  } catch (e) {
    return `a working pcscd (${(e as Error).message})`;
  }
  return undefined;
}

export function hasTool(cmd: string, args: string[] = ['--version']): boolean {
  return has(cmd, args);
}
