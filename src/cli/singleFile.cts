/**
 * Loading the single-file build of the CLI (dist/lpa-agent.cjs, scripts/build/singleFile.mjs) with
 * its V8 code cache: Node's own CommonJS loader would parse the whole file (~1 MB) at every start;
 * with the cache V8 takes the compiled code instead. The cache (`<file>.cache`) is written by the
 * build right after the file and used only when it is not older than it (V8 itself checks only the
 * source length, its version and flags); a rejected or missing cache means a normal compile.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

export interface CompiledSingleFile {
  script: Script;
  /** True when V8 used the cache. */
  cached: boolean;
  /** Runs the file's top level as a CommonJS module; returns its exports. */
  run(): Record<string, unknown>;
}

/** The code cache beside `file`, when there is one not older than it. */
function freshCache(file: string): Buffer | undefined {
  const cache = `${file}.cache`;
  try {
    if (existsSync(cache) && statSync(cache).mtimeMs >= statSync(file).mtimeMs) return readFileSync(cache);
  } catch {
    // unreadable: compile without
  }
  return undefined;
}

/** Compiles `file` as CommonJS (the loader's own wrapper) with its code cache unless `useCache` is false. */
export function compileSingleFile(file: string, useCache = true): CompiledSingleFile {
  const cachedData = useCache ? freshCache(file) : undefined;
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  return {
    script,
    cached: cachedData !== undefined && !script.cachedDataRejected,
    run() {
      const mod = { exports: {} as Record<string, unknown> };
      const fn = script.runInThisContext() as (...args: unknown[]) => void;
      fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
      return mod.exports;
    },
  };
}
