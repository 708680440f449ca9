#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { dropTlsRejectVariable } from './tlsEnv.js';

// before anything connects: NODE_TLS_REJECT_UNAUTHORIZED changes nothing here, and Node's warning
// about it would say the opposite (tlsEnv.ts)
dropTlsRejectVariable();

// undici parses HTTP with a WebAssembly llhttp; V8's background TurboFan tier-up of that module
// costs ~30 MB of transient native memory and ~300 ms CPU per download. Baseline code is enough.
setFlagsFromString('--liftoff-only');
// The agent waits on a serial line and the network; optimised JS buys nothing measurable (CPU per
// download is lower without it) while TurboFan's compiler zones raised peak RSS by ~8 MB.
setFlagsFromString('--no-opt');

// A closed stdout/stderr (a pipe into `head`, a log reader that died, a dropped SSH session) must
// never kill the agent: write errors (EPIPE, EIO) are dropped here and by the CLI's writers.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

const argv = process.argv.slice(2);
const fail = (e: unknown): void => {
  process.stderr.write(`lpa-agent: internal error: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 1;
};
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // the cheapest path: nothing but the version constant is loaded
  import('../version.js').then(({ VERSION }) => void process.stdout.write(`${VERSION}\n`), fail);
} else {
  import('./main.js')
    .then(({ main }) => main(argv))
    .then((code) => {
      process.exitCode = code;
    }, fail);
}
