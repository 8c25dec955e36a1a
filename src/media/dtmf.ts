// DTMF per ITU-T Q.23: the keypad's frequency pairs, and a source that plays key presses as in-band dual tones.

import { DTMF_GAP_MS, DTMF_HIGH_LEVEL_DBM0, DTMF_LOW_LEVEL_DBM0, DTMF_TONE_MS, dbm0ToPeak } from './format.js';
import { DualToneGenerator, checkDuration, type AudioSource } from './source.js';

/** Low-group (row) frequencies, in Hz. */
export const DTMF_LOW_GROUP_HZ: readonly number[] = [697, 770, 852, 941];
/** High-group (column) frequencies, in Hz. */
export const DTMF_HIGH_GROUP_HZ: readonly number[] = [1209, 1336, 1477, 1633];

/** The keypad, row by row: the key at row r, column c sounds DTMF_LOW_GROUP_HZ[r] + DTMF_HIGH_GROUP_HZ[c]. */
export const DTMF_KEYPAD: readonly (readonly string[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/** The 16 DTMF digits. */
export const DTMF_DIGITS = '123A456B789C*0#D';

/** Low and high frequency of `digit` (0-9, *, #, A-D; lower-case a-d accepted), in Hz; undefined for anything else. */
export function dtmfFrequencies(digit: string): { lowHz: number; highHz: number } | undefined {
  const index = digit.length === 1 ? DTMF_DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (index < 0) return undefined;
  return { lowHz: DTMF_LOW_GROUP_HZ[index >> 2] as number, highHz: DTMF_HIGH_GROUP_HZ[index & 3] as number };
}

/** Options of {@link DtmfSource}. */
export interface DtmfOptions {
  /** Duration of each tone, in milliseconds, above 0. Default DTMF_TONE_MS (100). */
  toneMs?: number;
  /** Silence between two digits, in milliseconds. Default DTMF_GAP_MS (100). With 0, equal neighbours merge into one press. */
  gapMs?: number;
  /** Level of the low-group tone, in dBm0. Default DTMF_LOW_LEVEL_DBM0 (-9). */
  lowLevelDbm0?: number;
  /** Level of the high-group tone, in dBm0. Default DTMF_HIGH_LEVEL_DBM0 (-7). */
  highLevelDbm0?: number;
}

/**
 * Key presses as in-band tones: tone, gap, tone, ..., tone (no gap after the last digit). Throws a RangeError for a
 * character that is not a DTMF digit.
 */
export class DtmfSource implements AudioSource {
  private readonly generator = new DualToneGenerator();
  private readonly rows: Uint8Array; // per digit: index into DTMF_LOW_GROUP_HZ
  private readonly cols: Uint8Array; // per digit: index into DTMF_HIGH_GROUP_HZ
  private readonly toneSamples: number;
  private readonly gapSamples: number;
  private readonly lowPeak: number;
  private readonly highPeak: number;
  private segment = -1; // even 2k: tone of digit k; odd: the gap after it
  private remaining = 0; // samples left in the current segment

  constructor(digits: string, options: DtmfOptions = {}) {
    this.rows = new Uint8Array(digits.length);
    this.cols = new Uint8Array(digits.length);
    for (let i = 0; i < digits.length; i++) {
      const index = DTMF_DIGITS.indexOf(digits.charAt(i).toUpperCase());
      if (index < 0) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digits.charAt(i))} at position ${i}`);
      this.rows[i] = index >> 2;
      this.cols[i] = index & 3;
    }
    this.toneSamples = checkDuration(options.toneMs ?? DTMF_TONE_MS);
    this.gapSamples = checkDuration(options.gapMs ?? DTMF_GAP_MS);
    if (this.toneSamples === 0 || !Number.isFinite(this.toneSamples)) throw new RangeError('DTMF tone duration must be above 0 ms and finite');
    if (!Number.isFinite(this.gapSamples)) throw new RangeError('DTMF gap duration must be finite');
    const low = options.lowLevelDbm0 ?? DTMF_LOW_LEVEL_DBM0;
    const high = options.highLevelDbm0 ?? DTMF_HIGH_LEVEL_DBM0;
    if (!Number.isFinite(low) || !Number.isFinite(high)) throw new RangeError('DTMF levels must be finite dBm0 values');
    this.lowPeak = dbm0ToPeak(low);
    this.highPeak = dbm0ToPeak(high);
  }

  /** Total duration of the key presses, in samples. */
  get lengthSamples(): number {
    const n = this.rows.length;
    return n === 0 ? 0 : n * this.toneSamples + (n - 1) * this.gapSamples;
  }

  read(out: Int16Array): boolean {
    const lastSegment = 2 * this.rows.length - 2;
    let i = 0;
    while (i < out.length) {
      if (this.remaining === 0) {
        if (this.segment >= lastSegment) break;
        this.segment++;
        if ((this.segment & 1) === 0) {
          const k = this.segment >> 1;
          this.generator.configure(
            DTMF_LOW_GROUP_HZ[this.rows[k] as number] as number,
            this.lowPeak,
            DTMF_HIGH_GROUP_HZ[this.cols[k] as number] as number,
            this.highPeak,
          );
          this.remaining = this.toneSamples;
        } else {
          this.remaining = this.gapSamples;
        }
        continue;
      }
      const n = Math.min(this.remaining, out.length - i);
      if ((this.segment & 1) === 0) this.generator.render(out, i, n);
      else out.fill(0, i, i + n);
      i += n;
      this.remaining -= n;
    }
    if (i < out.length) out.fill(0, i);
    return i > 0;
  }
}
