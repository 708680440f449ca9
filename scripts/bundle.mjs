#!/usr/bin/env node
// `npm run bundle`: builds lpa-agent-<version>-linux.tar.gz, a self-contained release for a device
// image that has a plain `node` (>= 20) and no npm:
//
//   lpa-agent-<version>/
//     bin/lpa-agent                 POSIX sh launcher: finds node, execs the bundle
//     lib/lpa-agent.cjs             the whole agent in one CommonJS file (esbuild, no code splitting)
//     lib/node-check.cjs            preloaded guard: clear message on a too old Node.js
//     lib/node_modules/@serialport/bindings-cpp/
//       package.json, prebuilds/linux-{x64,arm64,arm}/   the native serial binding only
//     lib/node_modules/@pcsc-mini/<platform>/
//       package.json, addon.node    the PC/SC binding's native part, for the platforms installed here
//     lib/THIRD-PARTY-NOTICES.txt   licences of the bundled packages
//     data/                         PKI and TS.48 profiles, found at run time by src/util/data.ts
//     systemd/lpa-agent.service     first-boot provisioning unit
//     README.md                     how to install it into a device image
//
// Usage: node scripts/bundle.mjs [--out-dir <dir>]   (default: the repository root)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { tarGz } from './bundle/tar.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BINDING_PKG = join(ROOT, 'node_modules', '@serialport', 'bindings-cpp');
const PCSC_PKG = join(ROOT, 'node_modules', 'pcsc-mini');
const PCSC_NATIVE = join(ROOT, 'node_modules', '@pcsc-mini');

/**
 * PC/SC (`--device pcsc`): pcsc-mini's JavaScript goes into the bundle; its native addon comes in
 * one small package per platform, and npm installs only the one for the machine it runs on. The
 * bundle carries those found here (their loader finds them under lib/node_modules) and says which.
 */
function pcscNatives() {
  if (!existsSync(PCSC_PKG) || !existsSync(PCSC_NATIVE)) return [];
  return readdirSync(PCSC_NATIVE)
    .sort()
    .map((name) => {
      const dir = join(PCSC_NATIVE, name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const file = pkg.main ?? 'addon.node';
      if (!existsSync(join(dir, file))) return undefined;
      const platform = [pkg.os?.join('/'), pkg.cpu?.join('/'), pkg.libc?.join('/')].filter(Boolean).join(' ');
      return { name: pkg.name, version: pkg.version, license: pkg.license, main: file, dir, platform };
    })
    .filter(Boolean);
}

/** The sentence the bundle README carries about PC/SC. */
function pcscStatement(natives) {
  if (natives.length === 0) {
    return 'PC/SC card readers (`--device pcsc`): **not included** in this build (the pcsc-mini binding was not installed where it was built); `--device pcsc` says so.';
  }
  return `PC/SC card readers (\`--device pcsc\`): **included** for ${natives.map((n) => n.platform).join(', ')} (binding pcsc-mini); other platforms say that it is missing. The device needs the PC/SC library and daemon: \`apt-get install libpcsclite1 pcscd\` (Alpine: \`apk add pcsc-lite-libs pcsc-lite\`).`;
}

/**
 * Prebuilt binaries shipped, per node-gyp-build folder: linux x64 and arm64 (glibc and musl) and
 * armv7 (32-bit ARM; the armv6 build is left out: Node 20 has no official armv6 release).
 */
const PREBUILDS = {
  'linux-x64': /\.node$/,
  'linux-arm64': /\.node$/,
  'linux-arm': /\.armv7\.(glibc|musl)\.node$/,
};

/**
 * esbuild loads bindings-cpp's JavaScript into the bundle, but its native part is found by
 * node-gyp-build relative to the package folder (`<pkg>/prebuilds/<platform>-<arch>/*.node`).
 * This replaces the one module that computes that folder with one that points at the small
 * package copy shipped next to the bundle.
 */
const nativeBindingPlugin = {
  name: 'serialport-native-binding',
  setup(b) {
    b.onLoad({ filter: /[\\/]@serialport[\\/]bindings-cpp[\\/]dist[\\/]serialport-bindings\.js$/ }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      contents: [
        "import { fileURLToPath } from 'node:url';",
        "import nodeGypBuild from 'node-gyp-build';",
        "export const binding = nodeGypBuild(fileURLToPath(new URL('./node_modules/@serialport/bindings-cpp/', import.meta.url)));",
      ].join('\n'),
    }));
  },
};

