// Tests of the echo delay line and the echo party's source.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EchoLine, EchoSource } from '../../src/media/echo.js';
import { FRAME_SAMPLES } from '../../src/media/format.js';

// Frame k of a ramp: sample n of the stream has value (n % 30000) + 1, so position is recoverable from value.
function rampFrame(k: number): Int16Array {
  return Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => ((k * FRAME_SAMPLES + i) % 30000) + 1);
}

describe('EchoLine', () => {
  for (const delayMs of [60, 25, 20, 1]) {
    test(`returns every sample exactly ${delayMs} ms later, silence before`, () => {
      const line = new EchoLine(delayMs);
      const delay = delayMs * 8;
      assert.equal(line.delaySamples, delay);
      const out = new Int16Array(FRAME_SAMPLES);
      for (let k = 0; k < 100; k++) {
        line.process(rampFrame(k), out);
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          const n = k * FRAME_SAMPLES + i - delay;
          assert.equal(out[i], n < 0 ? 0 : (n % 30000) + 1, `frame ${k} sample ${i}`);
        }
      }
    });
  }

  test('defaults to 60 ms; 0 ms passes through; works in place', () => {
    assert.equal(new EchoLine().delaySamples, 480);
    const zero = new EchoLine(0);
    const out = new Int16Array(FRAME_SAMPLES);
    zero.process(rampFrame(3), out);
    assert.deepEqual(out, rampFrame(3));
    const line = new EchoLine(10);
    const f = rampFrame(0);
    line.process(f, f);
    assert.deepEqual([...f.subarray(0, 80)], new Array(80).fill(0));
    assert.equal(f[80], 1);
  });

  test('reset forgets the audio in the line', () => {
    const line = new EchoLine(20);
    const out = new Int16Array(FRAME_SAMPLES);
    line.process(rampFrame(0), out);
    line.reset();
    line.process(new Int16Array(FRAME_SAMPLES), out);
    assert.ok(out.every((v) => v === 0));
  });

  test('rejects negative delays and delays above the limit', () => {
    assert.throws(() => new EchoLine(-1), RangeError);
    assert.throws(() => new EchoLine(10_001), RangeError);
    assert.throws(() => new EchoLine(Number.NaN), RangeError);
  });
});

describe('EchoSource', () => {
  test('hearing before reading in each tick plays back with exactly the line delay', () => {
    const echo = new EchoSource(60);
    const out = new Int16Array(FRAME_SAMPLES);
    for (let k = 0; k < 10; k++) {
      echo.hear(rampFrame(k));
      assert.equal(echo.read(out), true);
      if (k >= 3) assert.deepEqual(out, rampFrame(k - 3));
      else assert.ok(out.every((v) => v === 0));
    }
  });

  test('a tick without anything heard advances the line with silence; reading first adds one frame', () => {
    const echo = new EchoSource(20);
    const out = new Int16Array(FRAME_SAMPLES);
    echo.read(out); // tick 0: nothing heard
    echo.hear(rampFrame(1)); // heard after the read of tick 0: used by the read of tick 1
    echo.read(out); // tick 1: plays what was fed 20 ms ago (silence)
    assert.ok(out.every((v) => v === 0));
    echo.read(out); // tick 2: plays rampFrame(1), 40 ms after it was heard
    assert.deepEqual(out, rampFrame(1));
  });
});
