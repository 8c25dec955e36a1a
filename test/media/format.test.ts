// Tests of the media format constants, levels and the s16le byte/sample views.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BYTES_PER_SECOND,
  FRAME_BYTES,
  FRAME_MS,
  FRAME_SAMPLES,
  SAMPLE_RATE_HZ,
  ZERO_DBM0_PEAK,
  bytesFromSamples,
  clampInt16,
  dbm0ToPeak,
  decodeS16le,
  encodeS16le,
  msToSamples,
  rmsToDbm0,
  samplesFromBytes,
} from '../../src/media/format.js';

describe('media format', () => {
  test('is PROTOCOL.md §6: s16le, 8000 Hz, mono, 16,000 bytes/s, 20 ms frames of 160 samples / 320 bytes', () => {
    assert.equal(SAMPLE_RATE_HZ, 8000);
    assert.equal(FRAME_MS, 20);
    assert.equal(FRAME_SAMPLES, 160);
    assert.equal(FRAME_BYTES, 320);
    assert.equal(BYTES_PER_SECOND, 16000);
    assert.equal(msToSamples(20), 160);
    assert.equal(msToSamples(60), 480);
  });

  test('0 dBm0 is a sine 3.17 dB below full scale (G.711 mu-law load capacity): peak ≈ 22,750', () => {
    assert.ok(Math.abs(ZERO_DBM0_PEAK - 22749) < 1, String(ZERO_DBM0_PEAK));
    assert.ok(Math.abs(20 * Math.log10(32768 / ZERO_DBM0_PEAK) - 3.17) < 1e-9);
    assert.ok(Math.abs(dbm0ToPeak(-6) / ZERO_DBM0_PEAK - 0.501) < 0.001);
    assert.ok(Math.abs(rmsToDbm0(dbm0ToPeak(-13) / Math.SQRT2) + 13) < 1e-9);
  });

  test('clampInt16 rounds and saturates', () => {
    assert.equal(clampInt16(1.5), 2);
    assert.equal(clampInt16(-1.4), -1);
    assert.equal(clampInt16(40000), 32767);
    assert.equal(clampInt16(-40000), -32768);
  });

  test('samplesFromBytes shares memory when the byte offset is even', () => {
    const bytes = Buffer.from([0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f]);
    const samples = samplesFromBytes(bytes);
    assert.deepEqual([...samples], [1, -1, -32768, 32767]);
    samples[0] = 2;
    assert.equal(bytes[0], 2, 'a view, not a copy');
  });

  test('samplesFromBytes copies correctly when the byte offset is odd, and ignores a trailing odd byte', () => {
    const backing = Buffer.alloc(6); // not from the pool: byteOffset 0
    backing.set([0xaa, 0x34, 0x12, 0xcc, 0xed, 0x07]);
    const odd = backing.subarray(1);
    assert.equal(odd.byteOffset, 1, 'an Int16Array view is impossible at an odd offset');
    const samples = samplesFromBytes(odd);
    assert.deepEqual([...samples], [0x1234, -0x1234]);
    samples[0] = 0;
    assert.equal(backing[1], 0x34, 'a copy');
  });

  test('bytesFromSamples is the s16le encoding and round-trips through samplesFromBytes', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 4660]);
    const bytes = bytesFromSamples(samples);
    assert.deepEqual([...bytes], [0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80, 0x34, 0x12]);
    assert.deepEqual(samplesFromBytes(Buffer.from(bytes)), samples);
  });

  test('decodeS16le/encodeS16le work at any offset', () => {
    const samples = Int16Array.from([-2, 300, -32768]);
    const bytes = new Uint8Array(9);
    encodeS16le(samples, 0, bytes, 3, 3);
    const back = new Int16Array(4);
    decodeS16le(bytes, 3, back, 1, 3);
    assert.deepEqual([...back], [0, -2, 300, -32768]);
  });
});