/**
 * The bundle is CommonJS: Node 20 starts a large CommonJS file markedly faster than the same code
 * as one ES module (measured: about 50 ms less CPU for `--version` on a 0.9 MB bundle), and a
 * device pays that on every run. Our sources are ES modules, so the file runs in strict mode and
 * `import.meta.url` (src/util/data.ts finds data/ with it) becomes the bundle's own URL.
 */
const BANNER = '"use strict";\nconst __lpaImportMetaUrl = require("node:url").pathToFileURL(__filename).href;';

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, name.name);
    if (name.isDirectory()) out.push(...listFiles(p));
    else if (name.isFile()) out.push(p);
  }
  return out;
}

const posix = (p) => p.split(sep).join('/');

/** Licence texts of every node_modules package that ended up in the bundle. */
function thirdPartyNotices(metafile) {
  const pkgs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(posix(input));
    if (m) pkgs.add(input.slice(0, m.index + m[0].length - 1));
  }
  const parts = ['Third-party software bundled in lib/lpa-agent.cjs and lib/node_modules/.\n'];
  for (const dir of [...pkgs].sort()) {
    const abs = resolve(ROOT, dir);
    const pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
    const licence = readdirSync(abs).find((f) => /^licen[cs]e/i.test(f));
    parts.push(`\n==== ${pkg.name}@${pkg.version} (${pkg.license ?? 'see below'}) ====\n`);
    parts.push(licence ? readFileSync(join(abs, licence), 'utf8').trim() + '\n' : '(no licence file in the package)\n');
  }
  return { text: parts.join(''), packages: pkgs.size };
}

function sourceDateEpoch() {
  const env = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(env) && env > 0) return env;
  const git = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' });
  const t = Number(git.stdout?.trim());
  return git.status === 0 && Number.isInteger(t) && t > 0 ? t : 0;
}

/**
 * Builds the release tarball into `outDir` and returns what it made.
 * @param {{ outDir?: string }} [opts]
 * @returns {Promise<{ path: string, bytes: number, unpackedBytes: number, files: number, bundleBytes: number, pcsc: string[] }>}
 */
