// Installed size of the production dependency tree and size of the release bundle.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './paths.mjs';

/** Apparent size (bytes) of every file under `dir`, symlinks not followed. */
function treeBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(p);
    else if (e.isFile()) n += lstatSync(p).size;
  }
  return n;
}

/** Bytes of the packages `npm ls --omit=dev --all --parseable` lists (nested ones counted once). */
export function prodDependencyBytes() {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  const paths = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== ROOT && l.includes(`${sep}node_modules${sep}`))
    .sort();
  const roots = paths.filter((p, i) => !paths.slice(0, i).some((q) => p.startsWith(q + sep)));
  return { packages: paths.length, bytes: roots.reduce((n, p) => n + treeBytes(p), 0) };
}

/** Builds the release tarball in a temporary folder with scripts/bundle.mjs and reports its sizes. */
export async function bundleSize() {
  const { buildBundle } = await import(pathToFileURL(join(ROOT, 'scripts', 'bundle.mjs')).href);
  const out = mkdtempSync(join(tmpdir(), 'lpa-bench-bundle-'));
  try {
    const b = await buildBundle({ outDir: out });
    return { tarballBytes: b.bytes, unpackedBytes: b.unpackedBytes, agentJsBytes: b.bundleBytes, files: b.files };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
