import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * Directory of the product's bundled data (SGP.26 test PKI, GSMA CI roots, TS.48 profiles).
 * Found by walking up from this module to the folder that holds `data/`, so it works from the
 * TypeScript sources (tests), from `dist/` and from the release bundle. `LPA_AGENT_DATA_DIR`
 * overrides it.
 */
export function dataDir(): string {
  const env = process.env.LPA_AGENT_DATA_DIR;
  if (env) return env;
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'data', 'pki'))) {
      root = join(dir, 'data');
      return root;
    }
    dir = dirname(dir);
  }
  throw new Error('lpa-agent data folder not found (set LPA_AGENT_DATA_DIR)');
}

export function dataPath(...parts: string[]): string {
  return join(dataDir(), ...parts);
}
