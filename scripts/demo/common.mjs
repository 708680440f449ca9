// What both demos share: where the build is, the dim notes, and running the agent as its own process.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dist = join(root, 'dist', 'src');

// dim on a terminal; plain text in logs and pipes, or when NO_COLOR is set (https://no-color.org)
const colour = process.stderr.isTTY === true && !process.env.NO_COLOR;
export const note = (line) => process.stderr.write(colour ? `\x1b[2m${line}\x1b[0m\n` : `${line}\n`);

/** Runs `lpa-agent <args>` with the terminal attached; SIGINT/SIGTERM are passed on. Resolves with its exit code. */
export async function runAgent(args, env = {}) {
  const child = spawn(process.execPath, [join(dist, 'cli', 'bin.cjs'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, LPA_AGENT_CONFIG: '', ...env },
  });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise((r) => child.on('exit', (c, sig) => r(c ?? (sig ? 130 : 1))));
}
