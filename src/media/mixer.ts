// Mixing frames for conferences and transfers (sum, then clip to int16), and gain; allocation-free per frame.

import { INT16_MAX, INT16_MIN } from './format.js';

/**
 * Writes the sample-wise sum of `inputs[0..count)` into `out`, clipped to int16. The sum is taken in full precision
 * before clipping, so a loud party and its inverse still cancel. `out` may be one of the inputs. All frames must be at
 * least `out.length` long. Pass a reused array of inputs: nothing is allocated here.
 */
export function mixFrames(inputs: readonly Int16Array[], out: Int16Array, count: number = inputs.length): void {
  mixMinus(inputs, -1, out, count);
}

/**
 * Like {@link mixFrames} without `inputs[exclude]`: what party `exclude` hears in a conference of `count` parties
 * (everyone but itself). An `exclude` outside 0..count-1 mixes everyone.
 */
export function mixMinus(inputs: readonly Int16Array[], exclude: number, out: Int16Array, count: number = inputs.length): void {
  const n = out.length;
  // The contributors, picked without allocating: the first three in locals, the count of all.
  let a: Int16Array | undefined;
  let b: Int16Array | undefined;
  let c: Int16Array | undefined;
  let contributors = 0;
  for (let k = 0; k < count; k++) {
    if (k === exclude) continue;
    const src = inputs[k] as Int16Array;
    if (contributors === 0) a = src;
    else if (contributors === 1) b = src;
    else if (contributors === 2) c = src;
    contributors++;
  }
  if (a === undefined) {
    out.fill(0);
  } else if (b === undefined) {
    if (a !== out) for (let i = 0; i < n; i++) out[i] = a[i] as number; // one contributor: a copy, nothing to clip
  } else if (c === undefined) {
    for (let i = 0; i < n; i++) {
      const v = (a[i] as number) + (b[i] as number);
      out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
    }
  } else if (contributors === 3) {
    for (let i = 0; i < n; i++) {
      const v = (a[i] as number) + (b[i] as number) + (c[i] as number);
      out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let k = 0; k < count; k++) if (k !== exclude) v += (inputs[k] as Int16Array)[i] as number;
      out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
    }
  }
}

/** Linear amplitude factor for a gain of `db` decibels (0 dB = 1, -6 dB ≈ 0.5). */
export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

/** Multiplies `frame` by the linear factor `gain` into `out` (default: in place), rounded and clipped to int16. */
export function applyGain(frame: Int16Array, gain: number, out: Int16Array = frame): void {
  if (gain === 1) {
    if (out !== frame) for (let i = 0; i < out.length; i++) out[i] = frame[i] as number;
    return;
  }
  for (let i = 0; i < out.length; i++) {
    const v = Math.round((frame[i] as number) * gain);
    out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
  }
}
