// Slows down credential guessing: too many failed token requests for one client id within a window answer 429.

import type { Clock } from '../../core/clock.js';

export interface FailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Most keys remembered; the oldest window is forgotten first. */
  maxEntries: number;
}

interface Window {
  startMs: number;
  failures: number;
}

/**
 * Fixed windows per key: the first failure opens a window of `windowMs`; once it holds `maxFailures` failures,
 * the key is blocked until the window ends. Other keys are unaffected. Memory is bounded by `maxEntries`.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly options: FailureLimiterOptions,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string): number {
    const window = this.current(key);
    if (!window || window.failures < this.options.maxFailures) return 0;
    return window.startMs + this.options.windowMs - this.clock.now();
  }

  recordFailure(key: string): void {
    const window = this.current(key);
    if (window) {
      window.failures++;
      return;
    }
    this.windows.set(key, { startMs: this.clock.now(), failures: 1 });
    // Map iteration is insertion order, and a window is only ever inserted when it opens: the first is the oldest.
    while (this.windows.size > this.options.maxEntries) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }

  /** Forgets the failures of `key` (after a successful authentication). */
  reset(key: string): void {
    this.windows.delete(key);
  }

  /** Number of keys remembered (for tests of the bound). */
  get size(): number {
    return this.windows.size;
  }

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.clock.now() - window.startMs >= this.options.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}
