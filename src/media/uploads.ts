// An application's audio upload to one participant (POST .../stream): bytes in with back-pressure, one 20 ms frame per tick out.

import { UPLOAD_START_BUFFER_MS } from '../limits.js';
import { ByteQueue } from './byte-queue.js';
import { BYTES_PER_SAMPLE, FRAME_BYTES, msToSamples } from './format.js';

/**
 * How an upload ended: its audio played out (`played`, after which the participant got PromptPlaybackFinished),
 * a newer upload replaced it, the participant left, or the engine stopped.
 */
export type UploadOutcome = 'played' | 'replaced' | 'left' | 'stopped';

export interface UploadListener {
  /** Back-pressure released: resume reading the upload. */
  drain(): void;
  /** The upload is over (called once); bytes pushed from now on are ignored. */
  done(outcome: UploadOutcome): void;
}

/** Bytes an upload buffers before it starts playing (and again after it ran dry), at least one frame. */
const UPLOAD_START_BYTES = Math.max(FRAME_BYTES, msToSamples(UPLOAD_START_BUFFER_MS) * BYTES_PER_SAMPLE);

/**
 * An application's audio upload to one participant (POST .../stream): bytes in, one frame per tick out. Bytes are
 * queued in a {@link ByteQueue}; when it passes high water, push() returns false and the producer must pause until
 * its listener's drain(). A chunk larger than the room left is split, the rest held until the queue drains, so the
 * queue never exceeds its hard limit. Never parses the bytes.
 */
export class Upload {
  private readonly queue: ByteQueue;
  private pending: Uint8Array | undefined; // the part of a chunk that did not fit yet
  private ended = false;
  private playing = false; // false while (re)filling to UPLOAD_START_BYTES
  private started = false;
  private closed = false;
  /** Frames of silence played because the upload had run dry while open. */
  underrunFrames = 0;

  /** @internal the engine creates uploads (openUpload). */
  constructor(
    private readonly listener: UploadListener,
    onQueueDrain: (upload: Upload) => void,
  ) {
    this.queue = new ByteQueue({ onDrain: () => onQueueDrain(this) });
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.queue.totalPushedBytes + (this.pending?.byteLength ?? 0);
  }

  /** Bytes waiting to be played. */
  get bufferedBytes(): number {
    return this.queue.bufferedBytes + (this.pending?.byteLength ?? 0);
  }

  /** True once the upload is over (played, replaced, the participant left, or the engine stopped). */
  get isDone(): boolean {
    return this.closed;
  }

  /** True while the producer should not be reading (back-pressure engaged). */
  get isPaused(): boolean {
    return this.pending !== undefined || this.queue.isBackPressured;
  }

  /** Queues a chunk (not copied until it fits). Returns false when the producer must pause until drain(). */
  push(chunk: Uint8Array): boolean {
    if (this.closed || this.ended || chunk.byteLength === 0) return !this.isPaused;
    // A producer that ignored a false return: keep its bytes (this copies, rarely) rather than lose audio.
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    return this.pump();
  }

  /** No more bytes will come (final chunk, end(), or the socket aborted): what is queued plays out, then `played`. */
  end(): void {
    this.ended = true;
  }

  /** Moves held bytes into the queue as room allows; true when everything fits and the queue is below high water. */
  pump(): boolean {
    const queue = this.queue;
    for (;;) {
      const chunk = this.pending;
      if (chunk === undefined) return !queue.isBackPressured;
      const room = queue.hardLimitBytes - queue.bufferedBytes;
      if (room <= 0) return false;
      if (chunk.byteLength <= room) {
        this.pending = undefined;
        return queue.push(chunk);
      }
      queue.push(chunk.subarray(0, room));
      this.pending = chunk.subarray(room);
    }
  }

  /** Fills `out` with the next frame (silence while filling or dry). False once ended and played out. */
  read(out: Int16Array): boolean {
    const queue = this.queue;
    if (!this.playing) {
      if (queue.bufferedBytes >= UPLOAD_START_BYTES || (this.ended && this.pending === undefined)) {
        this.playing = true;
      } else {
        out.fill(0);
        if (this.started) this.underrunFrames++;
        return true;
      }
    }
    if (queue.readFrame(out)) {
      this.started = true;
      return true;
    }
    if (this.ended && this.pending === undefined) return queue.readFinalFrame(out) > 0;
    out.fill(0);
    this.underrunFrames++;
    this.playing = false;
    return true;
  }

  /** @internal ends the upload once; its listener hears the outcome. */
  finish(outcome: UploadOutcome): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.queue.onDrain = undefined;
    this.queue.clear();
    this.listener.done(outcome);
  }

  /** @internal */
  notifyDrain(): void {
    if (!this.closed && this.pump()) this.listener.drain();
  }
}
