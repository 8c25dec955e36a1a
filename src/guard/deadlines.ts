// Deadlines of a request/response connection (HTTP now, SIP over TCP/TLS next): slow heads, stalled bodies, idle keep-alive.

import type { Clock, TimerHandle } from '../core/clock.js';

export interface DeadlineLimits {
  /** From a request's first byte (a new connection's start) to its complete head, in ms: a total, not an inactivity. */
  headMs: number;
  /** Longest silence while a request body is still arriving, in ms (an upload that keeps sending is never cut). */
  bodyIdleMs: number;
  /** Longest silence between requests on a kept-alive connection, in ms. */
  idleMs: number;
  /** How often the deadlines are checked, in ms: a deadline is met within this much after it passes. */
  checkIntervalMs: number;
}

/** Why a connection was cut off: `head` and `body` deserve an answer (HTTP 408), `idle` only a close. */
export type DeadlineReason = 'head' | 'body' | 'idle';

/** What the transport shows of one connection. */
export interface WatchedConnection {
  /** Bytes received so far (any count that grows when the peer sends: raw or decrypted). */
  bytesRead(): number;
  /** Called once when a deadline passes; the connection is no longer watched afterwards. */
  expire(reason: DeadlineReason): void;
}

/**
 * - `head`: waiting for a request's head; deadline headMs after the phase began.
 * - `body`: head received, body still arriving; deadline bodyIdleMs after the last byte.
 * - `busy`: the request is complete and the server is answering (waits on the server are never the peer's fault).
 * - `idle`: answered, waiting for the next request; deadline idleMs after the last byte. A byte starts `head`.
 */
type Phase = 'head' | 'body' | 'busy' | 'idle';

/**
 * One connection's deadlines. Tell it what the protocol parser saw: `headComplete(bodyDone)` when a request's head
 * has been parsed (`bodyDone` says whether its body has fully arrived; it is asked at each check), `answered()`
 * when the response has been sent. `release()` stops watching (connection closed, or handed to another protocol
 * with its own liveness, such as a WebSocket).
 */
export interface ConnectionDeadline {
  headComplete(bodyDone: () => boolean): void;
  answered(): void;
  release(): void;
}

interface Entry {
  connection: WatchedConnection;
  phase: Phase;
  /** When the current phase began (head) or bytes last arrived (body, idle), by the clock. */
  sinceMs: number;
  lastBytes: number;
  bodyDone: () => boolean;
  /** Requests answered minus heads parsed: pipelined requests keep the connection busy until all are answered. */
  pending: number;
}

const DONE = () => true;

/**
 * Checks every watched connection each `checkIntervalMs` with one timer (not one per connection), by the injected
 * clock. A transport calls `watch()` when a connection opens (its first phase is `head`) and feeds it the events
 * above; `expire` is called when a deadline passes.
 */
export class ConnectionDeadlines {
  private readonly entries = new Set<Entry>();
  private timer: TimerHandle | undefined;
  private expiredCount: Record<DeadlineReason, number> = { head: 0, body: 0, idle: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly limits: DeadlineLimits,
  ) {}

  watch(connection: WatchedConnection): ConnectionDeadline {
    const entry: Entry = { connection, phase: 'head', sinceMs: this.clock.now(), lastBytes: connection.bytesRead(), bodyDone: DONE, pending: 0 };
    this.entries.add(entry);
    this.schedule();
    return {
      headComplete: (bodyDone) => {
        entry.pending++;
        entry.bodyDone = bodyDone;
        this.enter(entry, 'body');
      },
      answered: () => {
        entry.pending = Math.max(0, entry.pending - 1);
        if (entry.pending === 0 && entry.phase === 'busy') this.enter(entry, 'idle');
      },
      release: () => this.entries.delete(entry),
    };
  }

  /** Connections watched now. */
  get size(): number {
    return this.entries.size;
  }

  /** Connections cut off since start, by reason (for metrics). */
  get expired(): Readonly<Record<DeadlineReason, number>> {
    return this.expiredCount;
  }

  /** Stops the checks (the transport is closing); watched connections are forgotten. */
  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.entries.clear();
  }

  private enter(entry: Entry, phase: Phase): void {
    entry.phase = phase;
    entry.sinceMs = this.clock.now();
    entry.lastBytes = entry.connection.bytesRead();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.entries.size === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.check();
      this.schedule();
    }, this.limits.checkIntervalMs);
  }

  private check(): void {
    const now = this.clock.now();
    for (const entry of this.entries) {
      const reason = this.overdue(entry, now);
      if (reason === undefined) continue;
      this.entries.delete(entry);
      this.expiredCount[reason]++;
      entry.connection.expire(reason);
    }
  }

  /** Moves the entry on by what happened since the last check; the reason when its deadline has passed. */
  private overdue(entry: Entry, now: number): DeadlineReason | undefined {
    const bytes = entry.connection.bytesRead();
    const active = bytes !== entry.lastBytes;
    entry.lastBytes = bytes;
    switch (entry.phase) {
      case 'head':
        return now - entry.sinceMs >= this.limits.headMs ? 'head' : undefined;
      case 'body':
        if (entry.bodyDone()) {
          entry.phase = entry.pending > 0 ? 'busy' : 'idle';
          entry.sinceMs = now;
          return undefined;
        }
        if (active) entry.sinceMs = now;
        return now - entry.sinceMs >= this.limits.bodyIdleMs ? 'body' : undefined;
      case 'busy':
        return undefined;
      case 'idle':
        if (active) {
          // The next request has begun: its head must be complete within headMs (counted from this check).
          entry.phase = 'head';
          entry.sinceMs = now;
          return undefined;
        }
        return now - entry.sinceMs >= this.limits.idleMs ? 'idle' : undefined;
      default: {
        const unreachable: never = entry.phase;
        return unreachable;
      }
    }
  }
}
