// Slows down credential guessing: too many failures for one canonical key within a window block it (token requests, SIP sources).

import type { Clock } from '../core/clock.js';

export interface FailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Most keys of known principals remembered (configured clients, accounts); the oldest window is forgotten first. */
  maxKnownEntries: number;
  /** Most keys of unknown principals remembered; the oldest unknown window is forgotten first, never a known one. */
  maxUnknownEntries: number;
  /**
   * When set, reaching `maxFailures` blocks the key for this long from that failure (a ban, as SIP sources get),
   * instead of until its window ends; failures while blocked are not counted, and a key's block outlives its window.
   */
  lockoutMs?: number;
  /** Beyond a table's bound, forget the key that failed least recently rather than the oldest window. */
  forgetLeastRecent?: boolean;
}

interface Window {
  startMs: number;
  failures: number;
  /** End of a lockout (with `lockoutMs`); 0 when not locked out. */
  blockedUntilMs: number;
}

/** Fixed windows per key, in insertion order (a window is only inserted when it opens: the first is the oldest). */
class WindowTable {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): Window | undefined {
    return this.windows.get(key);
  }

  /** Moves `key` to the end of the order, as the most recently active. */
  touch(key: string, window: Window): void {
    this.windows.delete(key);
    this.windows.set(key, window);
  }

  values(): IterableIterator<Window> {
    return this.windows.values();
  }

  open(key: string, startMs: number): void {
    this.windows.set(key, { startMs, failures: 1, blockedUntilMs: 0 });
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
 * the key is blocked until the window ends (or, with `lockoutMs`, for that long from the failure that reached the
 * maximum: the SIP source ban, keyed by the canonical source address). Other keys are unaffected.
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
    if (!window) return 0;
    if (this.options.lockoutMs !== undefined) return Math.max(0, window.blockedUntilMs - this.clock.now());
    if (window.failures < this.options.maxFailures) return 0;
    return window.startMs + this.options.windowMs - this.clock.now();
  }

  /** Counts one failure of `key`; true when this failure is the one that blocked it. */
  recordFailure(key: string, known: boolean): boolean {
    const now = this.clock.now();
    const table = this.table(known);
    const window = this.current(key, known);
    if (!window) {
      table.open(key, now);
      return this.reachedMaximum(table.get(key)!, now);
    }
    if (this.options.forgetLeastRecent) table.touch(key, window);
    if (window.blockedUntilMs > now) return false;
    window.failures++;
    return this.reachedMaximum(window, now);
  }

  /** Keys blocked right now, in both tables (for a gauge). */
  get blockedCount(): number {
    const now = this.clock.now();
    let count = 0;
    for (const table of [this.known, this.unknown]) {
      for (const window of table.values()) {
        const locked = this.options.lockoutMs !== undefined ? window.blockedUntilMs > now : window.failures >= this.options.maxFailures && now - window.startMs < this.options.windowMs;
        if (locked) count++;
      }
    }
    return count;
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

  /** True when this failure reached the maximum; with `lockoutMs` it starts the lockout and a fresh count. */
  private reachedMaximum(window: Window, now: number): boolean {
    if (window.failures !== this.options.maxFailures) return false;
    if (this.options.lockoutMs === undefined) return true;
    window.blockedUntilMs = now + this.options.lockoutMs;
    window.failures = 0;
    window.startMs = now;
    return true;
  }

  private current(key: string, known: boolean): Window | undefined {
    const table = this.table(known);
    const window = table.get(key);
    const now = this.clock.now();
    if (window && now - window.startMs >= this.options.windowMs && window.blockedUntilMs <= now) {
      table.delete(key);
      return undefined;
    }
    return window;
  }
}
