// Adaptive playout buffer: RTP audio of any ptime in, placed by timestamp, out as the engine's 20 ms frames.

import { JITTER_MAX_DEPTH_MS, JITTER_MAX_PACKET_MS } from '../../limits.js';
import { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE_HZ } from '../format.js';
import { ReceptionStats } from './reception.js';

/** Smallest cushion kept beyond the frame being played, in ms, however regular the arrivals. */
export const JITTER_MIN_CUSHION_MS = 20;
/** Largest cushion the jitter estimate may ask for, in ms. */
export const JITTER_MAX_CUSHION_MS = 200;
/** Cushion wanted per ms of measured interarrival jitter (RFC 3550 A.8). */
export const JITTER_CUSHION_PER_JITTER = 3;
/** Frames (of 20 ms) over which the lowest cushion is measured before the buffer shrinks or grows by one frame. */
export const JITTER_ADAPT_WINDOW_FRAMES = 50;
/** Gain of the one concealment frame that repeats the last good one (then silence): -6 dB. */
export const JITTER_CONCEAL_GAIN = 0.5;

const SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;
const MAX_DEPTH_SAMPLES = JITTER_MAX_DEPTH_MS * SAMPLES_PER_MS;
const MAX_PACKET_SAMPLES = JITTER_MAX_PACKET_MS * SAMPLES_PER_MS;
const RING_SAMPLES = 8192; // a power of two above MAX_DEPTH_SAMPLES + MAX_PACKET_SAMPLES
const RING_MASK = RING_SAMPLES - 1;

/** What became of one pushed packet. */
export type PushOutcome = 'accepted' | 'late' | 'duplicate' | 'refused';

/** Counters of one buffer, for RTCP and /metrics. */
export interface JitterBufferCounters {
  /** Packets placed in the buffer. */
  accepted: number;
  /** Packets that arrived after their audio was due (dropped). */
  late: number;
  /** Packets whose audio was already buffered (dropped). */
  duplicates: number;
  /** Packets refused: empty, or longer than JITTER_MAX_PACKET_MS. */
  refused: number;
  /** 20 ms frames played without (all) their audio: lost, or not yet arrived when the buffer ran dry. */
  concealedFrames: number;
  /** Times the buffer ran dry (nothing at or beyond the frame due). */
  underruns: number;
  /** Frames discarded because a packet reached beyond JITTER_MAX_DEPTH_MS (rounded up). */
  overflowDroppedFrames: number;
  /** Frames discarded to shrink the delay (a fast sender, or jitter that calmed down). */
  shrinkDroppedFrames: number;
  /** Concealment frames inserted to grow the delay (a slow sender, or jitter that grew). */
  stretchedFrames: number;
  /** Times the source (SSRC) changed. */
  ssrcChanges: number;
}

/**
 * Reorders packets by timestamp, drops late and duplicate ones, conceals lost audio (the last frame once at -6 dB,
 * then silence) and keeps a cushion of audio beyond the frame being played that follows the measured jitter: the
 * lowest cushion over each JITTER_ADAPT_WINDOW_FRAMES window is compared with the target, and one frame is dropped
 * or inserted when it strays by a frame, so clock drift between sender and receiver stays bounded.
 */
export class JitterBuffer {
  private readonly ring = new Int16Array(RING_SAMPLES);
  private readonly filled = new Uint8Array(RING_SAMPLES);
  private readonly lastFrame = new Int16Array(FRAME_SAMPLES);
  private ssrc: number | undefined;
  private refTimestamp = 0; // RTP timestamp of the last packet placed ...
  private refPosition = 0; // ... and its position on the buffer's own sample line
  private playPosition = 0; // position of the next sample to play
  private highEnd = 0; // position just after the latest audio received
  private playing = false;
  private stalledSamples = 0; // concealed without moving on since the buffer ran dry
  private concealRun = 0; // concealed frames in a row
  private packetSamples = FRAME_SAMPLES; // length of the latest packet
  private windowFrames = 0;
  private windowMinCushion = Infinity;
  /** Reception statistics of the current source (reset when the SSRC changes). */
  reception = new ReceptionStats(SAMPLE_RATE_HZ);
  readonly counters: JitterBufferCounters = {
    accepted: 0, late: 0, duplicates: 0, refused: 0, concealedFrames: 0, underruns: 0,
    overflowDroppedFrames: 0, shrinkDroppedFrames: 0, stretchedFrames: 0, ssrcChanges: 0,
  };

  /** SSRC of the source being played (undefined before the first packet). */
  get sourceSsrc(): number | undefined {
    return this.ssrc;
  }

