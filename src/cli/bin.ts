#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { main } from './main.js';

// undici parses HTTP with a WebAssembly llhttp; V8's background TurboFan tier-up of that module
// costs ~30 MB of transient native memory and ~300 ms CPU per download. Baseline code is enough.
setFlagsFromString('--liftoff-only');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`lpa-agent: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
