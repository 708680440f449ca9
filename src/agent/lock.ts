import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseDeviceSpec, type DeviceSpec } from '../../drivers/spec.js';
import { LpaError } from '../errors.js';
import { pidAlive } from '../util/pid.js';

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // a port that does not exist (yet): its name is the key
  }
}

/** What identifies one module (or reader, or virtual eUICC), whichever name the user gave it. */
export function lockKey(spec: DeviceSpec): string {
  switch (spec.kind) {
    case 'at':
    case 'qmi':
    case 'mbim':
      return realOr(spec.path);
    case 'virtual':
      return `virtual:${realOr(spec.statePath)}`;
    case 'pcsc':
      return `pcsc:${spec.reader ?? ''}`;
    case 'auto':
      return 'auto';
  }
}

/**
 * Default lock file of a device: one per module, whichever name (by-id link or ttyUSBn) is used,
 * in the temporary folder (shared with a systemd service: see scripts/lpa-agent.service).
 */
export function defaultLockPath(device: string | DeviceSpec): string {
  let key: string;
  try {
    key = lockKey(typeof device === 'string' ? parseDeviceSpec(device) : device);
  } catch {
    key = device as string;
  }
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const name = basename(key.replace(/^[a-z]+:/, '')) || key;
  return join(tmpdir(), `lpa-agent-${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${digest}.lock`);
}

/** Start time of a process (clock ticks since boot, /proc/<pid>/stat field 22); undefined where unknown. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Is the process that wrote this lock still running (same pid and, where known, same start time)? */
function holderAlive(h: Holder): boolean {
  if (!pidAlive(h.pid)) return false;
  if (h.start === undefined) return true;
  const now = startTime(h.pid);
  return now === undefined || now === h.start;
}

interface Holder {
  pid: number;
  start?: string;
}

export interface LockOptions {
  /** This agent's identity (tests run two "agents" in one process). Default: this process. */
  self?: Holder;
  /** Is a holder still running? Default: its pid exists with the same start time. */
  alive?: (holder: Holder) => boolean;
  /** Called at each point of a takeover where another agent could interleave (deterministic race tests). */
  onStep?: (step: 'holder-read' | 'marker-taken' | 'stale-removed', path: string) => void;
}

/** A lock file being created by a crashed or slow writer is given this long before it counts as stale. */
const UNREADABLE_GRACE_MS = 5_000;
const MAX_DEPTH = 3;

/**
 * An exclusive lock file holding the owner's pid and start time: a second agent on the same module
 * fails with LOCKED (naming the holder); a lock left by a dead process (crash, power cut) is taken
 * over. Race-free: the file is created whole (written aside, then hard-linked into place, which
 * fails if it exists), and taking over a dead holder's lock first takes a marker named after that
 * holder (`<lock>.takeover-<pid>`, itself a lock), so of several agents that found the same dead
 * pid exactly one removes the stale file and the others see the winner's live lock.
 */
export class LockFile {
  /** Use LockFile.acquire. */
  constructor(
    readonly path: string,
    private readonly content: string,
  ) {}

  static acquire(path: string, options: LockOptions = {}): LockFile {
    return acquireAt(path, options, 0);
  }

  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): void {
    try {
      if (readFileSync(this.path, 'utf8') === this.content) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function selfOf(options: LockOptions): Holder {
  if (options.self) return options.self;
  const start = startTime(process.pid);
  return start === undefined ? { pid: process.pid } : { pid: process.pid, start };
}

/** Creates `path` holding `content`, atomically and only if absent. */
function create(path: string, content: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(aside, content, { mode: 0o644, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new LpaError('CONFIG_INVALID', `cannot create lock file ${path}: its folder ${dirname(path)} does not exist`, { lockFile: path }, { cause: e });
    }
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `no permission to write in ${dirname(path)} (${code})` : (code ?? (e as Error).message);
    throw new LpaError('LOCKED', `cannot create lock file ${path}: ${why}`, { lockFile: path }, { cause: e });
  }
  try {
    linkSync(aside, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new LpaError('LOCKED', `cannot create lock file ${path}: ${(e as Error).message}`, { lockFile: path }, { cause: e });
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // best effort
    }
  }
}

function readHolder(path: string): { text: string; holder?: Holder; ageMs: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const ageMs = Date.now() - statSync(path).mtimeMs;
    const m = /^(\d{1,10})(?:\s+(\d{1,20}))?\s*$/.exec(text);
    if (!m || Number(m[1]) <= 0) return { text, ageMs };
    return { text, holder: m[2] === undefined ? { pid: Number(m[1]) } : { pid: Number(m[1]), start: m[2] }, ageMs };
  } catch {
    return undefined; // vanished meanwhile
  }
}

function acquireAt(path: string, options: LockOptions, depth: number): LockFile {
  const self = selfOf(options);
  const content = self.start === undefined ? `${self.pid}\n` : `${self.pid} ${self.start}\n`;
  const alive = options.alive ?? holderAlive;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (create(path, content)) return new LockFile(path, content);
    const found = readHolder(path);
    options.onStep?.('holder-read', path);
    if (!found) continue;
    const h = found.holder;
    if (h) {
      const isSelf = h.pid === self.pid && h.start !== undefined && h.start === self.start;
      // a pid equal to ours without a start time is a previous boot's lock, not us
      if (isSelf || (h.pid !== self.pid && alive(h))) {
        throw new LpaError('LOCKED', `another lpa-agent (pid ${h.pid}) is working on this module (lock ${path})`, { pid: h.pid, lockFile: path });
      }
    } else if (found.ageMs < UNREADABLE_GRACE_MS) {
      throw new LpaError('LOCKED', `another lpa-agent is taking the lock ${path} right now`, { lockFile: path });
    }
    if (depth >= MAX_DEPTH) throw new LpaError('LOCKED', `could not take the lock ${path}: stale takeover markers pile up`, { lockFile: path });
    // stale: whoever holds the takeover marker named after this holder may remove it
    const markerPath = `${path}.takeover-${h ? `${h.pid}${h.start ? `-${h.start}` : ''}` : 'unreadable'}`;
    let marker: LockFile;
    try {
      marker = acquireAt(markerPath, options, depth + 1);
    } catch (e) {
      if (e instanceof LpaError && e.code === 'LOCKED') {
        throw new LpaError('LOCKED', `another lpa-agent is taking over the stale lock ${path}${h ? ` of pid ${h.pid}` : ''}`, { lockFile: path, ...(h ? { stalePid: h.pid } : {}) }, { cause: e });
      }
      throw e;
    }
    try {
      options.onStep?.('marker-taken', path);
      const now = readHolder(path);
      if (now && now.text === found.text) {
        try {
          unlinkSync(path);
        } catch {
          // gone already
        }
      }
      options.onStep?.('stale-removed', path);
      if (create(path, content)) return new LockFile(path, content);
    } finally {
      marker.release();
    }
  }
  throw new LpaError('LOCKED', `could not take the lock ${path}`, { lockFile: path });
}
