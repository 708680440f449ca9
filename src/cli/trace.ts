import { appendFileSync, closeSync, fchmodSync, fstatSync, openSync } from 'node:fs';
import { whereOf, type AgentConfig } from '../agent/config.js';
import { LpaError } from '../errors.js';

/**
 * The `--trace` file: created (or reopened) owner-only (0600) before anything writes to it, since
 * it holds every AT line, APDU and request path of the run. Lines are appended with a timestamp;
 * a failing write never breaks the run.
 */
export class TraceLog {
  private constructor(readonly path: string) {}

  /** Creates the file 0600 (tightening an existing one we own); USAGE/CONFIG_INVALID naming the source if impossible. */
  static open(config: AgentConfig): TraceLog | undefined {
    const path = config.trace;
    if (path === undefined) return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(path, 'a', 0o600);
      const st = fstatSync(fd);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      if ((st.mode & 0o077) !== 0 && (process.getuid === undefined || st.uid === process.getuid())) fchmodSync(fd, 0o600);
    } catch (e) {
      const code = config.sources.trace.from === 'flag' ? 'USAGE' : 'CONFIG_INVALID';
      throw new LpaError(code, `${whereOf(config, 'trace')}: cannot open the trace file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { path }, { cause: e });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return new TraceLog(path);
  }

  /** Appends `<ISO time> <text>`. */
  line(text: string): void {
    try {
      appendFileSync(this.path, `${new Date().toISOString()} ${text.replace(/[\r\n]/g, ' ')}\n`);
    } catch {
      // tracing never breaks a download
    }
  }
}
