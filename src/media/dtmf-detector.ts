// Streaming in-band DTMF detection (Goertzel over 205-sample blocks) with twist, dominance, energy and duration rules.

import { DTMF_DIGITS, DTMF_HIGH_GROUP_HZ, DTMF_LOW_GROUP_HZ } from './dtmf.js';
import {
  DTMF_BLOCK_SAMPLES,
  DTMF_MAX_NORMAL_TWIST_DB,
  DTMF_MAX_REVERSE_TWIST_DB,
  DTMF_MIN_BLOCKS_PRESENT,
  DTMF_MIN_GROUP_DOMINANCE_DB,
  DTMF_MIN_TONE_ENERGY_RATIO,
  DTMF_MIN_TONE_LEVEL_DBM0,
  SAMPLE_RATE_HZ,
  dbm0ToPeak,
} from './format.js';

/** Options of {@link DtmfDetector}; every rule defaults to the constant of the same name in format.ts. */
export interface DtmfDetectorOptions {
  /** Called once per key press, as soon as it qualifies (about 51 ms after the tone starts). */
  onDigit?: (digit: string) => void;
  /** Weakest tone accepted, in dBm0 per tone. */
  minToneLevelDbm0?: number;
  /** Most the high-group tone may be below the low-group tone, in dB. */
  maxNormalTwistDb?: number;
  /** Most the high-group tone may be above the low-group tone, in dB. */
  maxReverseTwistDb?: number;
  /** How far the strongest tone of each group must be above the others of its group, in dB. */
  minGroupDominanceDb?: number;
  /** Share (0-1) of the block's energy the two tones must carry together. */
  minToneEnergyRatio?: number;
  /** Consecutive blocks (25.6 ms each) a key must be seen in to count. */
  minBlocksPresent?: number;
}

const N = DTMF_BLOCK_SAMPLES;
const TONES = 8; // 0-3 low group, 4-7 high group
const DIGIT_STRINGS: readonly string[] = Array.from(DTMF_DIGITS); // prebuilt, so reporting allocates nothing

const powerRatio = (db: number): number => Math.pow(10, db / 10);

// Hann window over the block. Without it a tone 1.5 % off frequency (which Q.24 says must still be accepted) leaks
// half its energy out of the 39 Hz-wide rectangular main lobe; with it the loss is under 2 dB, while a neighbour of
// the same group (1.9 bins away, near the window's first null) stays more than 30 dB down.
const HANN = Float64Array.from({ length: N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / N));
const WINDOW_SUM = HANN.reduce((a, w) => a + w, 0);
const WINDOW_SQUARE_SUM = HANN.reduce((a, w) => a + w * w, 0);
// Converts a tone's |X|² into the windowed energy the tone alone would carry: (A·Σw/2)² -> A²·Σw²/2.
const POWER_TO_ENERGY = (2 * WINDOW_SQUARE_SUM) / (WINDOW_SUM * WINDOW_SUM);

/**
 * Finds DTMF key presses in 8 kHz s16 audio fed in frames of any length (normally 160 samples). Frames are gathered
 * into 205-sample blocks; each block is tested with the rules in docs/audio-dsp.md and yields one key or none. A key
 * seen in minBlocksPresent consecutive blocks is reported once; one block without it ends the press, so a repeated
 * digit needs a gap of at least one block (25.6 ms), and a long press is one digit. Allocation-free per frame.
 */
export class DtmfDetector {
  onDigit: ((digit: string) => void) | undefined;
  private readonly block = new Int16Array(N);
  private fill = 0; // samples in `block`
  private rawEnergy = 0; // sum of squares of the samples in `block`, before windowing
  private readonly coeffs = new Float64Array(TONES); // 2cos(2πf/fs) per tone
  private readonly powers = new Float64Array(TONES); // |X(f)|² of the windowed block, per tone
  private readonly minTonePower: number; // |X(f)|² of a sine at minToneLevelDbm0
  private readonly minBlockEnergy: number; // energy below which no two tones can pass: the filters are skipped
  private readonly normalTwist: number; // power ratios
  private readonly reverseTwist: number;
  private readonly dominance: number;
  private readonly energyRatio: number;
  private readonly minBlocks: number;
  private lastHit = -1; // key index of the previous block, -1 for none
  private run = 0; // consecutive blocks with lastHit
  private current = -1; // key of the press in progress (already reported), -1 for none
  private reported = 0;

  constructor(options: DtmfDetectorOptions = {}) {
    this.onDigit = options.onDigit;
    for (let k = 0; k < TONES; k++) {
      const f = k < 4 ? (DTMF_LOW_GROUP_HZ[k] as number) : (DTMF_HIGH_GROUP_HZ[k - 4] as number);
      this.coeffs[k] = 2 * Math.cos((2 * Math.PI * f) / SAMPLE_RATE_HZ);
    }
    const minPeak = dbm0ToPeak(options.minToneLevelDbm0 ?? DTMF_MIN_TONE_LEVEL_DBM0);
    // A sine of peak A at a tone's frequency gives |X|² = (A·Σw/2)²; alone it carries A²·Σw²/2 of windowed energy.
    this.minTonePower = (minPeak * WINDOW_SUM * minPeak * WINDOW_SUM) / 4;
    this.minBlockEnergy = minPeak * minPeak * WINDOW_SQUARE_SUM; // two such tones
    this.normalTwist = powerRatio(options.maxNormalTwistDb ?? DTMF_MAX_NORMAL_TWIST_DB);
    this.reverseTwist = powerRatio(options.maxReverseTwistDb ?? DTMF_MAX_REVERSE_TWIST_DB);
    this.dominance = powerRatio(options.minGroupDominanceDb ?? DTMF_MIN_GROUP_DOMINANCE_DB);
    this.energyRatio = options.minToneEnergyRatio ?? DTMF_MIN_TONE_ENERGY_RATIO;
    this.minBlocks = Math.max(1, Math.floor(options.minBlocksPresent ?? DTMF_MIN_BLOCKS_PRESENT));
  }

