#!/usr/bin/env node
// CommonJS on purpose: Node starts a CommonJS entry point without its ES module loader, so
// `--version` costs about what `node -e 0` does; every other command loads the CLI below.
import { existsSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../version.cjs';

/** Defined (true) by scripts/bundle.mjs: this file is inside the release's single file already. */
declare const __LPA_RELEASE_BUNDLE__: boolean | undefined;

type Main = (argv: readonly string[]) => Promise<number>;

/**
 * The CLI's code: dist/lpa-agent.cjs when the build made it and it is not older than the last
 * TypeScript build (scripts/build/singleFile.mjs: one file, with its V8 code cache, instead of ~200
 * ES modules to resolve, parse and link), else the modules themselves.
 */
async function loadMain(): Promise<Main> {
  // undici parses HTTP with a WebAssembly llhttp; V8's background TurboFan tier-up of that module
  // costs ~30 MB of transient native memory and ~300 ms CPU per download. Baseline code is enough.
  const { setFlagsFromString } = require('node:v8') as typeof import('node:v8');
  setFlagsFromString('--liftoff-only');
  // The agent waits on a serial line and the network; optimised JS buys nothing measurable (CPU per
  // download is lower without it) while TurboFan's compiler zones raised peak RSS by ~8 MB.
  setFlagsFromString('--no-opt');
  if (typeof __LPA_RELEASE_BUNDLE__ === 'undefined') {
    const single = join(__dirname, '..', '..', 'lpa-agent.cjs');
    const stamp = join(__dirname, '..', '..', '.tsbuildinfo');
    try {
      if (existsSync(single) && (!existsSync(stamp) || statSync(single).mtimeMs >= statSync(stamp).mtimeMs)) {
        // with its V8 code cache when the build made one (singleFile.cts)
        const { compileSingleFile } = require('./singleFile.cjs') as typeof import('./singleFile.cjs');
        return compileSingleFile(single).run().main as Main;
      }
    } catch {
      // unreadable: the modules below
    }
  }
  return (await import('./main.js')).main;
}

const argv = process.argv.slice(2);
const fail = (e: unknown): void => {
  process.stderr.write(`lpa-agent: internal error: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 1;
};
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // straight to fd 1: process.stdout would first build a stream (and load its modules)
  try {
    writeSync(1, `${VERSION}\n`);
  } catch {
    // a closed stdout (EPIPE): nothing to say it on
  }
} else {
  // A closed stdout/stderr (a pipe into `head`, a log reader that died, a dropped SSH session) must
  // never kill the agent: write errors (EPIPE, EIO) are dropped here and by the CLI's writers.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  loadMain()
    .then((main) => main(argv))
    .then((code) => {
      process.exitCode = code;
    }, fail);
}