  /** The cushion wanted beyond the frame being played, in ms, from the measured jitter. */
  get targetCushionMs(): number {
    const wanted = Math.ceil((JITTER_CUSHION_PER_JITTER * this.reception.jitterMs) / 10) * 10;
    return Math.max(JITTER_MIN_CUSHION_MS, Math.min(JITTER_MAX_CUSHION_MS, wanted));
  }

  /** Audio buffered ahead of the playout point now, in ms (gaps of lost audio included). */
  get levelMs(): number {
    return Math.max(0, this.highEnd - this.playPosition) / SAMPLES_PER_MS;
  }

  /**
   * Places one packet's decoded audio (`samples`, copied) arriving at `arrivalMs`. A marker bit on a packet that
   * finds the buffer empty starts a new talkspurt: playout restarts from it after the cushion fills again.
   */
  push(sequence: number, timestamp: number, ssrc: number, marker: boolean, samples: Int16Array, arrivalMs: number): PushOutcome {
    const n = samples.length;
    if (n === 0 || n > MAX_PACKET_SAMPLES) {
      this.counters.refused++;
      return 'refused';
    }
    const first = this.ssrc === undefined;
    if (ssrc !== this.ssrc) this.changeSource(ssrc, timestamp, first);
    this.reception.update(sequence, timestamp, arrivalMs);
    const start = this.refPosition + ((timestamp - this.refTimestamp) | 0);
    const end = start + n;
    if (first) this.restartAt(start);
    else if (start >= this.playPosition && this.shouldRestart(start, marker)) this.restartAt(start);
    else if (this.stalledSamples > 0 && this.highEnd <= this.playPosition && start > this.playPosition) {
      this.discard(this.playPosition + Math.min(start - this.playPosition, this.stalledSamples));
    }
    this.stalledSamples = 0;
    // Before playout starts nothing is lost by moving its start back to a packet that overtook the first one.
    if (!this.playing && start < this.playPosition && this.highEnd - start <= MAX_DEPTH_SAMPLES) this.playPosition = start;
    if (end <= this.playPosition) {
      this.counters.late++;
      return 'late';
    }
    if (end - this.playPosition > MAX_DEPTH_SAMPLES) this.dropOldest(end - MAX_DEPTH_SAMPLES);
    const from = Math.max(start, this.playPosition);
    if (this.allFilled(from, end)) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    for (let pos = from; pos < end; pos++) {
      this.ring[pos & RING_MASK] = samples[pos - start] as number;
      this.filled[pos & RING_MASK] = 1;
    }
    this.refTimestamp = timestamp;
    this.refPosition = start;
    if (end > this.highEnd) this.highEnd = end;
    this.packetSamples = n;
    this.counters.accepted++;
    return 'accepted';
  }

  /** Fills `frame` (160 samples) with the next 20 ms to play. False when it is silence (filling up, or lost for long). */
  pull(frame: Int16Array): boolean {
    const level = this.highEnd - this.playPosition;
    if (!this.playing) {
      const startSamples = Math.max(this.packetSamples, FRAME_SAMPLES) + this.targetCushionMs * SAMPLES_PER_MS;
      if (level < startSamples) return this.conceal(frame);
      this.playing = true;
      this.resetWindow();
    }
    if (this.adapt(level)) return this.stretch(frame);
    if (this.complete(this.playPosition)) {
      this.take(frame);
      return true;
    }
    if (this.highEnd > this.playPosition + FRAME_SAMPLES) return this.concealLost(frame);
    // Nothing beyond this frame has come: the buffer ran dry. Conceal without moving on; the next packet tells
    // whether its audio was only late (it plays next, the delay grew by the stall) or lost (the stall stood for it).
    if (this.stalledSamples === 0) this.counters.underruns++;
    this.stalledSamples += FRAME_SAMPLES;
    this.counters.concealedFrames++;
    return this.conceal(frame);
  }

  /** Records the cushion before this pull; at the end of a window, shrinks (drops a frame) or asks to stretch. */
  private adapt(level: number): boolean {
    const cushion = level - FRAME_SAMPLES;
    if (cushion < this.windowMinCushion) this.windowMinCushion = cushion;
    if (++this.windowFrames < JITTER_ADAPT_WINDOW_FRAMES) return false;
    const lowest = this.windowMinCushion / SAMPLES_PER_MS;
    const target = this.targetCushionMs;
    this.resetWindow();
    if (lowest > target + FRAME_MS) {
      this.discard(this.playPosition + FRAME_SAMPLES);
      this.counters.shrinkDroppedFrames++;
      return false;
    }
    if (lowest < target - FRAME_MS / 2) {
      this.counters.stretchedFrames++;
      return true;
    }
    return false;
  }

