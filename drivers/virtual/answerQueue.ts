/**
 * The answer side of the virtual module's QMI and MBIM ports: requests are executed one at a time,
 * in order; each answer leaves after the quirk delay plus the link model's per-message time (less
 * what executing took), unless the `loseNext` quirk swallows it. `after` runs once the answer is
 * out (a REFRESH the card asked for starts then).
 */
import type { MessageTiming, MessageTimingHook } from './link.js';
import type { VirtualModem } from './modem.js';

export interface Answered {
  frames: Uint8Array[];
  /** What the link model needs (apdus, answer sizes). */
  timing: MessageTiming;
  after?: () => void;
}

export class AnswerQueue<T> {
  private readonly queue: T[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private busy = false;

  constructor(
    private readonly modem: VirtualModem,
    private readonly handle: (item: T) => Answered,
    private readonly send: (bytes: Uint8Array) => void,
    private readonly timing?: MessageTimingHook,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    this.pump();
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.busy = false;
  }

  private pump(): void {
    while (!this.busy && this.queue.length > 0) {
      const started = performance.now();
      const a = this.handle(this.queue.shift()!);
      const q = this.modem.quirks;
      const lost = q.loseNext > 0;
      if (lost) q.loseNext--;
      const modelled = this.timing?.(a.timing) ?? 0;
      const delay = q.delayMs + Math.max(0, modelled - (performance.now() - started));
      const finish = (): void => {
        if (!lost) for (const f of a.frames) this.send(f);
        a.after?.();
      };
      if (!(delay > 0)) {
        finish();
        continue;
      }
      this.busy = true;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.busy = false;
        finish();
        this.pump();
      }, delay);
      this.timers.add(t);
    }
  }
}
