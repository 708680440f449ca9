// The single-file build of the CLI: dist/lpa-agent.cjs, every module of dist/src and dist/drivers
// that `main` reaches, in one CommonJS file (esbuild, from the tsc output, so it is the same code).
// dist/src/cli/bin.cjs runs it instead of loading ~200 ES modules one by one: Node then parses one
// file, with no module resolution and no ES module linking, and a command starts ~80 ms sooner.
// npm packages stay outside (required from node_modules when a command needs them).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const SINGLE_FILE = join('dist', 'lpa-agent.cjs');

const BANNER = '"use strict";\nconst __lpaImportMetaUrl = require("node:url").pathToFileURL(__filename).href;';

/**
 * Builds `<root>/dist/lpa-agent.cjs` from `<root>/dist/src/cli/main.js`, then its V8 code cache
 * (`.cache`, scripts/build/codeCache.cjs). Returns false (and removes stale files) when esbuild is
 * not installed (a production install: the modules are used).
 */
export async function buildSingleFile(root) {
  const out = join(root, SINGLE_FILE);
  rmSync(`${out}.cache`, { force: true });
  let esbuild;
  try {
    esbuild = await import(createRequire(join(root, 'package.json')).resolve('esbuild'));
  } catch {
    rmSync(out, { force: true });
    return false;
  }
  const entry = join(root, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run tsc first`);
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // npm packages stay outside: bundling the pure-JavaScript ones too (undici, asn1js, serialport's
    // stream) measured no faster and 1 MB more RSS (the larger source stays in memory)
    packages: 'external',
    // import() of a package or builtin becomes require(): an import() would start Node's ES module
    // loader (~10 ms) and lex the CommonJS package for its exports; every dependency is CommonJS
    supported: { 'dynamic-import': false },
    // src/util/data.ts finds data/ from its own URL: the bundle's, two levels under the project
    define: { 'import.meta.url': '__lpaImportMetaUrl' },
    banner: { js: BANNER },
    logLevel: 'warning',
  });
  let text = readFileSync(out, 'utf8');
  // an import() left in would need Node's ES module loader, which a script run from its code cache has not
  if (/\bimport\(/.test(text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''))) throw new Error(`${out} still has an import(): see supported['dynamic-import']`);
  // ASCII only (esbuild keeps some comments as written): V8 holds a source with one non-Latin-1
  // character as UTF-16, twice the memory for as long as the process runs
  if (/[^\x00-\x7f]/.test(text)) {
    text = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    writeFileSync(out, text);
  }
  const cache = spawnSync(process.execPath, [join(root, 'scripts', 'build', 'codeCache.cjs'), join(root, 'dist', 'src', 'cli', 'singleFile.cjs'), out], { stdio: 'inherit' });
  if (cache.status !== 0) throw new Error(`the code cache of ${out} could not be written`);
  return true;
}
