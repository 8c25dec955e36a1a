// Audio sources: what a party plays, pulled one 20 ms frame at a time (silence, tones, raw PCM, sequences).

import { INT16_MAX, INT16_MIN, SAMPLE_RATE_HZ, TONE_LEVEL_DBM0, dbm0ToPeak, msToSamples, samplesFromBytes } from './format.js';

/**
 * Something that plays audio, pulled by the media clock. Implementations must not allocate in `read`: it runs for
 * every party every 20 ms.
 */
export interface AudioSource {
  /** Fills `out` (FRAME_SAMPLES) with the next 20 ms; returns false once finished (then `out` is silence). */
  read(out: Int16Array): boolean;
}

const TWO_PI = 2 * Math.PI;
const NYQUIST_HZ = SAMPLE_RATE_HZ / 2;

/**
 * Sum of up to two sines with phase kept across calls. Each sine runs the two-term recurrence
 * y[n] = 2cos(w)·y[n-1] - y[n-2] (one multiply per sample instead of a Math.sin), re-seeded from the exact phase at
 * the start of every call so rounding never accumulates into drift of level or frequency.
 */
export class DualToneGenerator {
  private step1 = 0; // radians per sample
  private step2 = 0;
  private amp1 = 0; // peak, 16-bit linear units
  private amp2 = 0;
  private phase1 = 0; // radians at the next sample, kept in [0, 2π)
  private phase2 = 0;

  /** Sets the tones (amplitude 0 disables one) and restarts both at phase 0. Frequencies in Hz, amplitudes as peaks. */
  configure(freq1Hz: number, peak1: number, freq2Hz: number, peak2: number): void {
    this.step1 = (TWO_PI * freq1Hz) / SAMPLE_RATE_HZ;
    this.step2 = (TWO_PI * freq2Hz) / SAMPLE_RATE_HZ;
    this.amp1 = peak1;
    this.amp2 = peak2;
    this.phase1 = 0;
    this.phase2 = 0;
  }

  /** Writes `count` samples into `out` from index `start`, rounded and clipped to int16. */
  render(out: Int16Array, start: number, count: number): void {
    const w1 = this.step1;
    const w2 = this.step2;
    const c1 = 2 * Math.cos(w1);
    const c2 = 2 * Math.cos(w2);
    let a1 = this.amp1 * Math.sin(this.phase1 - w1); // y[n-1]
    let b1 = this.amp1 * Math.sin(this.phase1 - 2 * w1); // y[n-2]
    let a2 = this.amp2 * Math.sin(this.phase2 - w2);
    let b2 = this.amp2 * Math.sin(this.phase2 - 2 * w2);
    for (let i = start, end = start + count; i < end; i++) {
      const y1 = c1 * a1 - b1;
      b1 = a1;
      a1 = y1;
      const y2 = c2 * a2 - b2;
      b2 = a2;
      a2 = y2;
      const v = Math.round(y1 + y2);
      out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
    }
    this.phase1 = (this.phase1 + count * w1) % TWO_PI;
    this.phase2 = (this.phase2 + count * w2) % TWO_PI;
  }
}

/** Silence, for `durationMs` or (without it) forever. */
export class SilenceSource implements AudioSource {
  private remaining: number; // samples; Infinity when endless

  constructor(durationMs?: number) {
    this.remaining = durationMs === undefined ? Infinity : checkDuration(durationMs);
  }

  read(out: Int16Array): boolean {
    out.fill(0);
    if (this.remaining <= 0) return false;
    this.remaining -= out.length;
    return true;
  }
}

/** Options of {@link ToneSource}. */
export interface ToneOptions {
  /** One frequency or two (a dual tone), each in Hz, above 0 and below 4000 Hz (Nyquist at 8 kHz). */
  frequenciesHz: number | readonly number[];
  /** Level of each frequency, in dBm0 (0 dBm0 = a sine of peak {@link ZERO_DBM0_PEAK}). Default TONE_LEVEL_DBM0. */
  levelDbm0?: number;
  /** How long the tone plays, in milliseconds; omitted or Infinity plays forever. */
  durationMs?: number;
}

