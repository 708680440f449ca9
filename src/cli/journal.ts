import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_STATE_DIR, userJournalDir, type AgentConfig } from '../agent/config.js';
import type { Output } from './output.js';

function writable(dir: string): boolean {
  try {
    accessSync(existsSync(dir) ? dir : dirname(dir), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The journal path to use: the configured one, or the default one when its folder
 * (/var/lib/lpa-agent) is usable; for a user running the agent by hand without write access
 * there, the same file name under $XDG_STATE_HOME/lpa-agent (~/.local/state/lpa-agent).
 */
export function usableJournal(config: Pick<AgentConfig, 'journal' | 'sources'>, env: Record<string, string | undefined>, out?: Output): string {
  if (config.sources.journal.from !== 'default' || !config.journal.startsWith(`${DEFAULT_STATE_DIR}/`) || writable(DEFAULT_STATE_DIR)) return config.journal;
  const dir = userJournalDir(env);
  if (!dir) return config.journal;
  const path = `${dir}/${config.journal.slice(DEFAULT_STATE_DIR.length + 1)}`;
  out?.debug(`${DEFAULT_STATE_DIR} is not writable for this user: journal ${path}`);
  return path;
}
