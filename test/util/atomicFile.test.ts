import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomicFile.js';

describe('writeFileAtomic', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates, replaces and leaves no temporary file, mode 0600 by default', () => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'state.json');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['state.json']);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('throws when the folder does not exist (callers create it)', () => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    expect(() => writeFileAtomic(join(dir!, 'missing', 'x.json'), 'x')).toThrow();
  });
});