/** A steady single or dual tone, phase-continuous across frames. */
export class ToneSource implements AudioSource {
  private readonly generator = new DualToneGenerator();
  private remaining: number; // samples; Infinity when endless

  constructor(options: ToneOptions) {
    const freqs = typeof options.frequenciesHz === 'number' ? [options.frequenciesHz] : options.frequenciesHz;
    if (freqs.length < 1 || freqs.length > 2) throw new RangeError(`a tone has one or two frequencies, got ${freqs.length}`);
    for (const f of freqs) {
      if (!Number.isFinite(f) || f <= 0 || f >= NYQUIST_HZ) throw new RangeError(`tone frequency must be above 0 and below ${NYQUIST_HZ} Hz, got ${f}`);
    }
    const level = options.levelDbm0 ?? TONE_LEVEL_DBM0;
    if (!Number.isFinite(level)) throw new RangeError(`tone level must be a finite dBm0 value, got ${level}`);
    const peak = dbm0ToPeak(level);
    const f1 = freqs[0] as number;
    const f2 = freqs[1];
    this.generator.configure(f1, peak, f2 ?? 0, f2 === undefined ? 0 : peak);
    this.remaining = options.durationMs === undefined ? Infinity : checkDuration(options.durationMs);
  }

  read(out: Int16Array): boolean {
    if (this.remaining <= 0) {
      out.fill(0);
      return false;
    }
    const n = this.remaining < out.length ? this.remaining : out.length;
    this.generator.render(out, 0, n);
    if (n < out.length) out.fill(0, n);
    this.remaining -= n;
    return true;
  }
}

/** Options of {@link PcmSource}. */
export interface PcmOptions {
  /** Start again from the beginning when the end is reached (forever). Default false. */
  loop?: boolean;
}

/**
 * Plays 8 kHz mono s16 PCM: an Int16Array, or s16le bytes (a trailing odd byte is ignored). The samples are shared,
 * not copied: the caller must not change them while the source plays.
 */
export class PcmSource implements AudioSource {
  private readonly samples: Int16Array;
  private readonly loop: boolean;
  private position = 0;

  constructor(pcm: Int16Array | Uint8Array, options: PcmOptions = {}) {
    this.samples = pcm instanceof Int16Array ? pcm : samplesFromBytes(pcm);
    this.loop = options.loop === true;
  }

  /** Samples in the PCM being played. */
  get lengthSamples(): number {
    return this.samples.length;
  }

  read(out: Int16Array): boolean {
    const src = this.samples;
    const len = src.length;
    if (this.position >= len && (!this.loop || len === 0)) {
      out.fill(0);
      return false;
    }
    let pos = this.position;
    let i = 0;
    // Element loop instead of out.set(src.subarray(...)): subarray allocates a view object per call.
    while (i < out.length) {
      if (pos >= len) {
        if (!this.loop) break;
        pos = 0;
      }
      out[i++] = src[pos++] as number;
    }
    if (i < out.length) out.fill(0, i);
    this.position = pos;
    return true;
  }
}

/**
 * Plays sources one after another. A source that ends part-way through a frame leaves the rest of that frame silent
 * (the interface reports frames, not samples), so a join can add up to 19.875 ms of silence; the next source starts on
 * the next frame. Finished sources are released.
 */
export class SequenceSource implements AudioSource {
  private readonly sources: (AudioSource | undefined)[];
  private index = 0;

  constructor(sources: readonly AudioSource[]) {
    this.sources = [...sources];
  }

  read(out: Int16Array): boolean {
    while (this.index < this.sources.length) {
      const source = this.sources[this.index];
      if (source !== undefined && source.read(out)) return true;
      this.sources[this.index] = undefined;
      this.index++;
    }
    out.fill(0);
    return false;
  }
}

/** `ms` as a sample count, or a RangeError for a negative or non-numeric duration. Infinity stays Infinity. */
export function checkDuration(ms: number): number {
  if (Number.isNaN(ms) || ms < 0) throw new RangeError(`duration must be a non-negative number of milliseconds, got ${ms}`);
  return ms === Infinity ? Infinity : msToSamples(ms);
}
