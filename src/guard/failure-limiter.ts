// Slows down credential guessing: too many failures for one canonical key within a window block it (token requests, SIP digest).

import type { Clock } from '../core/clock.js';

export interface FailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Most keys of known principals remembered (configured clients, accounts); the oldest window is forgotten first. */
  maxKnownEntries: number;
  /** Most keys of unknown principals remembered; the oldest unknown window is forgotten first, never a known one. */
  maxUnknownEntries: number;
}

interface Window {
  startMs: number;
  failures: number;
}

/** Fixed windows per key, in insertion order (a window is only inserted when it opens: the first is the oldest). */
class WindowTable {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): Window | undefined {
    return this.windows.get(key);
  }

  open(key: string, startMs: number): void {
    this.windows.set(key, { startMs, failures: 1 });
    while (this.windows.size > this.maxEntries) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }

  delete(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }
}

/**
 * Fixed windows per key: the first failure opens a window of `windowMs`; once it holds `maxFailures` failures,
 * the key is blocked until the window ends. Other keys are unaffected.
 *
 * How a transport uses it: reduce whatever the client sent to one canonical key first (the configured client id
 * an id's spellings decode to, a SIP username@realm), so that different spellings of one principal share one window;
 * say whether the key names a known principal. Known and unknown keys live in separate bounded tables, so a flood
 * of made-up ids can only push out other made-up ids, never the record of a real client under attack. Ask
 * `retryAfterMs` before checking credentials, `recordFailure` after a failed check, `reset` after a success.
 */
export class FailureLimiter {
  private readonly known: WindowTable;
  private readonly unknown: WindowTable;

  constructor(
    private readonly clock: Clock,
    private readonly options: FailureLimiterOptions,
  ) {
    this.known = new WindowTable(options.maxKnownEntries);
    this.unknown = new WindowTable(options.maxUnknownEntries);
  }

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string, known: boolean): number {
    const window = this.current(key, known);
    if (!window || window.failures < this.options.maxFailures) return 0;
    return window.startMs + this.options.windowMs - this.clock.now();
  }

  recordFailure(key: string, known: boolean): void {
    const window = this.current(key, known);
    if (window) window.failures++;
    else this.table(known).open(key, this.clock.now());
  }

  /** Forgets the failures of `key` (after a successful authentication). */
  reset(key: string, known: boolean): void {
    this.table(known).delete(key);
  }

  /** Keys remembered, per table (for tests of the bounds). */
  get size(): { known: number; unknown: number } {
    return { known: this.known.size, unknown: this.unknown.size };
  }

  private table(known: boolean): WindowTable {
    return known ? this.known : this.unknown;
  }

  private current(key: string, known: boolean): Window | undefined {
    const table = this.table(known);
    const window = table.get(key);
    if (window && this.clock.now() - window.startMs >= this.options.windowMs) {
      table.delete(key);
      return undefined;
    }
    return window;
  }
}
