// Tests of WAV decoding to 8 kHz mono s16 (rates, bit depths, channels, low-pass) and of WAV encoding.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import wavefile from 'wavefile';
import { dtmfFrequencies } from '../../src/media/dtmf.js';
import { FRAME_SAMPLES } from '../../src/media/format.js';
import { WavDecodeError, createWavSource, decodeWavTo8kMono, encodeWav8kMono } from '../../src/media/wav.js';
import { db, detectDigits, render, rms, sines, toneAmplitude } from './helpers.js';

const { WaveFile } = wavefile;

/** A WAV built by wavefile itself from per-channel samples in the file's own units. */
function wav(channels: number, rate: number, depth: string, data: ArrayLike<number>[]): Buffer {
  const file = new WaveFile();
  file.fromScratch(channels, rate, depth, channels === 1 ? (data[0] as ArrayLike<number>) : data);
  return Buffer.from(file.toBuffer());
}

/** `seconds` of a sine scaled to `fullScale` and offset by `centre` (for unsigned 8-bit), rounded unless float. */
function sine(seconds: number, rate: number, hz: number, amplitude: number, fullScale: number, centre = 0, float = false): number[] {
  return Array.from(sines(seconds, [{ hz, peak: amplitude * fullScale }], rate), (v) => (float ? v : Math.round(v) + centre));
}

// The 1 kHz tone must dominate the decoded audio: everything else together at least 40 dB below it (8-bit input: ~47 dB).
function assertToneDominates(pcm: Int16Array, expectedPeak: number): void {
  const start = 400; // skip the filter's start-up at the edges
  const n = pcm.length - 800;
  const tone = toneAmplitude(pcm, 1000, start, n);
  assert.ok(Math.abs(db(tone / expectedPeak)) < 0.5, `tone level ${db(tone / expectedPeak).toFixed(2)} dB off`);
  const residual = Math.sqrt(Math.max(0, rms(pcm, start, n) ** 2 - tone ** 2 / 2));
  assert.ok(db(residual / (tone / Math.SQRT2)) < -40, `residual ${db(residual / (tone / Math.SQRT2)).toFixed(1)} dB`);
}

