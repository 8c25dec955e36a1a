// Tests of the upload byte queue: any chunking (odd bytes), order, high/low water back-pressure, hard limit, storage.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ByteQueue } from '../../src/media/byte-queue.js';
import { FRAME_BYTES, FRAME_SAMPLES, UPLOAD_HARD_LIMIT_BYTES, UPLOAD_HIGH_WATER_BYTES, UPLOAD_LOW_WATER_BYTES, bytesFromSamples } from '../../src/media/format.js';
import { prng } from './helpers.js';

/** `frames` frames of a recognisable pattern (sample n = n mod 65536 as int16), as s16le bytes. */
function pattern(frames: number): Buffer {
  const samples = Int16Array.from({ length: frames * FRAME_SAMPLES }, (_, n) => ((n + 32768) % 65536) - 32768);
  return Buffer.from(bytesFromSamples(samples));
}

/** Reads every whole frame out of `queue` and returns the samples. */
function drain(queue: ByteQueue): number[] {
  const out: number[] = [];
  const frame = new Int16Array(FRAME_SAMPLES);
  while (queue.readFrame(frame)) out.push(...frame);
  return out;
}

function expected(frames: number): number[] {
  return Array.from({ length: frames * FRAME_SAMPLES }, (_, n) => ((n + 32768) % 65536) - 32768);
}

