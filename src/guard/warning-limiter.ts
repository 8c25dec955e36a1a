// One warning line per kind of client misbehaviour at most every so often, so a hostile peer cannot flood the log.

import type { Clock } from '../core/clock.js';

/** The part of a logger this needs (pino's and fastify's loggers fit). */
export interface WarnLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface WarningLimiterOptions {
  /** Lines written per kind within one window; later ones are counted, not written. */
  maxLinesPerWindow: number;
  windowMs: number;
  /** Kinds tracked at once (kinds are a small fixed vocabulary; the bound only guards against a careless caller). */
  maxKinds: number;
}

interface KindWindow {
  startMs: number;
  written: number;
  suppressed: number;
}

/**
 * Rate-limited warnings keyed by a kind (`ws-protocol-error`, `sip-parse-error`...). Within each window at most
 * `maxLinesPerWindow` lines of a kind are written; the first line of the next window carries `suppressed`, how
 * many were left out. Use a small fixed vocabulary of kinds, never client data, as the key.
 */
export class WarningLimiter {
  private readonly kinds = new Map<string, KindWindow>();

  constructor(
    private readonly logger: WarnLogger,
    private readonly clock: Clock,
    private readonly options: WarningLimiterOptions,
  ) {}

  /** Writes the warning unless this kind already wrote its share of the window. Returns whether it was written. */
  warn(kind: string, fields: Record<string, unknown>, message: string): boolean {
    const now = this.clock.now();
    let window = this.kinds.get(kind);
    let suppressed = 0;
    if (window && now - window.startMs >= this.options.windowMs) {
      suppressed = window.suppressed;
      window = undefined;
    }
    if (!window) {
      if (!this.kinds.has(kind) && this.kinds.size >= this.options.maxKinds) this.kinds.delete(this.kinds.keys().next().value as string);
      window = { startMs: now, written: 0, suppressed: 0 };
      this.kinds.set(kind, window);
    }
    if (window.written >= this.options.maxLinesPerWindow) {
      window.suppressed++;
      return false;
    }
    window.written++;
    this.logger.warn(suppressed > 0 ? { kind, ...fields, suppressed } : { kind, ...fields }, message);
    return true;
  }
}
