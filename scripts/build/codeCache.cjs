'use strict';
// Writes the V8 code cache of the single-file CLI (`node codeCache.cjs <dist/src/cli/singleFile.cjs>
// <bundle>`), run by scripts/build/singleFile.mjs in its own process: the bundle is compiled and its
// top level run exactly as src/cli/bin.cts does it (same loader, same V8 flags, which the cache must
// match), then V8 serialises what it compiled to <bundle>.cache.
const { writeFileSync } = require('node:fs');
const { setFlagsFromString } = require('node:v8');

const [loader, file] = process.argv.slice(2);
setFlagsFromString('--liftoff-only');
setFlagsFromString('--no-opt');
const { compileSingleFile } = require(loader);
const compiled = compileSingleFile(file, false);
compiled.run();
writeFileSync(`${file}.cache`, compiled.script.createCachedData());