describe('ByteQueue', () => {
  test('documented water marks: high 5 s (80,000 B), low 2 s (32,000 B), hard limit 15 s (240,000 B)', () => {
    const queue = new ByteQueue();
    assert.equal(queue.highWaterBytes, UPLOAD_HIGH_WATER_BYTES);
    assert.equal(UPLOAD_HIGH_WATER_BYTES, 80_000);
    assert.equal(UPLOAD_LOW_WATER_BYTES, 32_000);
    assert.equal(UPLOAD_HARD_LIMIT_BYTES, 240_000);
  });

  test('reassembles samples split across chunks of any size, odd byte counts included, in order', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = prng(seed);
      const bytes = pattern(50);
      const queue = new ByteQueue();
      const out: number[] = [];
      const frame = new Int16Array(FRAME_SAMPLES);
      let at = 0;
      while (at < bytes.length) {
        const size = Math.min(bytes.length - at, 1 + Math.floor(rand() * (rand() < 0.5 ? 7 : 700)));
        queue.push(bytes.subarray(at, at + size));
        at += size;
        if (rand() < 0.5) while (queue.readFrame(frame)) out.push(...frame);
      }
      out.push(...drain(queue));
      assert.deepEqual(out, expected(50), `seed ${seed}`);
    }
  });

  test('one byte at a time works too', () => {
    const queue = new ByteQueue();
    const bytes = pattern(2);
    for (const b of bytes) queue.push(Buffer.from([b]));
    assert.deepEqual(drain(queue), expected(2));
  });

  test('order survives the ring wrapping and growing while wrapped', () => {
    const queue = new ByteQueue();
    const bytes = pattern(400); // 128,000 bytes
    const out: number[] = [];
    const frame = new Int16Array(FRAME_SAMPLES);
    let at = 0;
    // Keep ~3 frames buffered so the head walks round the initial 4 KiB ring, then burst to force growth mid-wrap.
    while (at < 40_000) {
      queue.push(bytes.subarray(at, at + 999));
      at += 999;
      while (queue.bufferedBytes > 3 * FRAME_BYTES && queue.readFrame(frame)) out.push(...frame);
    }
    queue.push(bytes.subarray(at, at + 60_000));
    at += 60_000;
    assert.ok(queue.capacityBytes > 60_000);
    queue.push(bytes.subarray(at));
    out.push(...drain(queue));
    assert.deepEqual(out, expected(400));
  });

  test('readFrame with less than a frame buffered returns false and leaves the frame untouched', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.alloc(FRAME_BYTES - 1, 1));
    const frame = new Int16Array(FRAME_SAMPLES).fill(7);
    assert.equal(queue.readFrame(frame), false);
    assert.ok(frame.every((v) => v === 7));
    queue.push(Buffer.from([1]));
    assert.equal(queue.readFrame(frame), true);
    assert.ok(frame.every((v) => v === 0x0101));
  });

  test('readFinalFrame takes the tail of an upload, zero-pads it and drops a trailing odd byte', () => {
    const queue = new ByteQueue();
    queue.push(Buffer.from([0x01, 0x00, 0x02, 0x00, 0x03]));
    const frame = new Int16Array(FRAME_SAMPLES).fill(9);
    assert.equal(queue.readFinalFrame(frame), 2);
    assert.deepEqual([...frame.subarray(0, 3)], [1, 2, 0]);
    assert.ok(frame.subarray(2).every((v) => v === 0));
    assert.equal(queue.bufferedBytes, 0);
    assert.equal(queue.totalReadBytes, 5);
    assert.equal(queue.readFinalFrame(frame), 0);
    queue.push(pattern(1));
    assert.equal(queue.readFinalFrame(frame), FRAME_SAMPLES, 'a whole frame reads as usual');
  });

  test('push returns false from the high-water mark on; drain fires once, at the low-water mark', () => {
    let drains = 0;
    const queue = new ByteQueue({ onDrain: () => drains++ });
    const chunk = Buffer.alloc(8000); // 250 ms
    let pushes = 0;
    while (queue.push(chunk)) pushes++;
    assert.equal(pushes, 9); // the 10th push reaches 80,000 bytes
    assert.equal(queue.bufferedBytes, 80_000);
    assert.equal(queue.isBackPressured, true);
    const frame = new Int16Array(FRAME_SAMPLES);
    while (queue.bufferedBytes > 32_000 + FRAME_BYTES) {
      queue.readFrame(frame);
      assert.equal(drains, 0);
    }
    queue.readFrame(frame);
    assert.equal(queue.bufferedBytes, 32_000);
    assert.equal(drains, 1);
    assert.equal(queue.isBackPressured, false);
    drain(queue);
    assert.equal(drains, 1, 'drain fires once per back-pressure episode');
    assert.equal(queue.push(chunk), true);
  });

  test('a producer that ignores back-pressure hits the hard limit: RangeError, nothing accepted', () => {
    const queue = new ByteQueue();
    const chunk = Buffer.alloc(60_000);
    queue.push(chunk);
    queue.push(chunk);
    queue.push(chunk);
    queue.push(chunk); // 240,000: exactly at the limit is allowed
    assert.equal(queue.bufferedBytes, UPLOAD_HARD_LIMIT_BYTES);
    assert.throws(() => queue.push(Buffer.alloc(1)), RangeError);
    assert.equal(queue.bufferedBytes, UPLOAD_HARD_LIMIT_BYTES);
    assert.equal(queue.totalPushedBytes, UPLOAD_HARD_LIMIT_BYTES);
    assert.ok(queue.capacityBytes <= UPLOAD_HARD_LIMIT_BYTES, 'storage never exceeds the hard limit');
  });

  test('memory stays bounded over a long upload, and storage grown for a burst is released once empty', () => {
    const queue = new ByteQueue();
    const frame = new Int16Array(FRAME_SAMPLES);
    const second = Buffer.alloc(16_000);
    let maxCapacity = 0;
    // 10 minutes of one-second bursts, played at real time.
    for (let s = 0; s < 600; s++) {
      queue.push(second);
      maxCapacity = Math.max(maxCapacity, queue.capacityBytes);
      for (let f = 0; f < 50; f++) assert.equal(queue.readFrame(frame), true);
    }
    assert.ok(maxCapacity <= 16_384, `capacity ${maxCapacity}`);
    queue.push(Buffer.alloc(96_000)); // 6 s: 300 whole frames
    assert.ok(queue.capacityBytes >= 96_000);
    drain(queue);
    assert.equal(queue.capacityBytes, 0);
    assert.equal(queue.totalPushedBytes, 600 * 16_000 + 96_000);
    assert.equal(queue.totalReadBytes, queue.totalPushedBytes);
  });

  test('clear discards everything, counts it as read and releases back-pressure', () => {
    let drains = 0;
    const queue = new ByteQueue({ highWaterBytes: 1000, lowWaterBytes: 500, hardLimitBytes: 2000, onDrain: () => drains++ });
    assert.equal(queue.push(Buffer.alloc(1500)), false);
    assert.equal(queue.clear(), 1500);
    assert.equal(drains, 1);
    assert.equal(queue.bufferedBytes, 0);
    assert.equal(queue.totalReadBytes, 1500);
  });

  test('rejects inconsistent water marks', () => {
    assert.throws(() => new ByteQueue({ highWaterBytes: 100, lowWaterBytes: 100 }), RangeError);
    assert.throws(() => new ByteQueue({ highWaterBytes: 100, lowWaterBytes: 10, hardLimitBytes: 50 }), RangeError);
  });
});
