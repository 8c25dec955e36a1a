// Band-limited resampling of whole prompts to 8 kHz: Kaiser-windowed sinc interpolation, low-pass built in.

import { RESAMPLE_CUTOFF_FRACTION, RESAMPLE_KAISER_BETA, RESAMPLE_MAX_POLYPHASE_COEFFS, RESAMPLE_ZERO_CROSSINGS } from './format.js';

// Interpolated-kernel path: table entries per zero crossing. Linear interpolation between entries keeps the error near
// -94 dB ((1/256)² / 8 · π²), below 16-bit quantisation.
const TABLE_STEPS = 256;

// Zeroth-order modified Bessel function of the first kind (power series; converges fast for the β used here).
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 60; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const I0_BETA = besselI0(RESAMPLE_KAISER_BETA);

// The kernel at τ zero crossings from its centre: sinc(τ) under a Kaiser window spanning ±RESAMPLE_ZERO_CROSSINGS.
function kernel(tau: number): number {
  const z = RESAMPLE_ZERO_CROSSINGS;
  const a = tau < 0 ? -tau : tau;
  if (a >= z) return 0;
  const sinc = a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a);
  const r = a / z;
  return (sinc * besselI0(RESAMPLE_KAISER_BETA * Math.sqrt(1 - r * r))) / I0_BETA;
}

let kernelTable: Float64Array | undefined; // kernel(i / TABLE_STEPS), built on first use

function table(): Float64Array {
  if (kernelTable !== undefined) return kernelTable;
  const size = RESAMPLE_ZERO_CROSSINGS * TABLE_STEPS;
  const t = new Float64Array(size + 2); // trailing zeros: interpolation may read index size + 1
  for (let i = 0; i <= size; i++) t[i] = kernel(i / TABLE_STEPS);
  kernelTable = t;
  return t;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Resamples `input` (any scale) from `inRate` to `outRate` (integers, in Hz), returning doubles at the same scale.
 * The signal is low-passed at RESAMPLE_CUTOFF_FRACTION of the lower Nyquist frequency (3.7 kHz when going to 8 kHz) by
 * a Kaiser-windowed sinc with RESAMPLE_ZERO_CROSSINGS zero crossings per side (about 80 dB stop-band from 4.1 kHz), so
 * nothing above the new Nyquist frequency folds back into the band. Output length: floor(length · outRate / inRate);
 * output sample j is at input time j · inRate / outRate. Samples outside the input count as silence.
 *
 * Cost: 2 · ZERO_CROSSINGS · inRate / (2 · cut-off) taps per output sample (286 from 44.1 kHz). When the rates' ratio
 * has few phases (44.1 kHz -> 8 kHz: 80) their coefficients are computed once and each tap is one multiply-add;
 * otherwise the kernel is interpolated from a table per tap.
 */
export function resample(input: ArrayLike<number>, inRate: number, outRate: number): Float64Array {
  if (!(Number.isInteger(inRate) && Number.isInteger(outRate) && inRate > 0 && outRate > 0)) {
    throw new RangeError(`sample rates must be positive integers, got ${inRate} -> ${outRate}`);
  }
  const inLength = input.length;
  const outLength = Math.floor((inLength * outRate) / inRate);
  const out = new Float64Array(outLength);
  const cutoffHz = (RESAMPLE_CUTOFF_FRACTION * Math.min(inRate, outRate)) / 2;
  const tauPerSample = (2 * cutoffHz) / inRate; // kernel zero crossings per input sample of distance
  const gain = tauPerSample; // the kernel sums to 1/tauPerSample over the input grid
  const halfTaps = Math.ceil(RESAMPLE_ZERO_CROSSINGS / tauPerSample); // K: taps n = base-K+1 .. base+K
  const taps = 2 * halfTaps;
  const g = gcd(inRate, outRate);
  const phases = outRate / g; // L: output j sits at input position (j·M)/L
  const stride = inRate / g; // M

  if (phases * taps <= RESAMPLE_MAX_POLYPHASE_COEFFS) {
    // coeffs[p·taps + t] weighs input base-K+1+t for an output at fractional position p/L past input `base`.
    const coeffs = new Float64Array(phases * taps);
    for (let p = 0; p < phases; p++) {
      for (let t = 0; t < taps; t++) coeffs[p * taps + t] = gain * kernel((halfTaps - 1 - t + p / phases) * tauPerSample);
    }
    let base = 0;
    let phase = 0;
    for (let j = 0; j < outLength; j++) {
      const first = base - halfTaps + 1;
      const c0 = phase * taps;
      let sum = 0;
      if (first >= 0 && first + taps <= inLength) {
        for (let t = 0; t < taps; t++) sum += (input[first + t] as number) * (coeffs[c0 + t] as number);
      } else {
        for (let t = 0; t < taps; t++) {
          const n = first + t;
          if (n >= 0 && n < inLength) sum += (input[n] as number) * (coeffs[c0 + t] as number);
        }
      }
      out[j] = sum;
      phase += stride; // exact integer stepping: no drift over long inputs
      if (phase >= phases) {
        base += Math.floor(phase / phases);
        phase %= phases;
      }
    }
    return out;
  }

  const h = table();
  const indexPerSample = tauPerSample * TABLE_STEPS;
  const lastIndex = RESAMPLE_ZERO_CROSSINGS * TABLE_STEPS;
  const step = inRate / outRate;
  for (let j = 0; j < outLength; j++) {
    const centre = j * step;
    const base = Math.floor(centre);
    const first = Math.max(0, base - halfTaps + 1);
    const last = Math.min(inLength - 1, base + halfTaps);
    let sum = 0;
    for (let n = first; n <= last; n++) {
      const d = centre - n;
      const pos = (d < 0 ? -d : d) * indexPerSample;
      const k = pos | 0;
      if (k >= lastIndex) continue;
      const a = h[k] as number;
      sum += (input[n] as number) * (a + (pos - k) * ((h[k + 1] as number) - a));
    }
    out[j] = sum * gain;
  }
  return out;
}
