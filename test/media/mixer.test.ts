// Tests of frame mixing (sum then clip, mix-minus) and gain.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyGain, dbToGain, mixFrames, mixMinus } from '../../src/media/mixer.js';

const frame = (...values: number[]): Int16Array => Int16Array.from(values);

describe('mixFrames', () => {
  test('adds sample by sample', () => {
    const out = new Int16Array(3);
    mixFrames([frame(1, 2, 3), frame(10, -20, 30), frame(100, 200, -300)], out);
    assert.deepEqual([...out], [111, 182, -267]);
  });

  test('saturates at the int16 limits instead of wrapping', () => {
    const out = new Int16Array(4);
    mixFrames([frame(30000, -30000, 32767, -32768), frame(30000, -30000, 1, -1)], out);
    assert.deepEqual([...out], [32767, -32768, 32767, -32768]);
    mixFrames([frame(30000, -30000, 20000, 0), frame(30000, -30000, 20000, 0), frame(30000, -30000, 20000, 0)], out);
    assert.deepEqual([...out], [32767, -32768, 32767, 0]);
  });

  test('many inputs (the general path) add and saturate the same way', () => {
    const inputs = [1, 2, 3, 4, 5, 6].map((k) => frame(k, 5000 * k, -5000 * k));
    const out = new Int16Array(3);
    mixFrames(inputs, out);
    assert.deepEqual([...out], [21, 32767, -32768]);
    mixMinus(inputs, 5, out);
    assert.deepEqual([...out], [15, 32767, -32768]);
    mixMinus([frame(1), frame(-1), frame(2), frame(-2), frame(3)], 4, out.subarray(0, 1));
    assert.equal(out[0], 0);
  });

  test('sums before clipping: loud parties that cancel give their true sum', () => {
    const out = new Int16Array(2);
    mixFrames([frame(30000, 25000), frame(30000, 25000), frame(-30000, -25000)], out);
    assert.deepEqual([...out], [30000, 25000]);
  });

  test('zero inputs give silence, one input a copy; `count` limits the inputs used; out may be an input', () => {
    const out = frame(9, 9);
    mixFrames([], out);
    assert.deepEqual([...out], [0, 0]);
    mixFrames([frame(5, -5)], out);
    assert.deepEqual([...out], [5, -5]);
    const inputs = [frame(1, 1), frame(2, 2), frame(4, 4)];
    mixFrames(inputs, out, 2);
    assert.deepEqual([...out], [3, 3]);
    const a = frame(1000, 2000);
    mixFrames([a, frame(1, 2)], a);
    assert.deepEqual([...a], [1001, 2002]);
  });
});

describe('mixMinus', () => {
  test('each party of a conference hears everyone but itself', () => {
    const parties = [frame(1, 0), frame(10, 0), frame(100, 0), frame(1000, 0)];
    const out = new Int16Array(2);
    const heard = parties.map((_, i) => {
      mixMinus(parties, i, out);
      return out[0];
    });
    assert.deepEqual(heard, [1110, 1101, 1011, 111]);
  });

  test('two parties: each hears the other exactly; one party alone hears silence', () => {
    const a = frame(32767, -32768);
    const b = frame(-5, 7);
    const out = new Int16Array(2);
    mixMinus([a, b], 0, out);
    assert.deepEqual(out, b);
    mixMinus([a, b], 1, out);
    assert.deepEqual(out, a);
    mixMinus([a], 0, out);
    assert.deepEqual([...out], [0, 0]);
  });
});

describe('gain', () => {
  test('dbToGain: 0 dB is 1, -6.02 dB halves, +20 dB is 10', () => {
    assert.equal(dbToGain(0), 1);
    assert.ok(Math.abs(dbToGain(-6.0206) - 0.5) < 1e-4);
    assert.ok(Math.abs(dbToGain(20) - 10) < 1e-12);
  });

  test('applyGain rounds and saturates, in place or into another frame', () => {
    const f = frame(1000, -1000, 20000, -20000, 3);
    const out = new Int16Array(5);
    applyGain(f, 2, out);
    assert.deepEqual([...out], [2000, -2000, 32767, -32768, 6]);
    applyGain(f, 0.5);
    assert.deepEqual([...f], [500, -500, 10000, -10000, 2]);
    applyGain(f, 1, out);
    assert.deepEqual(out, f);
  });
});
