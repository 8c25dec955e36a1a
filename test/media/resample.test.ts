// Tests of the band-limited resampler: length, flat pass-band, stop-band rejection (no aliasing), both code paths.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resample } from '../../src/media/resample.js';
import { db, rms, sines, toneAmplitude } from './helpers.js';

// Output level of a 1 s sine at `hz` (peak 10,000) resampled from `rate` to 8 kHz, in dB re the input, edges skipped.
function gainDb(rate: number, hz: number): number {
  const y = resample(sines(1, [{ hz, peak: 10_000 }], rate), rate, 8000);
  return db((rms(y, 400, y.length - 800) * Math.SQRT2) / 10_000);
}

describe('resample', () => {
  test('output length is floor(length · outRate / inRate)', () => {
    assert.equal(resample(new Float64Array(44100), 44100, 8000).length, 8000);
    assert.equal(resample(new Float64Array(44101), 44100, 8000).length, 8000);
    assert.equal(resample(new Float64Array(6000), 6000, 8000).length, 8000);
    assert.equal(resample(new Float64Array(0), 48000, 8000).length, 0);
  });

  // 44,057 Hz has 8,000 phases against 8 kHz: it exercises the interpolated-kernel path instead of the polyphase one.
  for (const rate of [44100, 48000, 16000, 11025, 44057]) {
    test(`${rate} Hz -> 8 kHz: flat to 3.4 kHz, at least 80 dB down from 4.2 kHz (nothing aliases into the band)`, () => {
      for (const hz of [300, 1000, 2000, 3000, 3300]) assert.ok(Math.abs(gainDb(rate, hz)) < 0.02, `${hz} Hz: ${gainDb(rate, hz)} dB`);
      assert.ok(Math.abs(gainDb(rate, 3400)) < 0.1);
      for (const hz of [4200, 4400, 5000, 5500]) {
        if (hz < rate / 2) assert.ok(gainDb(rate, hz) < -80, `${hz} Hz: ${gainDb(rate, hz)} dB`);
      }
    });
  }

  test('keeps frequency and phase: a 1 kHz tone comes out at 1 kHz with the same samples as one generated at 8 kHz', () => {
    const y = resample(sines(1, [{ hz: 1000, peak: 10_000 }], 44100), 44100, 8000);
    const ideal = sines(1, [{ hz: 1000, peak: 10_000 }], 8000);
    let worst = 0;
    for (let i = 400; i < 7600; i++) worst = Math.max(worst, Math.abs((y[i] as number) - (ideal[i] as number)));
    assert.ok(worst < 1, `worst error ${worst}`);
    assert.ok(Math.abs(toneAmplitude(y, 1000, 400, 7200) - 10_000) < 1);
  });

  test('upsamples (6 kHz -> 8 kHz) without images', () => {
    const y = resample(sines(1, [{ hz: 1000, peak: 10_000 }], 6000), 6000, 8000);
    assert.ok(Math.abs(db(toneAmplitude(y, 1000, 400, 7200) / 10_000)) < 0.01);
    // The image of 1 kHz at 6 kHz sampling is 5 kHz, which would land at 3 kHz after naive interpolation.
    assert.ok(db(toneAmplitude(y, 3000, 400, 7200) / 10_000) < -80);
  });

  test('rejects non-integer or non-positive rates', () => {
    assert.throws(() => resample([1, 2, 3], 0, 8000), RangeError);
    assert.throws(() => resample([1, 2, 3], 44100.5, 8000), RangeError);
  });
});
