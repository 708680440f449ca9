import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LpaError } from '../errors.js';

/** Default lock file of a device: one per module, whichever name (by-id link or ttyUSBn) is used. */
export function defaultLockPath(device: string): string {
  let key = device;
  if (!device.startsWith('virtual')) {
    try {
      key = realpathSync(device);
    } catch {
      // a port that does not exist yet: its name is the key
    }
  }
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return join(tmpdir(), `lpa-agent-${basename(key).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${digest}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An exclusive lock file holding the owner's pid: a second agent on the same module fails with
 * LOCKED (naming the holder); a lock left by a dead process (crash, power cut) is taken over.
 */
export class LockFile {
  private constructor(readonly path: string) {}

  static acquire(path: string): LockFile {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return new LockFile(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new LpaError('LOCKED', `cannot create lock file ${path}: ${(e as Error).message}`, {}, { cause: e });
        }
      }
      let holder = NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      } catch {
        // vanished meanwhile: try again
      }
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new LpaError('LOCKED', `another lpa-agent (pid ${holder}) is working on this module (lock ${path})`, { pid: holder, lockFile: path });
      }
      try {
        unlinkSync(path); // stale: its owner is gone
      } catch {
        // raced with another taker; the next open decides
      }
    }
    throw new LpaError('LOCKED', `could not take the lock ${path}`, { lockFile: path });
  }

  release(): void {
    try {
      if (existsSync(this.path) && readFileSync(this.path, 'utf8').trim() === String(process.pid)) unlinkSync(this.path);
    } catch {
      // best effort
    }
  }
}
