// Tests of G.711: known ITU-T G.191 values, the tables against the classic formulas, and round-trip properties.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ALAW_DECODE, ULAW_DECODE, alawCompress, g711Decode, g711Encode, ulawCompress } from '../../../src/media/rtp/g711.js';

/** µ-law expansion as the classic Sun/CCITT code writes it (an independent formula to check the table against). */
function sunUlaw(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** A-law expansion as the classic Sun/CCITT code writes it. */
function sunAlaw(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

describe('G.711', () => {
  test('known µ-law values', () => {
    assert.equal(ulawCompress(0), 0xff);
    assert.equal(ulawCompress(-1), 0x7f);
    assert.equal(ulawCompress(1000), 0xce);
    assert.equal(ulawCompress(32767), 0x80);
    assert.equal(ulawCompress(-32768), 0x00);
    assert.equal(ULAW_DECODE[0x80], 32124);
    assert.equal(ULAW_DECODE[0x00], -32124);
    assert.equal(ULAW_DECODE[0xff], 0);
    assert.equal(ULAW_DECODE[0xce], 988);
  });

  test('known A-law values', () => {
    assert.equal(alawCompress(0), 0xd5);
    assert.equal(alawCompress(-1), 0x55);
    assert.equal(alawCompress(1000), 0xfa);
    assert.equal(alawCompress(32767), 0xaa);
    assert.equal(alawCompress(-32768), 0x2a);
    assert.equal(ALAW_DECODE[0xd5], 8);
    assert.equal(ALAW_DECODE[0x55], -8);
    assert.equal(ALAW_DECODE[0xfa], 1008);
    assert.equal(ALAW_DECODE[0xaa], 32256);
  });

  test('the decode tables equal the classic formulas for all 256 bytes', () => {
    for (let b = 0; b < 256; b++) {
      assert.equal(ULAW_DECODE[b], sunUlaw(b), `µ-law ${b}`);
      assert.equal(ALAW_DECODE[b], sunAlaw(b), `A-law ${b}`);
    }
  });

  test('every code word survives decode then encode (µ-law 0x7f is the one negative zero, it comes back as 0xff)', () => {
    for (let b = 0; b < 256; b++) {
      assert.equal(alawCompress(ALAW_DECODE[b] as number), b);
      assert.equal(ulawCompress(ULAW_DECODE[b] as number), b === 0x7f ? 0xff : b);
    }
  });

  test('encode then decode stays within half a quantisation step (G.711 segment sizes)', () => {
    fc.assert(fc.property(fc.integer({ min: -32768, max: 32767 }), (x) => {
      const mag = Math.abs(x);
      const u = ULAW_DECODE[ulawCompress(x)] as number;
      const a = ALAW_DECODE[alawCompress(x)] as number;
      // Step of the segment holding x: µ-law 8·2^seg on a 16-bit scale, A-law 16·2^(seg-1); plus the clipping at full scale.
      const uStep = Math.max(8, 2 ** Math.ceil(Math.log2((mag + 132) / 128)) * 8);
      const aStep = Math.max(16, 2 ** Math.ceil(Math.log2((mag + 1) / 256)) * 16);
      assert.ok(Math.abs(u - x) <= Math.max(uStep, mag - 32124 + 1), `µ-law ${x} -> ${u}`);
      assert.ok(Math.abs(a - x) <= Math.max(aStep, mag - 32256 + 1), `A-law ${x} -> ${a}`);
    }), { numRuns: 5000 });
  });

  test('encode is monotonic: a larger sample never gets a smaller decoded value', () => {
    let prevU = -Infinity;
    let prevA = -Infinity;
    for (let x = -32768; x < 32768; x++) {
      const u = ULAW_DECODE[ulawCompress(x)] as number;
      const a = ALAW_DECODE[alawCompress(x)] as number;
      assert.ok(u >= prevU && a >= prevA, `at ${x}`);
      prevU = u;
      prevA = a;
    }
  });

  test('buffer encode/decode agree with the per-sample functions', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 200 }), (values) => {
      const pcm = Int16Array.from(values);
      for (const law of ['PCMU', 'PCMA'] as const) {
        const bytes = new Uint8Array(pcm.length);
        g711Encode(law, pcm, bytes);
        const back = new Int16Array(pcm.length);
        g711Decode(law, bytes, back);
        const table = law === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
        const compress = law === 'PCMU' ? ulawCompress : alawCompress;
        pcm.forEach((x, i) => {
          assert.equal(bytes[i], compress(x));
          assert.equal(back[i], table[compress(x)]);
        });
      }
    }));
  });
});
