// Recordings of what simulated parties hear: one byte budget for all of them, and the recordings of parties that left, kept a while.

import { MAX_KEPT_RECORDINGS, MAX_RECORDING_TOTAL_BYTES } from '../limits.js';
import { BYTES_PER_SAMPLE, FRAME_BYTES, FRAME_SAMPLES } from './format.js';
import type { Recorder } from './recorder.js';

/** A frame of silence that is never written. */
const SILENCE = new Int16Array(FRAME_SAMPLES);

/**
 * Live recorders append through here so that, together with the kept ones, they never hold more than
 * MAX_RECORDING_TOTAL_BYTES (frames beyond it are not recorded). At most MAX_KEPT_RECORDINGS recordings of parties
 * that left are kept, the oldest forgotten first.
 */
export class Recordings {
  private bytes = 0;
  /** Recordings of parties that left, oldest first. */
  private readonly kept = new Map<number, Recorder>();

  /** Bytes held by recorders, live and kept. */
  get recordedBytes(): number {
    return this.bytes;
  }

  /** Appends one frame to a live recorder, unless the budget is spent. */
  record(recorder: Recorder, frame: Int16Array): void {
    if (this.bytes + FRAME_BYTES > MAX_RECORDING_TOTAL_BYTES) return;
    const before = recorder.lengthSamples;
    recorder.append(frame);
    this.bytes += (recorder.lengthSamples - before) * BYTES_PER_SAMPLE;
  }

  /** Appends `frames` frames of silence (frames the party heard while the clock slept), as far as the recorder has room. */
  recordSilence(recorder: Recorder, frames: number): void {
    const room = Math.ceil((recorder.maxSamples - recorder.lengthSamples) / FRAME_SAMPLES);
    for (let i = Math.min(frames, room); i > 0; i--) this.record(recorder, SILENCE);
  }

  /** Keeps the recording of participant `id`, who left. */
  keep(id: number, recorder: Recorder): void {
    this.kept.set(id, recorder);
    while (this.kept.size > MAX_KEPT_RECORDINGS) {
      const [oldestId, oldest] = this.kept.entries().next().value as [number, Recorder];
      this.kept.delete(oldestId);
      this.bytes -= oldest.lengthSamples * BYTES_PER_SAMPLE;
    }
  }

  /** The kept recording of participant `id`, or undefined. */
  keptOf(id: number): Recorder | undefined {
    return this.kept.get(id);
  }

  /** Forgets every kept recording. */
  clearKept(): void {
    for (const recorder of this.kept.values()) this.bytes -= recorder.lengthSamples * BYTES_PER_SAMPLE;
    this.kept.clear();
  }
}
