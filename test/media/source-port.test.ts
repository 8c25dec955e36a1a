// Tests of SourcePort, the media port of the built-in endpoints: what it sends, when it wakes the engine, its echo and flags.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EchoSource } from '../../src/media/echo.js';
import { FRAME_SAMPLES } from '../../src/media/format.js';
import { partyPort, SourcePort } from '../../src/media/source-port.js';
import { PcmSource } from '../../src/media/source.js';

/** PCM of `frames` frames, each filled with its index + 1. */
function numbered(frames: number): Int16Array {
  const pcm = new Int16Array(frames * FRAME_SAMPLES);
  for (let f = 0; f < frames; f++) pcm.fill(f + 1, f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES);
  return pcm;
}

describe('SourcePort', () => {
  test('sends its source frame by frame, then nothing once it ended (no longer sending or producing)', () => {
    const port = new SourcePort({ source: new PcmSource(numbered(2)) });
    const frame = new Int16Array(FRAME_SAMPLES);
    assert.equal(port.sending, true);
    assert.equal(port.producing, true);
    assert.equal(port.produce(frame), true);
    assert.equal(frame[0], 1);
    assert.equal(port.produce(frame), true);
    assert.equal(frame[FRAME_SAMPLES - 1], 2);
    assert.equal(port.produce(frame), false);
    assert.equal(port.sending, false);
    assert.equal(port.producing, false);
    assert.equal(port.produce(frame), false);
  });

  test('without a source it is silent until play(); play wakes the engine, stop silences it', () => {
    const port = new SourcePort({ detectsDtmf: true });
    let wakes = 0;
    port.start(() => wakes++);
    const frame = new Int16Array(FRAME_SAMPLES);
    assert.equal(port.detectsDtmf, true);
    assert.equal(port.records, false);
    assert.equal(port.produce(frame), false);
    port.play(new PcmSource(numbered(3)));
    assert.equal(wakes, 1);
    assert.equal(port.produce(frame), true);
    assert.equal(frame[0], 1);
    port.play(new PcmSource(numbered(3)));
    assert.equal(port.produce(frame), true);
    assert.equal(frame[0], 1, 'a new play starts from the beginning');
    port.stop();
    assert.equal(port.sending, false);
    assert.equal(port.produce(frame), false);
    assert.equal(wakes, 2);
  });

  test('once closed it plays nothing and wakes nobody', () => {
    const port = new SourcePort();
    let wakes = 0;
    port.start(() => wakes++);
    port.close();
    port.play(new PcmSource(numbered(1)));
    assert.equal(wakes, 0);
    assert.equal(port.sending, false);
    assert.equal(port.produce(new Int16Array(FRAME_SAMPLES)), false);
  });
});

describe('partyPort', () => {
  test('an echo party returns what it hears, is recorded, declares its delay and does not produce by itself', () => {
    const echo = new EchoSource(20);
    const port = partyPort({ source: echo, produces: false, echo });
    assert.equal(port.records, true);
    assert.equal(port.producing, false);
    assert.equal(port.sending, true);
    assert.equal(port.echoDelayMs, 20);
    const heard = new Int16Array(FRAME_SAMPLES).fill(1234);
    const out = new Int16Array(FRAME_SAMPLES);
    port.hear(heard);
    assert.equal(port.produce(out), true);
    assert.ok(out.every((sample) => sample === 0), 'nothing heard 20 ms ago');
    port.hear(heard);
    port.produce(out);
    assert.ok(out.every((sample) => sample === 1234), 'heard 20 ms ago, returned now');
    port.hear(heard);
    port.skipped();
    port.produce(out);
    assert.ok(out.every((sample) => sample === 0), 'after skipped frames the line starts afresh');
  });

  test('a silent party is recorded and sends nothing', () => {
    const port = partyPort(undefined);
    assert.equal(port.records, true);
    assert.equal(port.sending, false);
    assert.equal(port.echoDelayMs, undefined);
    assert.equal(port.produce(new Int16Array(FRAME_SAMPLES)), false);
  });
});
