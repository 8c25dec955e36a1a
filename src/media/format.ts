// The one audio format of the media layer (s16le, 8 kHz, mono, 20 ms frames), its bounds, levels and byte/sample views.

// ---------------------------------------------------------------- format (PROTOCOL.md §6)

/** Samples per second of every PCM stream in the media layer. */
export const SAMPLE_RATE_HZ = 8000;
/** Duration of one media frame, in milliseconds: the tick of the media clock. */
export const FRAME_MS = 20;
/** Samples in one frame (20 ms at 8 kHz). */
export const FRAME_SAMPLES = (SAMPLE_RATE_HZ * FRAME_MS) / 1000;
/** Bytes per sample of signed 16-bit PCM. */
export const BYTES_PER_SAMPLE = 2;
/** Bytes in one frame of s16le mono PCM. */
export const FRAME_BYTES = FRAME_SAMPLES * BYTES_PER_SAMPLE;
/** Bytes per second of s16le mono PCM at 8 kHz (128 kbit/s). */
export const BYTES_PER_SECOND = SAMPLE_RATE_HZ * BYTES_PER_SAMPLE;
/** Frames per second of the media clock. */
export const FRAMES_PER_SECOND = 1000 / FRAME_MS;

/** Largest value of a signed 16-bit sample. */
export const INT16_MAX = 32767;
/** Smallest value of a signed 16-bit sample. */
export const INT16_MIN = -32768;

// ---------------------------------------------------------------- levels

/**
 * Peak amplitude, in 16-bit linear units, of a sine at 0 dBm0. ITU-T G.711 puts the theoretical maximum load of the
 * mu-law coder at +3.17 dBm0 (A-law: +3.14 dBm0), so full scale (32768) is 3.17 dB above the 0 dBm0 sine:
 * 32768 * 10^(-3.17/20) ≈ 22,748 (RMS ≈ 16,086).
 */
export const ZERO_DBM0_PEAK = 32768 * Math.pow(10, -3.17 / 20);

// ---------------------------------------------------------------- generators

/** Default DTMF tone duration, in milliseconds (ITU-T Q.24 needs >= 40 ms; 100 ms is what phones send for a tap). */
export const DTMF_TONE_MS = 100;
/** Default pause between two DTMF digits, in milliseconds (Q.24: >= 40 ms). */
export const DTMF_GAP_MS = 100;
/** Default level of the low-group DTMF tone, in dBm0 (per tone; Q.23 transmitters send about -6 to -10 dBm0). */
export const DTMF_LOW_LEVEL_DBM0 = -9;
/** Default level of the high-group DTMF tone, in dBm0: 2 dB above the low group, the usual pre-emphasis. */
export const DTMF_HIGH_LEVEL_DBM0 = -7;
/** Default tone level for {@link ToneSource}, in dBm0 per frequency (a comfortable call-progress level). */
export const TONE_LEVEL_DBM0 = -13;
/** Default delay of an echo party, in milliseconds. */
export const ECHO_DELAY_MS = 60;
/** Longest delay an echo line accepts, in milliseconds (its ring buffer is allocated up front). */
export const MAX_ECHO_DELAY_MS = 10_000;

// ---------------------------------------------------------------- resampling (WAV prompts to 8 kHz)

/** Resampler cut-off as a fraction of the lower Nyquist frequency: 3.7 kHz at 8 kHz, flat (±0.1 dB) to about 3.3 kHz. */
export const RESAMPLE_CUTOFF_FRACTION = 0.925;
/** Zero crossings of the resampling sinc on each side: sets the transition width (about 19 kHz / this = 790 Hz). */
export const RESAMPLE_ZERO_CROSSINGS = 24;
/** Kaiser window β of the resampling kernel: about 80 dB stop-band attenuation (A ≈ β / 0.1102 + 8.7). */
export const RESAMPLE_KAISER_BETA = 8;
/** Most precomputed polyphase coefficients per resampling (2 MiB of doubles); rarer ratios interpolate the kernel per tap. */
export const RESAMPLE_MAX_POLYPHASE_COEFFS = 1 << 18;

