/**
 * Which processes run (ModemManager, qmi-proxy, mbim-proxy, pppd...) and which device nodes they
 * hold open, from /proc. A process whose fd table we may not read (another user's, without root)
 * is still seen by name; its open files are then unknown.
 */
import { readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { attr, list } from './sysfs.js';
import type { ProcessRef } from './types.js';

export interface ProcessScan {
  /** pids of processes named ModemManager. */
  modemManager: number[];
  /** Device name under /dev (ttyUSB2, cdc-wdm0) -> processes holding it open. */
  holders: Map<string, ProcessRef[]>;
}

const MAX_PROCESSES = 4096;
const MAX_FDS = 1024;

export function scanProcesses(procRoot: string): ProcessScan {
  const scan: ProcessScan = { modemManager: [], holders: new Map() };
  const pids = list(procRoot).filter((e) => /^\d+$/.test(e)).slice(0, MAX_PROCESSES);
  for (const p of pids) {
    const name = attr(join(procRoot, p), 'comm');
    if (name === undefined) continue;
    const pid = Number(p);
    if (name === 'ModemManager') scan.modemManager.push(pid);
    const fdDir = join(procRoot, p, 'fd');
    for (const fd of list(fdDir).slice(0, MAX_FDS)) {
      let target: string;
      try {
        target = readlinkSync(join(fdDir, fd));
      } catch {
        continue;
      }
      if (!target.startsWith('/dev/') || target.startsWith('/dev/pts/') || target === '/dev/null') continue;
      const dev = basename(target);
      const held = scan.holders.get(dev) ?? [];
      if (!held.some((h) => h.pid === pid)) held.push({ pid, name });
      scan.holders.set(dev, held);
    }
  }
  return scan;
}
