// Tests of the audio sources: silence, tones (frequency, level, phase continuity, duration), raw PCM, sequences.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FRAME_SAMPLES, dbm0ToPeak, rmsToDbm0 } from '../../src/media/format.js';
import { PcmSource, SequenceSource, SilenceSource, ToneSource } from '../../src/media/source.js';
import { render, rms, toneAmplitude } from './helpers.js';

describe('SilenceSource', () => {
  test('plays zeros for its duration, then reports finished', () => {
    const source = new SilenceSource(50); // 400 samples: 3 frames, the last partial
    const frame = new Int16Array(FRAME_SAMPLES).fill(7);
    const results = [source.read(frame), source.read(frame), source.read(frame), source.read(frame)];
    assert.deepEqual(results, [true, true, true, false]);
    assert.ok(frame.every((v) => v === 0));
  });

  test('without a duration it never ends', () => {
    const source = new SilenceSource();
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < 1000; i++) assert.equal(source.read(frame), true);
  });
});

describe('ToneSource', () => {
  test('a 1 kHz tone at -10 dBm0 has that frequency and level (Goertzel and RMS over 1 s)', () => {
    const pcm = render(new ToneSource({ frequenciesHz: 1000, levelDbm0: -10, durationMs: 1000 }));
    assert.equal(pcm.length, 8000);
    const expectedPeak = dbm0ToPeak(-10);
    assert.ok(Math.abs(toneAmplitude(pcm, 1000) / expectedPeak - 1) < 0.001);
    assert.ok(Math.abs(rmsToDbm0(rms(pcm)) + 10) < 0.01, `level ${rmsToDbm0(rms(pcm))} dBm0`);
    // Nothing at neighbouring frequencies: the energy is at 1000 Hz, not 990 or 1010.
    assert.ok(toneAmplitude(pcm, 990) < expectedPeak * 0.01);
    assert.ok(toneAmplitude(pcm, 1010) < expectedPeak * 0.01);
  });

  test('is phase-continuous across frames: every sample within 1 LSB of the ideal sine, even after an hour', () => {
    const source = new ToneSource({ frequenciesHz: [350, 440], levelDbm0: -3 });
    const peak = dbm0ToPeak(-3);
    const frame = new Int16Array(FRAME_SAMPLES);
    const check = (frameIndex: number): void => {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const n = frameIndex * FRAME_SAMPLES + i;
        // Phase from exact integer arithmetic, so the reference itself does not lose precision after an hour.
        const ideal = peak * (Math.sin((2 * Math.PI * ((350 * n) % 8000)) / 8000) + Math.sin((2 * Math.PI * ((440 * n) % 8000)) / 8000));
        assert.ok(Math.abs((frame[i] as number) - ideal) <= 1.0001, `frame ${frameIndex} sample ${i}: ${frame[i]} vs ${ideal}`);
      }
    };
    const hourFrames = 3600 * 50;
    for (let f = 0; f < hourFrames + 50; f++) {
      source.read(frame);
      if (f < 50 || f >= hourFrames) check(f);
    }
  });

  test('a dual tone carries both frequencies at the requested level each', () => {
    const pcm = render(new ToneSource({ frequenciesHz: [480, 620], levelDbm0: -20, durationMs: 1000 }));
    for (const f of [480, 620]) assert.ok(Math.abs(toneAmplitude(pcm, f) / dbm0ToPeak(-20) - 1) < 0.001);
  });

  test('stops after its duration: a partial last frame is padded with silence, then read returns false', () => {
    const source = new ToneSource({ frequenciesHz: 1000, durationMs: 30 }); // 240 samples
    const frame = new Int16Array(FRAME_SAMPLES);
    assert.equal(source.read(frame), true);
    assert.equal(source.read(frame), true);
    assert.ok(frame.subarray(0, 80).some((v) => v !== 0));
    assert.ok(frame.subarray(80).every((v) => v === 0));
    assert.equal(source.read(frame), false);
    assert.ok(frame.every((v) => v === 0));
  });

  test('clips rather than wraps when two loud tones add above full scale', () => {
    const pcm = render(new ToneSource({ frequenciesHz: [1000, 1000.5], levelDbm0: 3, durationMs: 1000 }));
    const max = Math.max(...pcm);
    const min = Math.min(...pcm);
    assert.equal(max, 32767);
    assert.equal(min, -32768);
  });

  test('rejects frequencies outside (0, 4000) Hz, more than two frequencies and negative durations', () => {
    assert.throws(() => new ToneSource({ frequenciesHz: 4000 }), RangeError);
    assert.throws(() => new ToneSource({ frequenciesHz: 0 }), RangeError);
    assert.throws(() => new ToneSource({ frequenciesHz: [400, 500, 600] }), RangeError);
    assert.throws(() => new ToneSource({ frequenciesHz: [] }), RangeError);
    assert.throws(() => new ToneSource({ frequenciesHz: 400, durationMs: -1 }), RangeError);
    assert.throws(() => new ToneSource({ frequenciesHz: 400, levelDbm0: Number.NaN }), RangeError);
  });
});

