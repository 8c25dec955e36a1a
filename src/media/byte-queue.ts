// A bounded byte FIFO between an audio upload (chunks of any size) and the media clock (one 20 ms frame per tick).

import {
  BYTES_PER_SAMPLE,
  UPLOAD_HARD_LIMIT_BYTES,
  UPLOAD_HIGH_WATER_BYTES,
  UPLOAD_INITIAL_CAPACITY_BYTES,
  UPLOAD_LOW_WATER_BYTES,
  decodeS16le,
} from './format.js';

/** Options of {@link ByteQueue}; every size in bytes. */
export interface ByteQueueOptions {
  /** push() returns false once this many bytes or more are buffered. Default UPLOAD_HIGH_WATER_BYTES (5 s). */
  highWaterBytes?: number;
  /** After push() returned false, onDrain fires when buffered bytes fall to this. Default UPLOAD_LOW_WATER_BYTES (2 s). */
  lowWaterBytes?: number;
  /** Buffered bytes never exceed this; a push that would is a RangeError. Default UPLOAD_HARD_LIMIT_BYTES (15 s). */
  hardLimitBytes?: number;
  /** Called (synchronously, from a read or clear) when back-pressure releases: resume reading the upload. */
  onDrain?: () => void;
}

/**
 * The s16le bytes of an upload waiting to be played. Chunks are copied into one ring buffer, so a chunk may end in the
 * middle of a sample (odd byte counts) and memory never exceeds the hard limit, whatever the chunking. It never drops:
 * the producer must stop when push() returns false and resume on onDrain.
 *
 * Storage starts at UPLOAD_INITIAL_CAPACITY_BYTES on the first push and doubles as needed up to the hard limit; once the
 * queue empties, storage above the initial size is released. Reads never allocate.
 */
export class ByteQueue {
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
  readonly hardLimitBytes: number;
  /** Called when back-pressure releases (see {@link ByteQueueOptions.onDrain}); may be replaced at any time. */
  onDrain: (() => void) | undefined;

  private storage: Buffer | undefined;
  private capacity = 0; // even, so a sample read from an even head never straddles the wrap
  private head = 0; // index of the oldest byte; even except transiently inside readFinalFrame
  private size = 0; // bytes buffered
  private pushedTotal = 0;
  private readTotal = 0;
  private waitingForDrain = false;

  constructor(options: ByteQueueOptions = {}) {
    this.highWaterBytes = options.highWaterBytes ?? UPLOAD_HIGH_WATER_BYTES;
    this.lowWaterBytes = options.lowWaterBytes ?? UPLOAD_LOW_WATER_BYTES;
    this.hardLimitBytes = options.hardLimitBytes ?? UPLOAD_HARD_LIMIT_BYTES;
    this.onDrain = options.onDrain;
    if (!(this.lowWaterBytes >= 0 && this.lowWaterBytes < this.highWaterBytes && this.highWaterBytes <= this.hardLimitBytes && Number.isFinite(this.hardLimitBytes))) {
      throw new RangeError('byte queue needs 0 <= lowWaterBytes < highWaterBytes <= hardLimitBytes (finite)');
    }
  }

  /** Bytes waiting to be read. */
  get bufferedBytes(): number {
    return this.size;
  }

  /** Bytes accepted since creation. */
  get totalPushedBytes(): number {
    return this.pushedTotal;
  }

  /** Bytes read (played) since creation, including bytes discarded by clear() and a final odd byte. */
  get totalReadBytes(): number {
    return this.readTotal;
  }

  /** Bytes of storage currently allocated. */
  get capacityBytes(): number {
    return this.capacity;
  }

  /** True from a push() that returned false until onDrain fires: the producer should not be reading. */
  get isBackPressured(): boolean {
    return this.waitingForDrain;
  }

