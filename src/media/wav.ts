// WAV in and out: any WAV prompt decoded to 8 kHz mono s16 (mix-down, band-limited resampling), PCM written as WAV.

import wavefile from 'wavefile';
import { INT16_MAX, INT16_MIN, MAX_WAV_DURATION_SECONDS, SAMPLE_RATE_HZ, samplesFromBytes } from './format.js';
import { resample } from './resample.js';
import { PcmSource, type PcmOptions } from './source.js';

const { WaveFile } = wavefile;

/** A WAV that cannot be played: malformed, an unsupported encoding, or longer than MAX_WAV_DURATION_SECONDS. */
export class WavDecodeError extends Error {
  override readonly name = 'WavDecodeError';
}

// The parts of wavefile's WaveFile we read; its typings declare fmt and data as plain `object`.
interface WavFmt {
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
}
interface WavData {
  samples: Uint8Array;
}

/**
 * Decodes a WAV file (RIFF/RIFX/RF64; PCM 8-32 bit, float 32/64, A-law, mu-law, IMA ADPCM; any sample rate and
 * channel count) to 8 kHz mono signed 16-bit PCM. Channels are averaged; other rates go through {@link resample}
 * (band-limited, so nothing above 4 kHz folds into the band). An 8 kHz mono 16-bit file comes back bit-exact.
 * Transient memory: 4 bytes per input frame. Throws {@link WavDecodeError}.
 */
export function decodeWavTo8kMono(wav: Uint8Array): Int16Array {
  const file = new WaveFile();
  try {
    file.fromBuffer(wav);
  } catch (error) {
    throw new WavDecodeError(`not a readable WAV file: ${(error as Error).message}`);
  }
  const fmt = file.fmt as WavFmt;
  const channels = fmt.numChannels;
  const rate = fmt.sampleRate;
  if (!(channels >= 1) || !(rate >= 1)) throw new WavDecodeError(`WAV header has ${channels} channels at ${rate} Hz`);
  const dataBytes = (file.data as WavData).samples.length;
  // From the bytes actually present (streaming writers leave the data size 0 or 0xFFFFFFFF), before anything expands.
  const seconds = (dataBytes * 8) / Math.max(1, fmt.bitsPerSample) / channels / rate;
  if (seconds > MAX_WAV_DURATION_SECONDS) {
    throw new WavDecodeError(`WAV is ${seconds.toFixed(1)} s long; at most ${MAX_WAV_DURATION_SECONDS} s is accepted`);
  }

  let depth = file.bitDepth;
  try {
    // Companded and ADPCM data are expanded to 16-bit PCM by wavefile's codecs.
    if (depth === '8a') file.fromALaw();
    else if (depth === '8m') file.fromMuLaw();
    else if (depth === '4') file.fromIMAADPCM();
  } catch (error) {
    throw new WavDecodeError(`cannot decode ${depth} WAV data: ${(error as Error).message}`);
  }
  depth = file.bitDepth;

  const mono = mixDown(file, depth, channels);
  const resampled = rate === SAMPLE_RATE_HZ ? mono : resample(mono, rate, SAMPLE_RATE_HZ);
  const out = new Int16Array(resampled.length);
  for (let i = 0; i < resampled.length; i++) {
    const v = Math.round(resampled[i] as number);
    out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
  }
  return out;
}

// Sample readers for the common encodings: value at byte offset `at`, in 16-bit units. wavefile's own unpacking
// (getSamples) costs about 1 µs per sample, so a minute of 44.1 kHz stereo would block the event loop, and with it the
// media clock of every call, for seconds; these read the data chunk directly.
type Reader = (view: DataView, at: number, littleEndian: boolean) => number;
const READERS: Record<string, { bytes: number; read: Reader }> = {
  '8': { bytes: 1, read: (v, at) => (v.getUint8(at) - 128) * 256 }, // unsigned, centred on 128
  '16': { bytes: 2, read: (v, at, le) => v.getInt16(at, le) },
  '24': {
    bytes: 3,
    read: (v, at, le) => {
      const b0 = v.getUint8(at);
      const b2 = v.getUint8(at + 2);
      const u = le ? b0 | (v.getUint8(at + 1) << 8) | (b2 << 16) : b2 | (v.getUint8(at + 1) << 8) | (b0 << 16);
      return ((u << 8) >> 8) / 256;
    },
  },
  '32': { bytes: 4, read: (v, at, le) => v.getInt32(at, le) / 65536 },
  '32f': { bytes: 4, read: (v, at, le) => v.getFloat32(at, le) * 32768 },
  '64': { bytes: 8, read: (v, at, le) => v.getFloat64(at, le) * 32768 },
};

// The file's samples averaged over channels, in 16-bit units (not yet rounded).
function mixDown(file: InstanceType<typeof WaveFile>, depth: string, channels: number): Float32Array {
  const reader = READERS[depth];
  if (reader === undefined) return mixDownSlow(file, depth, channels);
  const bytes = (file.data as WavData).samples;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = file.container !== 'RIFX';
  const frameBytes = reader.bytes * channels;
  const frames = Math.floor(bytes.byteLength / frameBytes);
  const mono = new Float32Array(frames);
  if (depth === '16' && littleEndian) {
    // The common case, without a call per sample.
    const samples = samplesFromBytes(bytes.subarray(0, frames * frameBytes));
    for (let f = 0, i = 0; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += samples[i++] as number;
      mono[f] = channels === 1 ? sum : sum / channels;
    }
    return mono;
  }
  const read = reader.read;
  for (let f = 0, at = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, at += reader.bytes) sum += read(view, at, littleEndian);
    mono[f] = channels === 1 ? sum : sum / channels;
  }
  return mono;
}

// Unusual integer depths (12, 20 bits, ...): wavefile unpacks them, slowly.
function mixDownSlow(file: InstanceType<typeof WaveFile>, depth: string, channels: number): Float32Array {
  const bits = Number.parseInt(depth, 10);
  if (!(bits >= 8 && bits <= 32)) throw new WavDecodeError(`unsupported WAV bit depth ${depth}`);
  let interleaved: Float64Array;
  try {
    interleaved = file.getSamples(true, Float64Array) as Float64Array;
  } catch (error) {
    throw new WavDecodeError(`cannot read WAV samples: ${(error as Error).message}`);
  }
  const gain = 32768 / Math.pow(2, bits - 1) / channels;
  const frames = Math.floor(interleaved.length / channels);
  const mono = new Float32Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++] as number;
    mono[f] = sum * gain;
  }
  return mono;
}

/** `samples` (8 kHz mono s16) as a WAV file: RIFF, PCM, 16-bit, 8000 Hz, one channel. */
export function encodeWav8kMono(samples: Int16Array): Buffer {
  const file = new WaveFile();
  file.fromScratch(1, SAMPLE_RATE_HZ, '16', samples);
  const bytes = file.toBuffer();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A source playing a WAV file (decoded once, up front, by {@link decodeWavTo8kMono}). Throws {@link WavDecodeError}. */
export function createWavSource(wav: Uint8Array, options: PcmOptions = {}): PcmSource {
  return new PcmSource(decodeWavTo8kMono(wav), options);
}