// ---------------------------------------------------------------- bounds

/** Longest WAV prompt decodeWavTo8kMono accepts, in seconds of audio (checked from the header before decoding). */
export const MAX_WAV_DURATION_SECONDS = 600;
/** Default cap of a recorder, in milliseconds of audio (10 minutes = 9,600,000 bytes); beyond it frames are dropped. */
export const RECORDER_MAX_DURATION_MS = 10 * 60 * 1000;
/** Samples per storage block of a recorder (1 s): growth allocates one block at a time, never copies what is stored. */
export const RECORDER_BLOCK_SAMPLES = SAMPLE_RATE_HZ;
/** Upload queue: above this many buffered bytes push() returns false and the reader must pause (5 s of audio). */
export const UPLOAD_HIGH_WATER_BYTES = 5 * BYTES_PER_SECOND;
/** Upload queue: once back-pressure engaged, drain fires when buffered bytes fall to this (2 s of audio). */
export const UPLOAD_LOW_WATER_BYTES = 2 * BYTES_PER_SECOND;
/**
 * Upload queue: buffered bytes can never exceed this (15 s of audio); a push that would is a RangeError. The 10 s above
 * the high-water mark absorb the chunk that crosses it plus what a socket delivers before pause() takes effect
 * (Node reads at most 64 KiB at a time).
 */
export const UPLOAD_HARD_LIMIT_BYTES = 15 * BYTES_PER_SECOND;
/** Upload queue: storage allocated at the first push, in bytes; it doubles as needed up to the hard limit. */
export const UPLOAD_INITIAL_CAPACITY_BYTES = 4 * 1024;

// ---------------------------------------------------------------- DTMF detection (see docs/audio-dsp.md)

/** Goertzel block length, in samples: 205 at 8 kHz (25.6 ms) gives 39 Hz bins, enough to separate 697 from 770 Hz. */
export const DTMF_BLOCK_SAMPLES = 205;
/** Weakest tone the detector accepts, in dBm0 per tone (a -20 dBm0 key press keeps 10 dB of margin). */
export const DTMF_MIN_TONE_LEVEL_DBM0 = -30;
/** Most the high-group tone may be weaker than the low-group tone (normal twist), in dB. */
export const DTMF_MAX_NORMAL_TWIST_DB = 8;
/** Most the high-group tone may be stronger than the low-group tone (reverse twist), in dB. */
export const DTMF_MAX_REVERSE_TWIST_DB = 4;
/** How much the strongest tone of a group must exceed every other tone of the same group, in dB. */
export const DTMF_MIN_GROUP_DOMINANCE_DB = 8;
/**
 * Share of the (Hann-windowed) block's energy the two tones together must carry: rejects speech, music and noise, and
 * tones covering under ~60 % of a block, so a 20 ms tone never fills two blocks. Above 0.69 a tone 1.5 % off frequency
 * (Q.24: must be accepted) would fail.
 */
export const DTMF_MIN_TONE_ENERGY_RATIO = 0.6;
/** Consecutive blocks a key must be seen in before it counts (2 blocks = 51 ms of audio). */
export const DTMF_MIN_BLOCKS_PRESENT = 2;

// ---------------------------------------------------------------- conversions

/** Number of samples in `ms` milliseconds at 8 kHz, rounded to the nearest sample. */
export function msToSamples(ms: number): number {
  return Math.round((ms * SAMPLE_RATE_HZ) / 1000);
}

/** Peak amplitude (16-bit linear) of a sine at `dbm0`. */
export function dbm0ToPeak(dbm0: number): number {
  return ZERO_DBM0_PEAK * Math.pow(10, dbm0 / 20);
}

/** Level in dBm0 of a sine whose RMS is `rms` (16-bit linear); -Infinity for silence. */
export function rmsToDbm0(rms: number): number {
  return 20 * Math.log10((rms * Math.SQRT2) / ZERO_DBM0_PEAK);
}