describe('PcmSource', () => {
  test('plays an Int16Array frame by frame, pads the end with silence, then finishes', () => {
    const pcm = Int16Array.from({ length: 400 }, (_, i) => i - 200);
    const out = render(new PcmSource(pcm));
    assert.equal(out.length, 480);
    assert.deepEqual(out.subarray(0, 400), pcm);
    assert.ok(out.subarray(400).every((v) => v === 0));
  });

  test('plays s16le bytes, including a Buffer at an odd byte offset', () => {
    const samples = Int16Array.from({ length: 320 }, (_, i) => (i * 97) % 30000 - 15000);
    const backing = Buffer.alloc(samples.byteLength + 1);
    Buffer.from(samples.buffer).copy(backing, 1);
    const out = render(new PcmSource(backing.subarray(1)));
    assert.deepEqual(out, samples);
  });

  test('loops when asked, wrapping mid-frame', () => {
    const pcm = Int16Array.from({ length: 100 }, (_, i) => i + 1);
    const source = new PcmSource(pcm, { loop: true });
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let f = 0; f < 10; f++) {
      assert.equal(source.read(frame), true);
      for (let i = 0; i < FRAME_SAMPLES; i++) assert.equal(frame[i], ((f * FRAME_SAMPLES + i) % 100) + 1);
    }
  });

  test('an empty PCM finishes at once, even when looping', () => {
    const frame = new Int16Array(FRAME_SAMPLES);
    assert.equal(new PcmSource(new Int16Array(0), { loop: true }).read(frame), false);
    assert.equal(new PcmSource(Buffer.alloc(0)).read(frame), false);
  });
});

describe('SequenceSource', () => {
  test('plays its sources one after another, each starting on a new frame, then finishes', () => {
    const a = Int16Array.from({ length: 320 }, () => 1000);
    const b = Int16Array.from({ length: 100 }, () => -2000);
    const out = render(new SequenceSource([new PcmSource(a), new SilenceSource(20), new PcmSource(b), new ToneSource({ frequenciesHz: 1000, durationMs: 20 })]));
    assert.equal(out.length, 5 * FRAME_SAMPLES);
    assert.ok(out.subarray(0, 320).every((v) => v === 1000));
    assert.ok(out.subarray(320, 480).every((v) => v === 0));
    assert.ok(out.subarray(480, 580).every((v) => v === -2000));
    assert.ok(out.subarray(580, 640).every((v) => v === 0));
    assert.ok(rms(out, 640, 160) > 1000);
  });

  test('skips sources that are already finished and reports finished when empty', () => {
    const frame = new Int16Array(FRAME_SAMPLES);
    const seq = new SequenceSource([new SilenceSource(0), new PcmSource(Int16Array.from([5]))]);
    assert.equal(seq.read(frame), true);
    assert.equal(frame[0], 5);
    assert.equal(seq.read(frame), false);
    assert.equal(new SequenceSource([]).read(frame), false);
  });
});
