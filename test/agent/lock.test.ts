import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLockPath, LockFile, type LockOptions } from '../../src/agent/lock.js';
import { isLpaError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpa-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DEAD = 999_999_001;
/** Two agents in one test process: pids 1001 and 1002 are "running", every other pid is dead. */
const agent = (pid: number, onStep?: LockOptions['onStep']): LockOptions => ({
  self: { pid, start: String(pid * 10) },
  alive: (h) => (h.pid === 1001 || h.pid === 1002) && (h.start === undefined || h.start === String(h.pid * 10)),
  ...(onStep ? { onStep } : {}),
});

function tryAcquire(path: string, options: LockOptions): LockFile | 'LOCKED' {
  try {
    return LockFile.acquire(path, options);
  } catch (e) {
    if (isLpaError(e, 'LOCKED')) return 'LOCKED';
    throw e;
  }
}

describe('LockFile', () => {
  it('a lock file whose folder is missing: CONFIG_INVALID naming the folder, not a raw ENOENT about a temporary file', () => {
    let err: unknown;
    try {
      LockFile.acquire(join(dir, 'missing', 'agent.lock'), agent(1001));
    } catch (e) {
      err = e;
    }
    expect(isLpaError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toBe(`cannot create lock file ${join(dir, 'missing', 'agent.lock')}: its folder ${join(dir, 'missing')} does not exist`);
  });

  it('a live holder keeps the lock; the holder releases it; a dead holder is taken over', () => {
    const path = join(dir, 'm.lock');
    const a = LockFile.acquire(path, agent(1001));
    expect(readFileSync(path, 'utf8')).toBe('1001 10010\n');
    expect(tryAcquire(path, agent(1002))).toBe('LOCKED');
    a.release();
    const b = LockFile.acquire(path, agent(1002));
    b.release();
    writeFileSync(path, `${DEAD}\n`);
    const c = LockFile.acquire(path, agent(1001));
    expect(readFileSync(path, 'utf8')).toBe('1001 10010\n');
    c.release();
    expect(readdirSync(dir)).toEqual([]); // no markers or temporary files left behind
  });

  it('a reused pid (same number, another start time) does not keep a stale lock', () => {
    const path = join(dir, 'm.lock');
    writeFileSync(path, '1002 1\n'); // pid 1002 runs, but it is not the process that wrote this
    const a = LockFile.acquire(path, agent(1001));
    a.release();
  });

  it('real processes: this process with a wrong start time is stale; the parent with its own is live', () => {
    const path = join(dir, 'm.lock');
    writeFileSync(path, `${process.pid} 1\n`);
    const lock = LockFile.acquire(path);
    expect(readFileSync(path, 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+\\n$`));
    lock.release();
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'latin1');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(path, `${process.ppid} ${start}\n`);
    expect(() => LockFile.acquire(path)).toThrow(new RegExp(`another lpa-agent \\(pid ${process.ppid}\\)`));
  });

  it('an unreadable lock is being written (refused) until it is old enough to be stale', () => {
    const path = join(dir, 'm.lock');
    writeFileSync(path, '');
    expect(tryAcquire(path, agent(1001))).toBe('LOCKED');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const lock = LockFile.acquire(path, agent(1001));
    lock.release();
  });

  /**
   * Two agents find the same dead pid. Agent B runs its whole acquire at every point of agent A's
   * takeover where the two could interleave (and at none): exactly one of them ends up with the
   * lock, the other is refused, whatever the order.
   */
  it('race-free takeover: at every interleaving, exactly one of two agents wins', () => {
    const steps = 8;
    let interleavings = 0;
    for (let k = 0; k <= steps; k++) {
      const path = join(dir, `race-${k}.lock`);
      writeFileSync(path, `${DEAD}\n`);
      let n = 0;
      let b: LockFile | 'LOCKED' | undefined;
      const a = tryAcquire(
        path,
        agent(1001, () => {
          if (n++ === k && b === undefined) b = tryAcquire(path, agent(1002));
        }),
      );
      b ??= tryAcquire(path, agent(1002)); // B after A: A finished before B looked
      if (n > k) interleavings++;
      const winners = [a, b].filter((x) => x !== 'LOCKED') as LockFile[];
      expect(winners, `interleaving at A's step ${k}`).toHaveLength(1);
      const owner = winners[0] === a ? 1001 : 1002;
      expect(readFileSync(path, 'utf8')).toBe(`${owner} ${owner * 10}\n`);
      winners[0]!.release();
    }
    expect(interleavings).toBeGreaterThanOrEqual(3); // holder-read, marker-taken, stale-removed at least
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a takeover whose taker died is itself taken over (the marker is a lock too)', () => {
    const path = join(dir, 'm.lock');
    writeFileSync(path, `${DEAD}\n`);
    writeFileSync(`${path}.takeover-${DEAD}`, '999999002\n'); // the first taker crashed mid-way
    const lock = LockFile.acquire(path, agent(1001));
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the default lock is one per module whatever its name; virtual devices are keyed by their state file', () => {
    expect(defaultLockPath('/dev/null')).toBe(defaultLockPath('at:/dev/null'));
    expect(defaultLockPath(`virtual:${join(dir, 'a.json')}`)).not.toBe(defaultLockPath(`virtual:${join(dir, 'b.json')}`));
    expect(defaultLockPath(`virtual:${join(dir, 'a.json')}`)).toBe(defaultLockPath(`virtual:${join(dir, '.', 'a.json')}`));
    expect(defaultLockPath('virtual')).toMatch(/lpa-agent-virtual-euicc\.json-[0-9a-f]{12}\.lock$/);
  });
});