  /**
   * Appends a copy of `chunk`. Returns false when, with it, the high-water mark is reached: the producer must pause
   * until onDrain. Throws a RangeError, accepting nothing, if the chunk would take the queue past the hard limit.
   */
  push(chunk: Uint8Array): boolean {
    const len = chunk.byteLength;
    if (this.size + len > this.hardLimitBytes) {
      throw new RangeError(`byte queue hard limit: ${this.size} bytes buffered + ${len} > ${this.hardLimitBytes} (the producer ignored back-pressure)`);
    }
    if (len > 0) {
      this.ensureCapacity(this.size + len);
      const storage = this.storage as Buffer;
      let tail = this.head + this.size;
      if (tail >= this.capacity) tail -= this.capacity;
      const first = Math.min(len, this.capacity - tail);
      storage.set(first === len ? chunk : chunk.subarray(0, first), tail);
      if (first < len) storage.set(chunk.subarray(first), 0);
      this.size += len;
      this.pushedTotal += len;
    }
    if (this.size >= this.highWaterBytes) {
      this.waitingForDrain = true;
      return false;
    }
    return true;
  }

  /**
   * Fills `out` (normally FRAME_SAMPLES) with the oldest out.length samples and returns true, if that many bytes are
   * buffered; otherwise returns false and leaves `out` untouched (an underrun: the upload is behind real time).
   */
  readFrame(out: Int16Array): boolean {
    const need = out.length * BYTES_PER_SAMPLE;
    if (this.size < need) return false;
    this.take(out, out.length);
    return true;
  }

  /**
   * For the end of an upload: reads like readFrame, but with less than a frame buffered takes what is there,
   * zero-pads `out` and discards a trailing odd byte. Returns the samples of audio written (0 when empty).
   */
  readFinalFrame(out: Int16Array): number {
    if (this.readFrame(out)) return out.length;
    const samples = this.size >> 1;
    if (samples > 0) this.take(out, samples);
    out.fill(0, samples);
    if (this.size > 0) this.discard(this.size); // the odd byte
    return samples;
  }

  /** Discards everything buffered (counted as read); fires onDrain if back-pressure was engaged. Returns the bytes dropped. */
  clear(): number {
    const dropped = this.size;
    this.discard(dropped);
    return dropped;
  }

  private take(out: Int16Array, samples: number): void {
    const storage = this.storage as Buffer;
    const firstSamples = Math.min(samples, (this.capacity - this.head) >> 1);
    decodeS16le(storage, this.head, out, 0, firstSamples);
    if (firstSamples < samples) decodeS16le(storage, 0, out, firstSamples, samples - firstSamples);
    this.discard(samples * BYTES_PER_SAMPLE);
  }

  private discard(bytes: number): void {
    this.head += bytes;
    if (this.head >= this.capacity) this.head -= this.capacity;
    this.size -= bytes;
    this.readTotal += bytes;
    if (this.size === 0) {
      this.head = 0;
      // Release storage grown for a burst; the initial block is kept so steady streaming does not churn.
      if (this.capacity > UPLOAD_INITIAL_CAPACITY_BYTES) {
        this.storage = undefined;
        this.capacity = 0;
      }
    }
    if (this.waitingForDrain && this.size <= this.lowWaterBytes) {
      this.waitingForDrain = false;
      this.onDrain?.();
    }
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    let next = Math.max(this.capacity, UPLOAD_INITIAL_CAPACITY_BYTES);
    while (next < needed) next *= 2;
    const cap = this.hardLimitBytes + (this.hardLimitBytes & 1); // even, for the no-straddle invariant
    if (next > cap) next = cap;
    const grown = Buffer.allocUnsafe(next);
    if (this.storage !== undefined && this.size > 0) {
      // Linearise: oldest byte to index 0.
      const first = Math.min(this.size, this.capacity - this.head);
      this.storage.copy(grown, 0, this.head, this.head + first);
      if (first < this.size) this.storage.copy(grown, first, 0, this.size - first);
    }
    this.storage = grown;
    this.capacity = next;
    this.head = 0;
  }
}