/** `value` rounded to an integer and clipped to the int16 range. */
export function clampInt16(value: number): number {
  const rounded = Math.round(value);
  return rounded > INT16_MAX ? INT16_MAX : rounded < INT16_MIN ? INT16_MIN : rounded;
}

// Typed arrays use the host byte order; views are only s16le on little-endian hosts (every platform Node ships for
// today, but a big-endian host must fall back to byte-wise copies rather than play noise).
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The s16le samples in `bytes` as an Int16Array. Shares memory with `bytes` (no copy) when its byteOffset is even
 * (typed-array alignment) and the host is little-endian; otherwise copies. A trailing odd byte is not part of the
 * result: callers that receive audio in arbitrary chunks should go through ByteQueue (byte-queue.ts).
 * Hazard: when shared, writing to the result writes to `bytes`.
 */
export function samplesFromBytes(bytes: Uint8Array): Int16Array {
  const count = bytes.byteLength >>> 1;
  if (HOST_IS_LITTLE_ENDIAN && (bytes.byteOffset & 1) === 0) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  }
  const out = new Int16Array(count);
  decodeS16le(bytes, 0, out, 0, count);
  return out;
}

/**
 * `samples` as an s16le Buffer. Shares memory (no copy) on little-endian hosts.
 * Hazard: when shared, the Buffer changes if the samples do; copy it before reusing the Int16Array (e.g. a frame buffer).
 */
export function bytesFromSamples(samples: Int16Array): Buffer {
  if (HOST_IS_LITTLE_ENDIAN) return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.allocUnsafe(samples.length * BYTES_PER_SAMPLE);
  encodeS16le(samples, 0, out, 0, samples.length);
  return out;
}

/** From this many samples up, a little-endian host copies bytes (memcpy, two small views) instead of looping. */
const BULK_COPY_SAMPLES = 32;

/**
 * Decodes `count` s16le samples from `bytes` starting at byte `byteOffset` into `out` from index `outOffset`.
 * Works at any alignment. On little-endian hosts a frame or more is one byte copy (about 5x faster than the loop; it
 * allocates two small views); otherwise, and for short runs, a loop that allocates nothing.
 */
export function decodeS16le(bytes: Uint8Array, byteOffset: number, out: Int16Array, outOffset: number, count: number): void {
  if (HOST_IS_LITTLE_ENDIAN && count >= BULK_COPY_SAMPLES) {
    new Uint8Array(out.buffer, out.byteOffset + outOffset * BYTES_PER_SAMPLE, count * BYTES_PER_SAMPLE).set(bytes.subarray(byteOffset, byteOffset + count * BYTES_PER_SAMPLE));
    return;
  }
  let b = byteOffset;
  for (let i = outOffset, end = outOffset + count; i < end; i++, b += 2) {
    // (lo | hi << 8) is 0..65535; the shift pair sign-extends bit 15.
    out[i] = (((bytes[b] as number) | ((bytes[b + 1] as number) << 8)) << 16) >> 16;
  }
}

/**
 * Encodes `count` samples from `samples[offset]` as s16le into `bytes` from byte `byteOffset`. On little-endian hosts a
 * frame or more is one byte copy (one small view); otherwise, and for short runs, a loop that allocates nothing.
 */
export function encodeS16le(samples: Int16Array, offset: number, bytes: Uint8Array, byteOffset: number, count: number): void {
  if (HOST_IS_LITTLE_ENDIAN && count >= BULK_COPY_SAMPLES) {
    bytes.set(new Uint8Array(samples.buffer, samples.byteOffset + offset * BYTES_PER_SAMPLE, count * BYTES_PER_SAMPLE), byteOffset);
    return;
  }
  let b = byteOffset;
  for (let i = offset, end = offset + count; i < end; i++, b += 2) {
    const v = samples[i] as number;
    bytes[b] = v & 0xff;
    bytes[b + 1] = (v >> 8) & 0xff;
  }
}