  private stretch(frame: Int16Array): boolean {
    for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = ((this.lastFrame[i] as number) * JITTER_CONCEAL_GAIN) | 0;
    return true;
  }

  private take(frame: Int16Array): void {
    const base = this.playPosition;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const at = (base + i) & RING_MASK;
      frame[i] = this.ring[at] as number;
      this.filled[at] = 0;
    }
    this.lastFrame.set(frame.subarray(0, FRAME_SAMPLES));
    this.playPosition += FRAME_SAMPLES;
    this.concealRun = 0;
  }

  /** A frame with audio missing while later audio is there: lost packets. Keeps what came, conceals the rest. */
  private concealLost(frame: Int16Array): boolean {
    const gain = this.concealRun === 0 ? JITTER_CONCEAL_GAIN : 0;
    const base = this.playPosition;
    let audible = false;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const at = (base + i) & RING_MASK;
      const v = this.filled[at] === 1 ? (this.ring[at] as number) : ((this.lastFrame[i] as number) * gain) | 0;
      this.filled[at] = 0;
      frame[i] = v;
      if (v !== 0) audible = true;
    }
    this.lastFrame.set(frame.subarray(0, FRAME_SAMPLES));
    this.playPosition += FRAME_SAMPLES;
    this.concealRun++;
    this.counters.concealedFrames++;
    return audible;
  }

  /** Concealment without advancing: the last frame attenuated for the first such frame, silence after. */
  private conceal(frame: Int16Array): boolean {
    const gain = this.concealRun === 0 ? JITTER_CONCEAL_GAIN : 0;
    let audible = false;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = ((this.lastFrame[i] as number) * gain) | 0;
      frame[i] = v;
      if (v !== 0) audible = true;
    }
    this.concealRun++;
    if (gain !== 0) this.lastFrame.fill(0);
    return audible;
  }

  private complete(position: number): boolean {
    if (this.highEnd < position + FRAME_SAMPLES) return false;
    return this.allFilled(position, position + FRAME_SAMPLES);
  }

  private allFilled(from: number, to: number): boolean {
    for (let pos = from; pos < to; pos++) if (this.filled[pos & RING_MASK] === 0) return false;
    return true;
  }

  /**
   * A packet of the stream that is not audio (an RFC 4733 event): it counts in the current source's sequence (so
   * reception figures do not read it as lost) and plays nothing. Another source's is ignored.
   */
  countNonAudio(sequence: number, ssrc: number): void {
    if (ssrc === this.ssrc) this.reception.countSequenceOnly(sequence);
  }

  private changeSource(ssrc: number, timestamp: number, first: boolean): void {
    if (!first) this.counters.ssrcChanges++;
    this.ssrc = ssrc;
    this.reception = new ReceptionStats(SAMPLE_RATE_HZ);
    // The new source's audio continues right after what is already buffered.
    this.refTimestamp = timestamp;
    this.refPosition = first ? 0 : Math.max(this.highEnd, this.playPosition);
  }

  /**
   * Playout restarts at a packet when it starts a talkspurt (marker) or follows a silence while nothing is buffered,
   * or when its timestamp jumped beyond the depth limit (a discontinuity: the old audio is dropped, counted).
   */
  private shouldRestart(start: number, marker: boolean): boolean {
    const empty = this.highEnd <= this.playPosition;
    if (empty && (marker || !this.playing)) return true;
    return start - this.playPosition >= MAX_DEPTH_SAMPLES;
  }

  private restartAt(position: number): void {
    this.dropOldest(position);
    this.playPosition = position;
    if (this.highEnd < position) this.highEnd = position;
    this.playing = false;
  }

  /** A packet reaches beyond the depth limit: the oldest audio up to `position` goes, counted. */
  private dropOldest(position: number): void {
    const count = Math.min(Math.max(0, position - this.playPosition), RING_SAMPLES);
    let buffered = 0;
    for (let i = 0; i < count; i++) buffered += this.filled[(this.playPosition + i) & RING_MASK] as number;
    this.counters.overflowDroppedFrames += Math.ceil(buffered / FRAME_SAMPLES);
    this.discard(position);
  }

  /** Forgets everything before `position` and moves the playout point there (never backwards). */
  private discard(position: number): void {
    if (position <= this.playPosition) return;
    const count = Math.min(position - this.playPosition, RING_SAMPLES);
    for (let i = 0; i < count; i++) this.filled[(this.playPosition + i) & RING_MASK] = 0;
    this.playPosition = position;
    if (this.highEnd < position) this.highEnd = position;
  }

  private resetWindow(): void {
    this.windowFrames = 0;
    this.windowMinCushion = Infinity;
  }
}
