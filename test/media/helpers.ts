// Measurement and signal helpers for the media tests: Goertzel/RMS meters, a seeded PRNG, frame pumps.

import { DtmfDetector } from '../../src/media/dtmf-detector.js';
import { FRAME_SAMPLES, INT16_MAX, INT16_MIN, SAMPLE_RATE_HZ } from '../../src/media/format.js';
import type { AudioSource } from '../../src/media/source.js';

type Samples = ArrayLike<number>;

/** Peak amplitude of the component at `freqHz` in x[start, start+n) (rectangular window; exact for whole cycles). */
export function toneAmplitude(x: Samples, freqHz: number, start = 0, n = x.length - start, rate = SAMPLE_RATE_HZ): number {
  const c = 2 * Math.cos((2 * Math.PI * freqHz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < start + n; i++) {
    const s0 = (x[i] as number) + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / n;
}

/** Root mean square of x[start, start+n). */
export function rms(x: Samples, start = 0, n = x.length - start): number {
  let sum = 0;
  for (let i = start; i < start + n; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / n);
}

/** Amplitude ratio in dB. */
export function db(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/** mulberry32: a small seeded PRNG returning [0, 1), so noise tests are reproducible. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate from `rand` (Box-Muller). */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Doubles rounded and clipped into a new Int16Array. */
export function toInt16(x: Samples): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(INT16_MIN, Math.min(INT16_MAX, Math.round(x[i] as number)));
  return out;
}

/** Everything `source` plays until it finishes (at most maxFrames frames), concatenated. */
export function render(source: AudioSource, maxFrames = 100_000): Int16Array {
  const frames: Int16Array[] = [];
  for (let i = 0; i < maxFrames; i++) {
    const frame = new Int16Array(FRAME_SAMPLES);
    if (!source.read(frame)) break;
    frames.push(frame);
  }
  const out = new Int16Array(frames.length * FRAME_SAMPLES);
  frames.forEach((f, i) => out.set(f, i * FRAME_SAMPLES));
  return out;
}

/** Digits a fresh detector (or `detector`) reports for `pcm` fed in 160-sample frames, then 200 ms of silence. */
export function detectDigits(pcm: Int16Array, detector = new DtmfDetector(), frameSamples = FRAME_SAMPLES): string {
  let digits = '';
  const frame = new Int16Array(frameSamples);
  const padded = new Int16Array(Math.ceil(pcm.length / frameSamples) * frameSamples + 1600);
  padded.set(pcm);
  for (let i = 0; i < padded.length; i += frameSamples) {
    frame.set(padded.subarray(i, i + frameSamples));
    const d = detector.feed(frame);
    if (d !== null) digits += d;
  }
  return digits;
}

/** `seconds` of a sum of sines (Hz, peak) at `rate`, as doubles. */
export function sines(seconds: number, parts: readonly { hz: number; peak: number }[], rate = SAMPLE_RATE_HZ): Float64Array {
  const out = new Float64Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (const p of parts) v += p.peak * Math.sin((2 * Math.PI * p.hz * i) / rate);
    out[i] = v;
  }
  return out;
}

/** Adds white Gaussian noise of the given RMS to `x` in place. */
export function addNoise(x: Float64Array, noiseRms: number, seed: number): Float64Array {
  const rand = prng(seed);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + noiseRms * gaussian(rand);
  return x;
}
