// The event frames' `sequence`: one counter per server, kept increasing across restarts through a mark in the data folder.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SEQUENCE_FILE = 'event-sequence';
/** Numbers reserved at a time: the mark is written about once per this many frames (and at start). */
export const SEQUENCE_RESERVE = 100_000;
/** After a failed write of the mark, it is tried again after this many numbers or this long, whichever comes first. */
export const SEQUENCE_RETRY_EVERY_NUMBERS = 1000;
export const SEQUENCE_RETRY_INTERVAL_MS = 1000;

/** Where the hub takes its sequence numbers from. */
export interface SequenceSource {
  /**
   * The next number: greater than every number given before (by this process or, when persisted, an earlier one).
   * Undefined when no number may be given now (a persisted mark could not be moved up): the caller must not number
   * a frame past it.
   */
  next(): number | undefined;
}

/** Numbers from 1, in memory (tests of the hub alone). */
export class CountingSequence implements SequenceSource {
  private value = 0;
  next(): number {
    return ++this.value;
  }
}

/** Writes the mark durably; the default writes a temporary file and renames it over the old one (never half written). */
export type MarkWriter = (path: string, text: string) => void;

function writeMark(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

export interface SequenceOptions {
  /** Numbers reserved per write of the mark (tests lower it). */
  reserve?: number;
  writer?: MarkWriter;
  /** Milliseconds now, for the retry interval. */
  now?: () => number;
}

/** What /healthz and /metrics show of the mark. */
export interface SequenceHealth {
  /** False while the latest write of the mark failed. */
  markWritable: boolean;
  /** Failed writes since start. */
  writeFailures: number;
  /** Numbers left below the written mark. */
  headroom: number;
  lastError: string | undefined;
}

/**
 * Numbers that keep increasing across restarts: the data folder holds a mark above every number handed out, written
 * before the numbers below it are used. After a restart, even after a crash, numbering goes on above the mark, so a
 * client that drops frames whose sequence does not increase never ignores new ones. A restart leaves a gap, which
 * the sequence contract allows.
 *
 * The next block is reserved when half of the current one is used, so a failed write (a full disk) leaves half a
 * block of numbers in hand while it is retried. A number is never handed out above the written mark: if the mark
 * still cannot be written when those run out, next() answers undefined until a retry succeeds.
 */
export class PersistentSequence implements SequenceSource {
  private value: number;
  /** The mark last written durably: no number above it is handed out. */
  private durable: number;
  private readonly reserve: number;
  private readonly writer: MarkWriter;
  private readonly now: () => number;
  private failing = false;
  private failures = 0;
  private lastError: Error | undefined;
  private callsSinceTry = 0;
  private lastTryMs = 0;
  private onWriteError: (error: Error) => void = () => {};

  private constructor(
    private readonly path: string,
    start: number,
    options: SequenceOptions,
  ) {
    this.value = start;
    this.durable = start;
    this.reserve = options.reserve ?? SEQUENCE_RESERVE;
    this.writer = options.writer ?? writeMark;
    this.now = options.now ?? Date.now;
    // At start a mark that cannot be written stops the server (the data folder is unusable): nothing is caught here.
    this.writer(this.path, `${start + this.reserve}\n`);
    this.durable = start + this.reserve;
  }

  /** Reads `<dataDir>/event-sequence` (absent: numbering starts at 1) and reserves the first block. */
  static open(dataDir: string, options: SequenceOptions = {}): PersistentSequence {
    const path = join(dataDir, SEQUENCE_FILE);
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const start = text === undefined ? 0 : Number(text.trim());
    if (!Number.isSafeInteger(start) || start < 0) throw new Error(`${path} does not hold a sequence mark ('${text?.slice(0, 40) ?? ''}'): delete it to start numbering events at 1 again`);
    return new PersistentSequence(path, start, options);
  }

  /** Called with each failed write of the mark after start (retries included, so at most once per retry). */
  reportErrorsTo(listener: (error: Error) => void): void {
    this.onWriteError = listener;
  }

  next(): number | undefined {
    this.callsSinceTry++;
    if (this.durable - this.value <= this.reserve / 2 && this.mayTry()) this.tryReserve();
    if (this.value >= this.durable) return undefined;
    return ++this.value;
  }

  health(): SequenceHealth {
    return { markWritable: !this.failing, writeFailures: this.failures, headroom: this.durable - this.value, lastError: this.lastError?.message };
  }

  /** The first try of each block at once; after a failure, every so many numbers or so much time. */
  private mayTry(): boolean {
    if (!this.failing) return true;
    return this.callsSinceTry >= SEQUENCE_RETRY_EVERY_NUMBERS || this.now() - this.lastTryMs >= SEQUENCE_RETRY_INTERVAL_MS;
  }

  /** Moves the mark one block above the numbers used; the new numbers count only once it is written. */
  private tryReserve(): void {
    this.callsSinceTry = 0;
    this.lastTryMs = this.now();
    const target = this.value + this.reserve;
    try {
      this.writer(this.path, `${target}\n`);
      this.durable = target;
      this.failing = false;
    } catch (error) {
      this.failing = true;
      this.failures++;
      this.lastError = error instanceof Error ? error : new Error(String(error));
      this.onWriteError(this.lastError);
    }
  }
}
