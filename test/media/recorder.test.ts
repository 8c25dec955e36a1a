// Tests of the recorder: storage across blocks, the hard cap (keep the start, count the rest), WAV and raw export.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import wavefile from 'wavefile';
import { FRAME_SAMPLES, RECORDER_MAX_DURATION_MS } from '../../src/media/format.js';
import { Recorder } from '../../src/media/recorder.js';
import { decodeWavTo8kMono } from '../../src/media/wav.js';

const { WaveFile } = wavefile;

function frameOf(k: number): Int16Array {
  return Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => ((k * 131 + i * 7) % 60000) - 30000);
}

describe('Recorder', () => {
  test('stores frames in order across storage blocks', () => {
    const recorder = new Recorder();
    for (let k = 0; k < 120; k++) assert.equal(recorder.append(frameOf(k)), true); // 2.4 s: three 1 s blocks
    const pcm = recorder.toPcm();
    assert.equal(pcm.length, 120 * FRAME_SAMPLES);
    assert.equal(recorder.lengthSamples, pcm.length);
    assert.equal(recorder.durationMs, 2400);
    for (let k = 0; k < 120; k++) assert.deepEqual(pcm.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES), frameOf(k));
  });

  test('copies what it is given: reusing the frame buffer does not change the recording', () => {
    const recorder = new Recorder();
    const frame = frameOf(1);
    recorder.append(frame);
    frame.fill(0);
    assert.deepEqual(recorder.toPcm(), frameOf(1));
  });

  test('at the cap it keeps the beginning and counts what it drops', () => {
    const recorder = new Recorder({ maxDurationMs: 50 }); // 400 samples: 2.5 frames
    const results = [0, 1, 2, 3, 4].map((k) => recorder.append(frameOf(k)));
    assert.deepEqual(results, [true, true, false, false, false]);
    assert.equal(recorder.lengthSamples, 400);
    assert.equal(recorder.droppedFrames, 3);
    assert.equal(recorder.droppedSamples, 5 * FRAME_SAMPLES - 400);
    const pcm = recorder.toPcm();
    assert.deepEqual(pcm.subarray(0, 320), Int16Array.from([...frameOf(0), ...frameOf(1)]));
    assert.deepEqual(pcm.subarray(320), frameOf(2).subarray(0, 80));
  });

  test('defaults to a 10 minute cap (9,600,000 bytes)', () => {
    assert.equal(RECORDER_MAX_DURATION_MS, 600_000);
    assert.equal(new Recorder().maxSamples * 2, 9_600_000);
    assert.throws(() => new Recorder({ maxDurationMs: -1 }), RangeError);
  });

  test('exports an 8 kHz mono 16-bit WAV that decodes back to exactly what was recorded', () => {
    const recorder = new Recorder();
    for (let k = 0; k < 60; k++) recorder.append(frameOf(k));
    const wav = recorder.toWav();
    const file = new WaveFile(wav);
    const fmt = file.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number };
    assert.deepEqual([fmt.sampleRate, fmt.numChannels, fmt.bitsPerSample], [8000, 1, 16]);
    assert.deepEqual(decodeWavTo8kMono(wav), recorder.toPcm());
  });

  test('exports raw s16le PCM', () => {
    const recorder = new Recorder();
    recorder.append(Int16Array.from([1, -2, 32767, -32768]));
    assert.deepEqual([...recorder.toRaw()], [1, 0, 0xfe, 0xff, 0xff, 0x7f, 0x00, 0x80]);
  });

  test('an empty recording exports a valid empty WAV; clear() releases everything', () => {
    const recorder = new Recorder({ maxDurationMs: 20 });
    assert.equal(decodeWavTo8kMono(recorder.toWav()).length, 0);
    recorder.append(frameOf(0));
    recorder.append(frameOf(1));
    recorder.clear();
    assert.equal(recorder.lengthSamples, 0);
    assert.equal(recorder.droppedFrames, 0);
    assert.equal(recorder.append(frameOf(2)), true);
    assert.deepEqual(recorder.toPcm(), frameOf(2));
  });
});
