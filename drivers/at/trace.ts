/**
 * AT trace writer (`--trace <file>`): one line per AT line sent or received, with an ISO timestamp
 * and a direction mark: `>>` sent, `<<` received, `!!` unsolicited (URC). Appends; flushes on close.
 *
 * Only AT traffic passes here (commands, APDU hex, module answers): no credentials, tokens or
 * keys are ever handed to it. The file is created owner-only (0600): it holds the EID, ICCIDs and
 * every APDU. The CLI appends ES9+ and cloud request lines (`## es9 ...`, `## cloud ...`) to it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { LpaError } from '../../src/errors.js';

export type TraceDirection = '>>' | '<<' | '!!';

/** Longest line written to the trace; anything longer is cut with a marker. */
const MAX_TRACE_LINE = 2048;

export interface AtTraceSink {
  write(direction: TraceDirection, line: string): void;
  close(): Promise<void>;
}

export class AtTrace implements AtTraceSink {
  private readonly stream: WriteStream;
  private failed: Error | undefined;
  private closed = false;

  private constructor(stream: WriteStream) {
    this.stream = stream;
    this.stream.on('error', (e) => {
      this.failed = e;
    });
  }

  /** Opens `path` for appending (created 0600); fails with PORT_IO when the file cannot be created. */
  static async open(path: string): Promise<AtTrace> {
    const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e) =>
        reject(new LpaError('PORT_IO', `cannot open trace file ${path}: ${e.message}`, { path }, { cause: e })),
      );
    });
    return new AtTrace(stream);
  }

  write(direction: TraceDirection, line: string): void {
    if (this.closed || this.failed) return;
    const text = line.length > MAX_TRACE_LINE ? `${line.slice(0, MAX_TRACE_LINE)}...(${line.length} chars)` : line;
    // keep one trace record per line whatever the module sent
    const safe = text.replace(/[\r\n]/g, ' ');
    this.stream.write(`${new Date().toISOString()} ${direction} ${safe}\n`);
  }

  /** Flushes and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
  }
}