  /** Digits reported since creation or reset. */
  get digitsDetected(): number {
    return this.reported;
  }

  /**
   * Feeds audio. Returns the digit whose press qualified during this call (the last one if, with long frames, several
   * did; onDigit sees them all), or null.
   */
  feed(frame: Int16Array): string | null {
    let result: string | null = null;
    let i = 0;
    const n = frame.length;
    const block = this.block;
    while (i < n) {
      let fill = this.fill;
      let energy = this.rawEnergy;
      const take = Math.min(N - fill, n - i);
      for (let j = 0; j < take; j++) {
        const v = frame[i++] as number;
        block[fill++] = v;
        energy += v * v;
      }
      this.fill = fill;
      this.rawEnergy = energy;
      if (fill < N) break;
      // The window only attenuates, so a block this quiet before windowing cannot hold two tones: skip the filters.
      const hit = energy < this.minBlockEnergy ? -1 : this.classify();
      this.fill = 0;
      this.rawEnergy = 0;
      const digit = this.endBlock(hit);
      if (digit !== null) result = digit;
    }
    return result;
  }

  /** Forgets buffered audio and any press in progress. */
  reset(): void {
    this.fill = 0;
    this.rawEnergy = 0;
    this.lastHit = -1;
    this.run = 0;
    this.current = -1;
    this.reported = 0;
  }

  // Duration rules: a key counts after minBlocks consecutive blocks, once; a block without a key ends the press.
  private endBlock(hit: number): string | null {
    this.run = hit === this.lastHit ? this.run + 1 : 1;
    this.lastHit = hit;
    if (hit < 0) {
      this.current = -1;
      return null;
    }
    if (hit === this.current || this.run < this.minBlocks) return null;
    this.current = hit;
    this.reported++;
    const digit = DIGIT_STRINGS[hit] as string;
    this.onDigit?.(digit);
    return digit;
  }

  // The key index (row * 4 + column) present in the full block, or -1.
  private classify(): number {
    // Window, block energy and the eight Goertzel filters in one pass: the recurrences are independent, so the CPU
    // overlaps them, and each sample is loaded once. s[n] = x[n] + c·s[n-1] - s[n-2]; afterwards
    // |X(f)|² = s1² + s2² - c·s1·s2, exact for any f, not only at bin centres.
    const x = this.block;
    const cf = this.coeffs;
    const c0 = cf[0] as number, c1 = cf[1] as number, c2 = cf[2] as number, c3 = cf[3] as number;
    const c4 = cf[4] as number, c5 = cf[5] as number, c6 = cf[6] as number, c7 = cf[7] as number;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0; // s[n-1]
    let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0; // s[n-2]
    let total = 0; // energy of the windowed block
    for (let i = 0; i < N; i++) {
      const v = (x[i] as number) * (HANN[i] as number);
      total += v * v;
      let t: number;
      t = v + c0 * a0 - b0; b0 = a0; a0 = t;
      t = v + c1 * a1 - b1; b1 = a1; a1 = t;
      t = v + c2 * a2 - b2; b2 = a2; a2 = t;
      t = v + c3 * a3 - b3; b3 = a3; a3 = t;
      t = v + c4 * a4 - b4; b4 = a4; a4 = t;
      t = v + c5 * a5 - b5; b5 = a5; a5 = t;
      t = v + c6 * a6 - b6; b6 = a6; a6 = t;
      t = v + c7 * a7 - b7; b7 = a7; a7 = t;
    }
    const p = this.powers;
    p[0] = a0 * a0 + b0 * b0 - c0 * a0 * b0;
    p[1] = a1 * a1 + b1 * b1 - c1 * a1 * b1;
    p[2] = a2 * a2 + b2 * b2 - c2 * a2 * b2;
    p[3] = a3 * a3 + b3 * b3 - c3 * a3 * b3;
    p[4] = a4 * a4 + b4 * b4 - c4 * a4 * b4;
    p[5] = a5 * a5 + b5 * b5 - c5 * a5 * b5;
    p[6] = a6 * a6 + b6 * b6 - c6 * a6 * b6;
    p[7] = a7 * a7 + b7 * b7 - c7 * a7 * b7;

    let row = 0;
    for (let k = 1; k < 4; k++) if ((p[k] as number) > (p[row] as number)) row = k;
    let col = 4;
    for (let k = 5; k < 8; k++) if ((p[k] as number) > (p[col] as number)) col = k;
    const low = p[row] as number;
    const high = p[col] as number;

    if (low < this.minTonePower || high < this.minTonePower) return -1;
    if (low > high * this.normalTwist || high > low * this.reverseTwist) return -1;
    for (let k = 0; k < 4; k++) if (k !== row && (p[k] as number) * this.dominance > low) return -1;
    for (let k = 4; k < 8; k++) if (k !== col && (p[k] as number) * this.dominance > high) return -1;
    if ((low + high) * POWER_TO_ENERGY < this.energyRatio * total) return -1;
    return row * 4 + (col - 4);
  }
}
