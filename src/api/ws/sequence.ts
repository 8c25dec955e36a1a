// The event frames' `sequence`: one counter per server, kept increasing across restarts through a mark in the data folder.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SEQUENCE_FILE = 'event-sequence';
/** Numbers reserved at a time: the mark is written once per this many frames (and at start). */
export const SEQUENCE_RESERVE = 100_000;

/** Where the hub takes its sequence numbers from. */
export interface SequenceSource {
  /** The next number: greater than every number given before (by this process or, when persisted, an earlier one). */
  next(): number;
}

/** Numbers from 1, in memory (tests of the hub alone). */
export class CountingSequence implements SequenceSource {
  private value = 0;
  next(): number {
    return ++this.value;
  }
}

/**
 * Numbers that keep increasing across restarts: the data folder holds a mark above every number handed out, written
 * before the numbers below it are used (blocks of SEQUENCE_RESERVE). After a restart, even after a crash, numbering
 * goes on above the mark, so a client that drops frames whose sequence does not increase never ignores new ones.
 * A restart leaves a gap, which the sequence contract allows.
 */
export class PersistentSequence implements SequenceSource {
  private value: number;
  private ceiling: number;

  private constructor(
    private readonly path: string,
    start: number,
  ) {
    this.value = start;
    this.ceiling = start;
    this.reserve();
  }

  /** Reads `<dataDir>/event-sequence` (absent: numbering starts at 1) and reserves the first block. */
  static open(dataDir: string): PersistentSequence {
    const path = join(dataDir, SEQUENCE_FILE);
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const start = text === undefined ? 0 : Number(text.trim());
    if (!Number.isSafeInteger(start) || start < 0) throw new Error(`${path} does not hold a sequence mark ('${text?.slice(0, 40) ?? ''}'): delete it to start numbering events at 1 again`);
    return new PersistentSequence(path, start);
  }

  next(): number {
    if (this.value >= this.ceiling) this.reserve();
    return ++this.value;
  }

  /** Moves the mark one block up, written to a temporary file and renamed over the old one (never half written). */
  private reserve(): void {
    this.ceiling = this.value + SEQUENCE_RESERVE;
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${this.ceiling}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
  }
}
