/**
 * What the QMI and MBIM byte-stream readers and connections share: the bytes of an incomplete
 * frame held back between reads, and the "no answer" error that says what was held back.
 */
import { LpaError } from '../../src/errors.js';
import { toHex } from '../../src/util/hex.js';

/** A reader that splits a byte stream into frames, keeping an incomplete one for the next chunk. */
export abstract class HeldBytesReader {
  private held = new Uint8Array(0);

  /** Bytes of an incomplete frame held back (for "cut short" diagnostics). */
  get pending(): number {
    return this.held.length;
  }

  /** The first bytes held back, hex. */
  pendingHex(): string {
    return toHex(this.held.subarray(0, 16));
  }

  /** Drops what is held back (the framing is lost anyway). */
  reset(): void {
    this.held = new Uint8Array(0);
  }

  /** What is held back followed by `chunk`. */
  protected withHeld(chunk: Uint8Array): Uint8Array {
    const b = new Uint8Array(this.held.length + chunk.length);
    b.set(this.held);
    b.set(chunk, this.held.length);
    return b;
  }

  /** Keeps `b` from offset `from` for the next chunk. */
  protected hold(b: Uint8Array, from: number): void {
    this.held = b.slice(from);
  }
}

/**
 * TRANSPORT_TIMEOUT for `what`, naming the port, a frame cut short (which is then dropped) and the
 * last framing problem seen.
 */
export function noAnswerError(what: string, ms: number, label: string, reader: HeldBytesReader, unit: 'frame' | 'message', lastProblem?: string): LpaError {
  const parts = [`${what}: no answer from ${label} within ${ms} ms`];
  if (reader.pending > 0) {
    parts.push(`a ${unit} was cut short (${reader.pending} bytes received: ${reader.pendingHex()}...)`);
    reader.reset();
  }
  if (lastProblem) parts.push(lastProblem);
  return new LpaError('TRANSPORT_TIMEOUT', parts.join('; '), { path: label, timeoutMs: ms });
}