describe('decodeWavTo8kMono', () => {
  test('44.1 kHz stereo 16-bit: mixed down and resampled, length and 1 kHz tone preserved', () => {
    const ch = sine(1, 44100, 1000, 0.5, 32767);
    const pcm = decodeWavTo8kMono(wav(2, 44100, '16', [ch, ch]));
    assert.ok(Math.abs(pcm.length - 8000) <= 4, `length ${pcm.length}`);
    assertToneDominates(pcm, 0.5 * 32768);
  });

  test('stereo channels are averaged: a tone on the left only comes out 6 dB down', () => {
    const left = sine(1, 44100, 1000, 0.5, 32767);
    const pcm = decodeWavTo8kMono(wav(2, 44100, '16', [left, new Array<number>(left.length).fill(0)]));
    assertToneDominates(pcm, 0.25 * 32768);
  });

  test('16 kHz mono 8-bit (unsigned)', () => {
    const pcm = decodeWavTo8kMono(wav(1, 16000, '8', [sine(0.5, 16000, 1000, 0.5, 127, 128)]));
    assert.ok(Math.abs(pcm.length - 4000) <= 4, `length ${pcm.length}`);
    assertToneDominates(pcm, (0.5 * 127 * 32768) / 128);
  });

  test('48 kHz mono 32-bit float', () => {
    const pcm = decodeWavTo8kMono(wav(1, 48000, '32f', [sine(2, 48000, 1000, 0.25, 1, 0, true)]));
    assert.ok(Math.abs(pcm.length - 16000) <= 4, `length ${pcm.length}`);
    assertToneDominates(pcm, 0.25 * 32768);
  });

  test('22.05 kHz mono 24-bit and 11.025 kHz 32-bit integer', () => {
    const p24 = decodeWavTo8kMono(wav(1, 22050, '24', [sine(1, 22050, 1000, 0.5, 8388607)]));
    assert.ok(Math.abs(p24.length - 8000) <= 4);
    assertToneDominates(p24, 0.5 * 32768);
    const p32 = decodeWavTo8kMono(wav(1, 11025, '32', [sine(1, 11025, 1000, 0.5, 2147483647)]));
    assert.ok(Math.abs(p32.length - 8000) <= 4);
    assertToneDominates(p32, 0.5 * 32768);
  });

  test('6 kHz mono 16-bit is upsampled', () => {
    const pcm = decodeWavTo8kMono(wav(1, 6000, '16', [sine(1, 6000, 1000, 0.5, 32767)]));
    assert.ok(Math.abs(pcm.length - 8000) <= 4);
    assertToneDominates(pcm, 0.5 * 32768);
  });

  test('big-endian RIFX files (16- and 24-bit, stereo) decode like their RIFF twins', () => {
    for (const [depth, scale] of [['16', 32767], ['24', 8388607]] as const) {
      const left = sine(0.5, 16000, 1000, 0.5, scale);
      const right = sine(0.5, 16000, 1000, 0.25, scale);
      const riff = wav(2, 16000, depth, [left, right]);
      const rifx = new WaveFile(riff);
      rifx.toRIFX();
      const bytes = Buffer.from(rifx.toBuffer());
      assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFX');
      assert.deepEqual(decodeWavTo8kMono(bytes), decodeWavTo8kMono(riff));
      assertToneDominates(decodeWavTo8kMono(bytes), 0.375 * 32768);
    }
  });

  test('mu-law and A-law WAVs are expanded before decoding', () => {
    for (const codec of ['mu', 'a'] as const) {
      const file = new WaveFile();
      file.fromScratch(1, 8000, '16', sine(1, 8000, 1000, 0.5, 32767));
      if (codec === 'mu') file.toMuLaw();
      else file.toALaw();
      const pcm = decodeWavTo8kMono(Buffer.from(file.toBuffer()));
      assert.equal(pcm.length, 8000);
      assert.ok(Math.abs(db(toneAmplitude(pcm, 1000) / (0.5 * 32768))) < 0.5, codec);
    }
  });

  test('the low-pass keeps content above 4 kHz from folding into the band (a 6 kHz tone at 44.1 kHz)', () => {
    const pcm = decodeWavTo8kMono(wav(1, 44100, '16', [sine(1, 44100, 6000, 0.5, 32767)]));
    // Without filtering it would alias to 2 kHz at full level; require at least 70 dB of rejection.
    assert.ok(db(rms(pcm, 400, pcm.length - 800) / ((0.5 * 32768) / Math.SQRT2)) < -70);
  });

  test('8 kHz mono 16-bit comes back bit-exact', () => {
    const samples = Int16Array.from({ length: 4001 }, (_, i) => ((i * 7919) % 65536) - 32768);
    assert.deepEqual(decodeWavTo8kMono(wav(1, 8000, '16', [samples])), samples);
  });

  test('DTMF generated at 44.1 kHz in a WAV is detected after decoding', () => {
    const digits = '159#';
    const rate = 44100;
    const data: number[] = [];
    for (const d of digits) {
      const { lowHz, highHz } = dtmfFrequencies(d) as { lowHz: number; highHz: number };
      const tone = sines(0.1, [{ hz: lowHz, peak: 0.25 }, { hz: highHz, peak: 0.3 }], rate);
      data.push(...Array.from(tone, (v) => Math.round(v * 32767)), ...new Array<number>(rate / 10).fill(0));
    }
    const pcm = decodeWavTo8kMono(wav(1, rate, '16', [data]));
    assert.equal(detectDigits(pcm), digits);
  });

  test('rejects what is not a WAV, and WAVs longer than the limit', () => {
    assert.throws(() => decodeWavTo8kMono(Buffer.from('RIFF....WAVEnot really')), WavDecodeError);
    assert.throws(() => decodeWavTo8kMono(Buffer.alloc(0)), WavDecodeError);
    // 601 s at 100 Hz, 8-bit: small in bytes, long in time.
    assert.throws(() => decodeWavTo8kMono(wav(1, 100, '8', [new Array<number>(60_100).fill(128)])), /600 s/);
  });
});

describe('encodeWav8kMono and createWavSource', () => {
  test('encode writes an 8 kHz mono 16-bit RIFF WAV that decodes to the same samples', () => {
    const samples = Int16Array.from({ length: 1000 }, (_, i) => Math.round(20000 * Math.sin(i / 7)));
    const bytes = encodeWav8kMono(samples);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.equal(bytes.length, 44 + 2000);
    const file = new WaveFile(bytes);
    const fmt = file.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number; audioFormat: number };
    assert.deepEqual([fmt.sampleRate, fmt.numChannels, fmt.bitsPerSample, fmt.audioFormat], [8000, 1, 16, 1]);
    assert.deepEqual(decodeWavTo8kMono(bytes), samples);
  });

  test('createWavSource plays the decoded audio frame by frame, optionally looping', () => {
    const samples = Int16Array.from({ length: 200 }, (_, i) => i);
    const bytes = encodeWav8kMono(samples);
    const played = render(createWavSource(bytes));
    assert.equal(played.length, 2 * FRAME_SAMPLES);
    assert.deepEqual(played.subarray(0, 200), samples);
    const looping = createWavSource(bytes, { loop: true });
    const frame = new Int16Array(FRAME_SAMPLES);
    looping.read(frame);
    assert.equal(looping.read(frame), true);
    assert.equal(frame[40], 0); // sample 200 wrapped to sample 0
  });
});
