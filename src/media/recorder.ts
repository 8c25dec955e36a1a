// A recorder of everything a party hears: appends frames up to a hard cap, exports WAV or raw PCM.

import { RECORDER_BLOCK_SAMPLES, RECORDER_MAX_DURATION_MS, SAMPLE_RATE_HZ, bytesFromSamples, msToSamples } from './format.js';
import { encodeWav8kMono } from './wav.js';

/** Options of {@link Recorder}. */
export interface RecorderOptions {
  /** Most audio kept, in milliseconds; default RECORDER_MAX_DURATION_MS (10 minutes). */
  maxDurationMs?: number;
}

/**
 * Stores 8 kHz mono s16 audio in 1 s blocks (growth never copies what is already stored). At the cap it keeps the
 * beginning and drops what comes after, counting it: the start of a call (greeting, prompts, the first key presses) is
 * what tests and people look for, and keep-first needs no copying, unlike a ring that drops the oldest.
 */
export class Recorder {
  /** The cap, in samples. */
  readonly maxSamples: number;
  private readonly blocks: Int16Array[] = [];
  private length = 0; // samples stored
  private dropped = 0; // samples not stored because of the cap
  private droppedFrameCount = 0; // appends not stored in full

  constructor(options: RecorderOptions = {}) {
    const maxMs = options.maxDurationMs ?? RECORDER_MAX_DURATION_MS;
    if (!(maxMs >= 0 && Number.isFinite(maxMs))) throw new RangeError(`recorder cap must be a finite number of milliseconds >= 0, got ${maxMs}`);
    this.maxSamples = msToSamples(maxMs);
  }

  /**
   * Appends a frame (any length; copied). Returns false when the cap cut it (in part or whole), which is also counted in
   * droppedFrames/droppedSamples. Allocates only when a new 1 s block is started.
   */
  append(frame: Int16Array): boolean {
    const room = this.maxSamples - this.length;
    const n = frame.length <= room ? frame.length : room;
    let copied = 0;
    while (copied < n) {
      const blockIndex = Math.floor(this.length / RECORDER_BLOCK_SAMPLES);
      const at = this.length - blockIndex * RECORDER_BLOCK_SAMPLES;
      let block = this.blocks[blockIndex];
      if (block === undefined) {
        block = new Int16Array(RECORDER_BLOCK_SAMPLES);
        this.blocks.push(block);
      }
      const take = Math.min(n - copied, RECORDER_BLOCK_SAMPLES - at);
      for (let i = 0; i < take; i++) block[at + i] = frame[copied + i] as number;
      copied += take;
      this.length += take;
    }
    if (n === frame.length) return true;
    this.dropped += frame.length - n;
    this.droppedFrameCount++;
    return false;
  }

  /** Samples stored. */
  get lengthSamples(): number {
    return this.length;
  }

  /** Duration stored, in milliseconds. */
  get durationMs(): number {
    return (this.length * 1000) / SAMPLE_RATE_HZ;
  }

  /** Samples that arrived after the cap was reached and were not stored. */
  get droppedSamples(): number {
    return this.dropped;
  }

  /** Appends that were cut by the cap, in part or whole. */
  get droppedFrames(): number {
    return this.droppedFrameCount;
  }

  /** A copy of everything stored, as one Int16Array. */
  toPcm(): Int16Array {
    const out = new Int16Array(this.length);
    let at = 0;
    for (const block of this.blocks) {
      const take = Math.min(RECORDER_BLOCK_SAMPLES, this.length - at);
      if (take <= 0) break;
      out.set(take === RECORDER_BLOCK_SAMPLES ? block : block.subarray(0, take), at);
      at += take;
    }
    return out;
  }

  /** Everything stored as raw s16le bytes (PROTOCOL.md §6 format). */
  toRaw(): Buffer {
    return bytesFromSamples(this.toPcm());
  }

  /** Everything stored as a WAV file (8 kHz, mono, 16-bit PCM). */
  toWav(): Buffer {
    return encodeWav8kMono(this.toPcm());
  }

  /** Discards everything stored and the drop counters (memory is released). */
  clear(): void {
    this.blocks.length = 0;
    this.length = 0;
    this.dropped = 0;
    this.droppedFrameCount = 0;
  }
}
