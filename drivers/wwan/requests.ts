/**
 * Requests waiting for their answer, by key (QMI: service/client/transaction; MBIM: transaction),
 * each with a deadline and an optional AbortSignal. Every request settles exactly once: answer,
 * failure, deadline, abort or `failAll` when the link ends, so nothing ever waits forever.
 */
import { LpaError } from '../../src/errors.js';

export interface Waiting<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

interface Entry<T> extends Waiting<T> {
  timer: NodeJS.Timeout;
  cleanup(): void;
  what: string;
}

export class RequestTable<K, T> {
  private readonly entries = new Map<K, Entry<T>>();
  /** Keys whose deadline passed recently: a late answer for one is dropped silently. */
  private readonly expired: K[] = [];

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  keys(): K[] {
    return [...this.entries.keys()];
  }

  /** True when `key` timed out or was aborted lately (its answer may still come). */
  wasExpired(key: K): boolean {
    return this.expired.includes(key);
  }

  /**
   * Registers `key`; `onTimeout` builds the error for a missed deadline (it may look at what
   * arrived meanwhile).
   */
  wait(key: K, what: string, timeoutMs: number, onTimeout: () => LpaError, signal?: AbortSignal): Promise<T> {
    if (this.entries.has(key)) return Promise.reject(new LpaError('INTERNAL', `${what}: transaction ${String(key)} is already waiting`));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.forget(key);
        const reason: unknown = signal?.reason;
        reject(reason instanceof LpaError ? reason : new LpaError('INTERRUPTED', `${what} interrupted`, {}, { cause: reason }));
      };
      if (signal?.aborted) return onAbort();
      const timer = setTimeout(() => {
        this.forget(key);
        reject(onTimeout());
      }, Math.max(1, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.entries.set(key, {
        resolve,
        reject,
        timer,
        what,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
    });
  }

  /** Settles `key` with `value`; false when nothing waits for it. */
  resolve(key: K, value: T): boolean {
    const e = this.take(key);
    if (!e) return false;
    e.resolve(value);
    return true;
  }

  reject(key: K, error: Error): boolean {
    const e = this.take(key);
    if (!e) return false;
    e.reject(error);
    return true;
  }

  /** Fails every waiting request (link closed, framing lost). */
  failAll(error: (what: string) => Error): void {
    this.failMatching(() => true, error);
  }

  /** Fails the waiting requests whose key passes `match`. */
  failMatching(match: (key: K) => boolean, error: (what: string) => Error): void {
    for (const key of [...this.entries.keys()]) {
      if (!match(key)) continue;
      const e = this.take(key)!;
      e.reject(error(e.what));
    }
  }

  private take(key: K): Entry<T> | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    clearTimeout(e.timer);
    e.cleanup();
    return e;
  }

  private forget(key: K): void {
    const e = this.take(key);
    if (!e) return;
    this.expired.push(key);
    if (this.expired.length > 32) this.expired.shift();
  }
}
