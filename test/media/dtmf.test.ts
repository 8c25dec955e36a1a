// Tests of DTMF generation: Q.23 frequency pairs, levels and tone/gap durations of the key-press source.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DTMF_DIGITS, DTMF_HIGH_GROUP_HZ, DTMF_LOW_GROUP_HZ, DtmfSource, dtmfFrequencies } from '../../src/media/dtmf.js';
import { dbm0ToPeak } from '../../src/media/format.js';
import { db, render, toneAmplitude } from './helpers.js';

const ALL_FREQS = [...DTMF_LOW_GROUP_HZ, ...DTMF_HIGH_GROUP_HZ];

describe('DTMF frequencies', () => {
  test('follow the Q.23 keypad', () => {
    assert.deepEqual(dtmfFrequencies('1'), { lowHz: 697, highHz: 1209 });
    assert.deepEqual(dtmfFrequencies('5'), { lowHz: 770, highHz: 1336 });
    assert.deepEqual(dtmfFrequencies('9'), { lowHz: 852, highHz: 1477 });
    assert.deepEqual(dtmfFrequencies('0'), { lowHz: 941, highHz: 1336 });
    assert.deepEqual(dtmfFrequencies('*'), { lowHz: 941, highHz: 1209 });
    assert.deepEqual(dtmfFrequencies('#'), { lowHz: 941, highHz: 1477 });
    assert.deepEqual(dtmfFrequencies('A'), { lowHz: 697, highHz: 1633 });
    assert.deepEqual(dtmfFrequencies('d'), { lowHz: 941, highHz: 1633 });
    assert.equal(dtmfFrequencies('E'), undefined);
    assert.equal(dtmfFrequencies('12'), undefined);
  });
});

describe('DtmfSource', () => {
  for (const digit of DTMF_DIGITS) {
    test(`digit ${digit}: exactly its two frequencies, low at -9 dBm0, high 2 dB above`, () => {
      const pcm = render(new DtmfSource(digit));
      assert.equal(pcm.length, 800); // 100 ms
      const { lowHz, highHz } = dtmfFrequencies(digit) as { lowHz: number; highHz: number };
      // 100 ms is not a whole number of cycles of every tone: allow 0.1 dB for the rectangular-window estimate.
      assert.ok(Math.abs(db(toneAmplitude(pcm, lowHz) / dbm0ToPeak(-9))) < 0.1);
      assert.ok(Math.abs(db(toneAmplitude(pcm, highHz) / dbm0ToPeak(-7))) < 0.1);
      for (const f of ALL_FREQS) {
        if (f !== lowHz && f !== highHz) assert.ok(db(toneAmplitude(pcm, f) / dbm0ToPeak(-9)) < -20, `${f} Hz present in ${digit}`);
      }
    });
  }

  test('plays 100 ms tones separated by 100 ms of silence by default, no trailing gap', () => {
    const source = new DtmfSource('12');
    assert.equal(source.lengthSamples, 2400);
    const pcm = render(source);
    assert.equal(pcm.length, 2400);
    assert.ok(pcm.subarray(0, 800).filter((v) => v !== 0).length > 750);
    assert.ok(pcm.subarray(800, 1600).every((v) => v === 0));
    assert.ok(pcm.subarray(1600, 2400).filter((v) => v !== 0).length > 750);
  });

  test('durations and levels are configurable; a tone not a multiple of 20 ms continues mid-frame', () => {
    const source = new DtmfSource('#0', { toneMs: 45, gapMs: 55, lowLevelDbm0: -20, highLevelDbm0: -20 });
    const pcm = render(source);
    assert.equal(source.lengthSamples, 360 + 440 + 360);
    assert.equal(pcm.length, 1280); // 1160 samples in 20 ms frames
    assert.ok(pcm.subarray(360, 800).every((v) => v === 0));
    assert.ok(pcm[360 - 1] !== 0 || pcm[360 - 2] !== 0);
    assert.ok(pcm.subarray(1160).every((v) => v === 0));
    assert.ok(Math.abs(db(toneAmplitude(pcm, 941, 800, 360) / dbm0ToPeak(-20))) < 0.3);
  });

  test('reads false with silence once finished, and an empty string plays nothing', () => {
    const source = new DtmfSource('7', { toneMs: 20 });
    const frame = new Int16Array(160);
    assert.equal(source.read(frame), true);
    assert.equal(source.read(frame), false);
    assert.ok(frame.every((v) => v === 0));
    assert.equal(new DtmfSource('').read(frame), false);
  });

  test('accepts lower-case a-d and rejects anything that is not a DTMF digit', () => {
    assert.equal(new DtmfSource('abcd').lengthSamples, 4 * 800 + 3 * 800);
    assert.throws(() => new DtmfSource('12x'), RangeError);
    assert.throws(() => new DtmfSource('1 2'), RangeError);
    assert.throws(() => new DtmfSource('1', { toneMs: 0 }), RangeError);
    assert.throws(() => new DtmfSource('1', { gapMs: -5 }), RangeError);
  });
});
