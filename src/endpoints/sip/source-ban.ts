// Failed authentications per source address, and the temporary ban of a source that failed too often: bounded, on the clock.

import type { Clock } from '../../core/clock.js';

export interface SourceBanOptions {
  clock: Clock;
  /** Failures counted within `windowMs` before the source is banned. */
  maxFailures: number;
  windowMs: number;
  banMs: number;
  /** Most sources tracked at once; beyond it the oldest entry is forgotten (a ban included). */
  maxEntries: number;
}

/** What the SIP server asks of a ban: transport-neutral, keyed by source address (without the port). */
export interface FailureBan {
  isBanned(source: string): boolean;
  /** Records one failure; true when this failure started a ban. */
  fail(source: string): boolean;
}

interface Entry {
  failures: number;
  windowStartMs: number;
  bannedUntilMs: number;
}

export class SourceBan implements FailureBan {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: SourceBanOptions) {}

  isBanned(source: string): boolean {
    const entry = this.entries.get(source);
    return entry !== undefined && entry.bannedUntilMs > this.options.clock.now();
  }

  fail(source: string): boolean {
    const now = this.options.clock.now();
    let entry = this.entries.get(source);
    if (!entry || (now - entry.windowStartMs >= this.options.windowMs && entry.bannedUntilMs <= now)) {
      entry = { failures: 0, windowStartMs: now, bannedUntilMs: 0 };
    }
    // Map order is insertion order: re-inserting keeps the most recently active source last, the oldest first to go.
    this.entries.delete(source);
    this.entries.set(source, entry);
    this.trim();
    if (entry.bannedUntilMs > now) return false;
    entry.failures += 1;
    if (entry.failures < this.options.maxFailures) return false;
    entry.bannedUntilMs = now + this.options.banMs;
    entry.failures = 0;
    entry.windowStartMs = now;
    return true;
  }

  /** Sources banned right now. */
  get bannedCount(): number {
    const now = this.options.clock.now();
    let count = 0;
    for (const entry of this.entries.values()) if (entry.bannedUntilMs > now) count += 1;
    return count;
  }

  get trackedCount(): number {
    return this.entries.size;
  }

  private trim(): void {
    for (const source of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) return;
      this.entries.delete(source);
    }
  }
}