export async function buildBundle(opts = {}) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const version = pkg.version;
  const minNode = /(\d+\.\d+\.\d+)/.exec(pkg.engines?.node ?? '')?.[1] ?? '20.0.0';
  const top = `lpa-agent-${version}`;
  const files = [];
  const add = (path, data, mode = 0o644) => files.push({ path: `${top}/${path}`, data, mode });

  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/bin.cts'],
    outfile: 'lib/lpa-agent.cjs',
    bundle: true,
    splitting: false,
    platform: 'node',
    format: 'cjs',
    define: { 'import.meta.url': '__lpaImportMetaUrl', __LPA_RELEASE_BUNDLE__: 'true' },
    target: 'node20',
    // import() of a builtin becomes require(): an import() would start Node's ES module loader
    supported: { 'dynamic-import': false },
    minify: true,
    legalComments: 'none', // licences go to THIRD-PARTY-NOTICES.txt
    banner: { js: BANNER },
    plugins: [nativeBindingPlugin],
    // without pcsc-mini installed the import stays a run-time one, which then fails with a clear error
    external: existsSync(PCSC_PKG) ? [] : ['pcsc-mini'],
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  if (result.outputFiles.length !== 1) throw new Error(`esbuild made ${result.outputFiles.length} files, expected one`);
  const bundle = result.outputFiles[0].contents;
  add('lib/lpa-agent.cjs', bundle);
  const notices = thirdPartyNotices(result.metafile);
  const nativeNotes = pcscNatives().map((n) => `\n==== ${n.name}@${n.version} (${n.license}) ====\nNative part of pcsc-mini: the same licence as pcsc-mini above.\n`);
  add('lib/THIRD-PARTY-NOTICES.txt', Buffer.from(notices.text + nativeNotes.join('')));

  // the native binding: a package.json (node-gyp-build reads its name) and the linux prebuilds
  const bindingPkg = JSON.parse(readFileSync(join(BINDING_PKG, 'package.json'), 'utf8'));
  const bindingDir = 'lib/node_modules/@serialport/bindings-cpp';
  const stub = { name: bindingPkg.name, version: bindingPkg.version, license: bindingPkg.license, description: 'Native part only; the JavaScript is bundled in lib/lpa-agent.cjs.' };
  add(`${bindingDir}/package.json`, Buffer.from(JSON.stringify(stub, null, 2) + '\n'));
  for (const [arch, pattern] of Object.entries(PREBUILDS)) {
    const dir = join(BINDING_PKG, 'prebuilds', arch);
    const picked = readdirSync(dir).filter((f) => pattern.test(f)).sort();
    if (picked.length === 0) throw new Error(`no prebuilt serialport binding for ${arch} in ${dir}`);
    for (const f of picked) add(`${bindingDir}/prebuilds/${arch}/${f}`, readFileSync(join(dir, f)));
  }

  const natives = pcscNatives();
  for (const n of natives) {
    const stub = { name: n.name, version: n.version, license: n.license, main: n.main, description: 'Native part of pcsc-mini (bundled in lib/lpa-agent.cjs).' };
    add(`lib/node_modules/${n.name}/package.json`, Buffer.from(JSON.stringify(stub, null, 2) + '\n'));
    add(`lib/node_modules/${n.name}/${n.main}`, readFileSync(join(n.dir, n.main)), 0o755);
  }

  for (const f of listFiles(join(ROOT, 'data'))) add(posix(relative(ROOT, f)), readFileSync(f));

  const launcher = readFileSync(join(ROOT, 'scripts', 'bundle', 'lpa-agent'), 'utf8').replaceAll('@MIN_NODE@', minNode).replaceAll('@VERSION@', version);
  add('bin/lpa-agent', Buffer.from(launcher), 0o755);
  add('lib/node-check.cjs', Buffer.from(readFileSync(join(ROOT, 'scripts', 'bundle', 'node-check.cjs'), 'utf8').replaceAll('@MIN_NODE@', minNode)));
  add('systemd/lpa-agent.service', readFileSync(join(ROOT, 'scripts', 'lpa-agent.service')));
  add('README.md', Buffer.from(readFileSync(join(ROOT, 'scripts', 'bundle', 'README.md'), 'utf8').replaceAll('@VERSION@', version).replaceAll('@MIN_NODE@', minNode).replaceAll('@PCSC@', pcscStatement(natives))));

  const tgz = tarGz(files, { mtime: sourceDateEpoch() });
  const outDir = resolve(opts.outDir ?? ROOT);
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${top}-linux.tar.gz`);
  writeFileSync(path, tgz);
  return {
    path,
    bytes: statSync(path).size,
    unpackedBytes: files.reduce((n, f) => n + f.data.length, 0),
    files: files.length,
    bundleBytes: bundle.length,
    pcsc: natives.map((n) => n.platform),
  };
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out-dir' && argv[i + 1] !== undefined) opts.outDir = argv[++i];
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write('usage: node scripts/bundle.mjs [--out-dir <dir>]\n');
      process.exit(0);
    } else {
      process.stderr.write(`bundle: unknown argument "${argv[i]}" (usage: node scripts/bundle.mjs [--out-dir <dir>])\n`);
      process.exit(2);
    }
  }
  return opts;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  if (!existsSync(BINDING_PKG)) {
    process.stderr.write('bundle: node_modules/@serialport/bindings-cpp is missing: run "npm ci" first\n');
    process.exit(1);
  }
  buildBundle(parseArgs(process.argv.slice(2))).then(
    (r) => {
      const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
      process.stderr.write(`bundle: ${r.files} files, ${kb(r.unpackedBytes)} unpacked (agent ${kb(r.bundleBytes)}), tarball ${kb(r.bytes)}\n`);
      process.stderr.write(`bundle: PC/SC ${r.pcsc.length > 0 ? `included for ${r.pcsc.join(', ')}` : 'not included (pcsc-mini is not installed)'}\n`);
      process.stdout.write(`${r.path}\n`);
    },
    (e) => {
      process.stderr.write(`bundle: ${e?.message ?? e}\n`);
      process.exit(1);
    },
  );
}
