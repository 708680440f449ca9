import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LpaError } from '../errors.js';
import { writeFileAtomic } from '../util/atomicFile.js';

/** Steps of `provision`, in order; the journal records each one completed. */
export const STEPS = ['module', 'cloud', 'download', 'enable', 'notifications'] as const;
export type StepName = (typeof STEPS)[number];

export interface JournalData {
  version: 1;
  eid: string;
  /** When each step completed (ISO time). */
  completed: Partial<Record<StepName, string>>;
  esimProfileSid?: string;
  simSid?: string;
  iccid?: string;
  smdpAddress?: string;
  matchingId?: string;
  activationCode?: string;
  /** SM-DS event retrieval: the SM-DS and the event id the profile was announced with. */
  smdsAddress?: string;
  eventId?: string;
  /** ES9+ transaction of a download in flight (cleared when it ends either way). */
  transactionId?: string;
  /** The SM-DP+ of that transaction (a plain `download` may use another one than the cloud's). */
  transactionSmdpAddress?: string;
  /** Logical channel id the last run had open (closed first next time). */
  channelId?: string;
  /** Free-form history lines, newest last (bounded). */
  history: string[];
  updatedAt: string;
}

const MAX_JOURNAL_BYTES = 256 * 1024;
const MAX_HISTORY = 50;

/**
 * The provisioning journal: what is done and the identifiers learned, so a rerun after a crash or
 * power cut resumes instead of starting over. Written atomically (write, fsync, rename) with 0600
 * permissions on every change.
 */
export interface JournalOpenOptions {
  /**
   * Create the journal's folder when missing: only for the built-in default place
   * (/var/lib/lpa-agent, or ~/.local/state/lpa-agent), never for a path the user gave.
   */
  createFolder?: boolean;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export class Journal {
  private constructor(
    readonly path: string,
    private data: JournalData,
  ) {}

  /**
   * Opens (or starts) the journal of `eid` at `path`. A journal of another EID is an error: the
   * configuration points this module at another module's journal (a fixed --journal without
   * {eid}, or the wrong --device), and that journal may hold a download to cancel.
   */
  static open(path: string, eid: string, options: JournalOpenOptions = {}): Journal {
    const folder = dirname(path);
    if (options.createFolder) {
      try {
        mkdirSync(folder, { recursive: true, mode: 0o700 });
      } catch (e) {
        throw new LpaError('JOURNAL', `cannot create the journal folder ${folder}: ${(e as Error).message} (choose another with --journal)`, { path }, { cause: e });
      }
    } else if (!isFolder(folder)) {
      throw new LpaError('JOURNAL', `the folder ${folder} of the journal ${path} does not exist (a journal given with --journal, LPA_AGENT_JOURNAL or "journal" is created, its folder is not): create it or choose another journal`, { path });
    }
    if (existsSync(path)) {
      const loaded = Journal.read(path);
      if (loaded.eid === eid) return new Journal(path, loaded);
      throw new LpaError(
        'JOURNAL',
        `journal ${path} belongs to the eUICC ${loaded.eid}, not to this one (${eid}): is --device the right module? Give each module its own journal (a --journal path with {eid}, the default) or move ${path} away`,
        { path, journalEid: loaded.eid, eid },
      );
    }
    const j = new Journal(path, { version: 1, eid, completed: {}, history: [], updatedAt: new Date().toISOString() });
    j.save();
    return j;
  }

  static read(path: string): JournalData {
    let text: string;
    try {
      if (statSync(path).size > MAX_JOURNAL_BYTES) throw new LpaError('JOURNAL', `journal ${path} is larger than ${MAX_JOURNAL_BYTES} bytes; not a journal of lpa-agent?`);
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (e instanceof LpaError) throw e;
      throw new LpaError('JOURNAL', `cannot read journal ${path}: ${(e as Error).message}`, {}, { cause: e });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new LpaError('JOURNAL', `journal ${path} is not valid JSON (${(e as Error).message}); move it away to start over`, {}, { cause: e });
    }
    const d = data as Partial<JournalData> | null;
    if (!d || typeof d !== 'object' || d.version !== 1 || typeof d.eid !== 'string' || typeof d.completed !== 'object' || d.completed === null) {
      throw new LpaError('JOURNAL', `journal ${path} is not an lpa-agent journal (version 1); move it away to start over`);
    }
    for (const k of ['esimProfileSid', 'simSid', 'iccid', 'smdpAddress', 'matchingId', 'activationCode', 'smdsAddress', 'eventId', 'transactionId', 'transactionSmdpAddress', 'channelId'] as const) {
      if (d[k] !== undefined && typeof d[k] !== 'string') throw new LpaError('JOURNAL', `journal ${path}: "${k}" must be a string`);
    }
    return { ...d, history: Array.isArray(d.history) ? d.history.filter((h) => typeof h === 'string').slice(-MAX_HISTORY) : [] } as JournalData;
  }

  get eid(): string {
    return this.data.eid;
  }

  get snapshot(): Readonly<JournalData> {
    return this.data;
  }

  done(step: StepName): boolean {
    return this.data.completed[step] !== undefined;
  }

  /** Records facts (identifiers) and saves. */
  update(facts: Partial<Omit<JournalData, 'version' | 'eid' | 'completed' | 'history' | 'updatedAt'>>, note?: string): void {
    for (const [k, v] of Object.entries(facts)) {
      if (v === undefined) delete (this.data as unknown as Record<string, unknown>)[k];
      else (this.data as unknown as Record<string, unknown>)[k] = v;
    }
    if (note) this.note(note);
    this.save();
  }

  /** Marks a step completed and saves. */
  complete(step: StepName, note?: string): void {
    this.data.completed[step] = new Date().toISOString();
    if (note) this.note(note);
    this.save();
  }

  /** Forgets a step (e.g. the profile vanished from the eUICC) and saves. */
  reopen(step: StepName, note?: string): void {
    delete this.data.completed[step];
    if (note) this.note(note);
    this.save();
  }

  private note(line: string): void {
    this.data.history.push(`${new Date().toISOString()} ${line}`);
    if (this.data.history.length > MAX_HISTORY) this.data.history.splice(0, this.data.history.length - MAX_HISTORY);
  }

  private save(): void {
    this.data.updatedAt = new Date().toISOString();
    try {
      writeFileAtomic(this.path, `${JSON.stringify(this.data, null, 2)}\n`);
      chmodSync(this.path, 0o600);
    } catch (e) {
      throw new LpaError('JOURNAL', `cannot write journal ${this.path}: ${(e as Error).message}`, {}, { cause: e });
    }
  }
}
