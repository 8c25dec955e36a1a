// Tests of the jitter buffer on the manual clock: order, loss, lateness, duplicates, ptimes, wrap-around, depth, drift.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../../src/core/clock.js';
import { FRAME_SAMPLES } from '../../../src/media/format.js';
import { JITTER_MAX_DEPTH_MS } from '../../../src/limits.js';
import { JITTER_CONCEAL_GAIN, JITTER_MIN_CUSHION_MS, JitterBuffer } from '../../../src/media/rtp/jitter-buffer.js';
import { prng } from '../helpers.js';

/** The test signal: sample k of the stream is (k mod 20000) + 1, never 0, so gaps and repeats show. */
function ramp(from: number, n: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = ((from + i) % 20000) + 1;
  return out;
}

interface Scenario {
  ptimeMs?: number;
  packets: number;
  /** Sender clock speed relative to the receiver's (1.001 = 0.1 % fast). */
  senderRate?: number;
  /** Network delay of packet k, in ms. */
  delayMs?: (k: number) => number;
  drop?: (k: number) => boolean;
  duplicate?: (k: number) => boolean;
  seq0?: number;
  ts0?: number;
  ssrc?: (k: number) => number;
  marker?: (k: number) => boolean;
  /** Extra pulls after the last packet was sent, in 20 ms frames. */
  tailFrames?: number;
  /** Called after each pull with the buffer. */
  onPull?: (buffer: JitterBuffer) => void;
}

/** Sends the stream and pulls 20 ms frames on one manual clock; returns everything played and the buffer. */
function run(s: Scenario): { out: Int16Array[]; audible: boolean[]; buffer: JitterBuffer } {
  const clock = new ManualClock(0);
  const buffer = new JitterBuffer();
  const ptime = s.ptimeMs ?? 20;
  const n = (ptime * 8000) / 1000;
  const out: Int16Array[] = [];
  const audible: boolean[] = [];
  const deliver = (k: number): void => {
    const payload = ramp(k * n, n);
    const push = (): void => {
      buffer.push(((s.seq0 ?? 0) + k) & 0xffff, ((s.ts0 ?? 0) + k * n) >>> 0, s.ssrc?.(k) ?? 1234, s.marker?.(k) ?? k === 0, payload, clock.now());
    };
    clock.setTimeout(push, s.delayMs?.(k) ?? 0);
    if (s.duplicate?.(k)) clock.setTimeout(push, (s.delayMs?.(k) ?? 0) + 5);
  };
  let k = 0;
  const send = (): void => {
    if (!s.drop?.(k)) deliver(k);
    k++;
    if (k < s.packets) clock.setTimeout(send, (k * ptime) / (s.senderRate ?? 1) - clock.now());
  };
  clock.setTimeout(send, 0);
  const totalFrames = Math.ceil((s.packets * ptime) / (s.senderRate ?? 1) / 20) + (s.tailFrames ?? 10);
  let pulls = 0;
  const pull = (): void => {
    const frame = new Int16Array(FRAME_SAMPLES);
    audible.push(buffer.pull(frame));
    out.push(frame);
    s.onPull?.(buffer);
    if (++pulls < totalFrames) clock.setTimeout(pull, 20);
  };
  clock.setTimeout(pull, 10); // the receiver's ticks fall between the sender's
  clock.advance(totalFrames * 20 + 1000);
  return { out, audible, buffer };
}

/** Played frames that carry the ramp, in order, with the silent priming frames at the start removed. */
function playedAudio(out: Int16Array[]): Int16Array[] {
  const first = out.findIndex((f) => f[0] !== 0);
  return out.slice(first);
}

function assertRampFrames(frames: Int16Array[], count: number, label: string): void {
  for (let f = 0; f < count; f++) assert.deepEqual(frames[f], ramp(f * FRAME_SAMPLES, FRAME_SAMPLES), `${label}: frame ${f}`);
}

/**
 * The played frames are the ramp in order, except for frames the adaptation inserted (a stretch) or dropped (a
 * shrink), each accounted for by the buffer's counters.
 */
function assertRampInOrder(frames: Int16Array[], count: number, buffer: JitterBuffer, label: string): void {
  let expected = 0;
  let stretched = 0;
  let skipped = 0;
  for (const frame of frames) {
    if (expected >= count) break;
    if (sameAs(frame, ramp(expected * FRAME_SAMPLES, FRAME_SAMPLES))) expected++;
    else if (sameAs(frame, ramp((expected + 1) * FRAME_SAMPLES, FRAME_SAMPLES))) {
      expected += 2;
      skipped++;
    } else stretched++;
  }
  assert.ok(expected >= count, `${label}: only ${expected} of ${count} frames in order`);
  assert.ok(stretched <= buffer.counters.stretchedFrames, `${label}: ${stretched} frames out of place, ${buffer.counters.stretchedFrames} stretched`);
  assert.ok(skipped <= buffer.counters.shrinkDroppedFrames, `${label}: ${skipped} frames skipped, ${buffer.counters.shrinkDroppedFrames} dropped`);
  assert.ok(stretched + skipped <= 2, `${label}: ${stretched + skipped} adaptations`);
}

function sameAs(a: Int16Array, b: Int16Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe('JitterBuffer: order and loss', () => {
  test('an even stream plays back exactly, after a priming delay of the cushion', () => {
    const { out, buffer } = run({ packets: 100, tailFrames: 0 });
    const frames = playedAudio(out);
    assertRampFrames(frames, 95, 'even'); // the last frames drain the buffer as the stream ends
    assert.equal(out.indexOf(frames[0] as Int16Array), 1, 'playing starts once a packet and the 20 ms cushion are in');
    assert.equal(buffer.counters.concealedFrames, 0);
    assert.equal(buffer.counters.underruns, 0);
  });

  test('reordered packets (each pair swapped) play in order', () => {
    const { out, buffer } = run({ packets: 100, delayMs: (k) => (k % 2 === 0 ? 25 : 0), tailFrames: 0 });
    assertRampInOrder(playedAudio(out), 95, buffer, 'reordered');
    assert.equal(buffer.counters.concealedFrames, 0);
    assert.equal(buffer.counters.late, 0);
  });

  test('duplicates are dropped and counted', () => {
    const { out, buffer } = run({ packets: 50, duplicate: (k) => k % 5 === 0, tailFrames: 0 });
    assertRampFrames(playedAudio(out), 45, 'duplicates');
    assert.equal(buffer.counters.duplicates, 10);
    assert.equal(buffer.reception.received, 60);
  });

  test('a lost packet is concealed by the last frame at -6 dB, a second by silence, and counted lost', () => {
    const { out, audible, buffer } = run({ packets: 60, drop: (k) => k === 20 || k === 40 || k === 41, tailFrames: 0 });
    const frames = playedAudio(out);
    const start = out.indexOf(frames[0] as Int16Array);
    const last = ramp(19 * FRAME_SAMPLES, FRAME_SAMPLES);
    assert.deepEqual(frames[20], last.map((v) => Math.trunc(v * JITTER_CONCEAL_GAIN)));
    assert.deepEqual(frames[21], ramp(21 * FRAME_SAMPLES, FRAME_SAMPLES));
    assert.deepEqual(frames[40], ramp(39 * FRAME_SAMPLES, FRAME_SAMPLES).map((v) => Math.trunc(v * JITTER_CONCEAL_GAIN)));
    assert.deepEqual(frames[41], new Int16Array(FRAME_SAMPLES));
    assert.equal(audible[start + 41], false);
    assert.deepEqual(frames[42], ramp(42 * FRAME_SAMPLES, FRAME_SAMPLES));
    assert.equal(buffer.counters.concealedFrames, 3);
    assert.equal(buffer.reception.cumulativeLost, 3);
  });

  test('a packet later than its playout time is dropped as late and its frame concealed', () => {
    const { out, buffer } = run({ packets: 60, delayMs: (k) => (k === 30 ? 200 : 0), tailFrames: 0 });
    const frames = playedAudio(out);
    assert.equal(buffer.counters.late, 1);
    assert.equal(buffer.counters.concealedFrames, 1);
    assert.deepEqual(frames[31], ramp(31 * FRAME_SAMPLES, FRAME_SAMPLES));
  });
});

describe('JitterBuffer: framing and streams', () => {
  for (const ptimeMs of [10, 30, 40, 60]) {
    test(`ptime ${ptimeMs} ms is repacketised into 20 ms frames`, () => {
      const packets = 2400 / ptimeMs;
      const { out, buffer } = run({ ptimeMs, packets, tailFrames: 0 });
      assertRampInOrder(playedAudio(out), 2400 / 20 - 6, buffer, `ptime ${ptimeMs}`);
      assert.equal(buffer.counters.concealedFrames, 0);
      assert.equal(buffer.counters.underruns, 0);
    });
  }

  test('sequence numbers and timestamps wrap around without a loss or a gap', () => {
    const { out, buffer } = run({ packets: 100, seq0: 65500, ts0: 0xffffffff - 160 * 40 });
    assertRampFrames(playedAudio(out), 95, 'wrap');
    assert.equal(buffer.reception.cumulativeLost, 0);
    assert.equal(buffer.reception.extendedHighestSeq, 65500 + 99 /* one wrap: 65536 + 63 */);
  });

  test('a new SSRC (with its own sequence and timestamps) continues the audio, counted', () => {
    const clock = new ManualClock(0);
    const buffer = new JitterBuffer();
    const frames: Int16Array[] = [];
    for (let k = 0; k < 40; k++) {
      const second = k >= 20;
      buffer.push(second ? 9000 + k : k, second ? 777_000 + (k - 20) * 160 : k * 160, second ? 2 : 1, k === 0 || k === 20, ramp(k * 160, 160), clock.now());
      const frame = new Int16Array(FRAME_SAMPLES);
      if (k >= 2) {
        buffer.pull(frame);
        frames.push(frame);
      }
      clock.advance(20);
    }
    assert.equal(buffer.counters.ssrcChanges, 1);
    assertRampFrames(frames, 38, 'ssrc change');
    assert.equal(buffer.counters.concealedFrames, 0);
  });

  test('the depth is bounded: a burst beyond JITTER_MAX_DEPTH_MS drops the oldest audio, counted', () => {
    const buffer = new JitterBuffer();
    for (let k = 0; k < 50; k++) buffer.push(k, k * 160, 1, k === 0, ramp(k * 160, 160), 0);
    assert.ok(buffer.levelMs <= JITTER_MAX_DEPTH_MS);
    assert.equal(buffer.counters.overflowDroppedFrames, 50 - JITTER_MAX_DEPTH_MS / 20);
    const frame = new Int16Array(FRAME_SAMPLES);
    assert.ok(buffer.pull(frame));
    assert.deepEqual(frame, ramp((50 - JITTER_MAX_DEPTH_MS / 20) * 160, 160), 'the newest audio is kept');
  });

  test('a talkspurt after a silence (marker, timestamp jump) restarts playout at it', () => {
    const buffer = new JitterBuffer();
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let k = 0; k < 10; k++) {
      buffer.push(k, k * 160, 1, k === 0, ramp(k * 160, 160), k * 20);
      buffer.pull(frame);
    }
    for (let k = 0; k < 20; k++) buffer.pull(frame); // the sender is silent (no packets) for 400 ms
    const before = buffer.counters.concealedFrames;
    for (let k = 0; k < 5; k++) {
      buffer.push(10 + k, (30 + k) * 160, 1, k === 0, ramp(5000 + k * 160, 160), 600 + k * 20); // timestamps ran on through the silence
      if (k >= 2) {
        assert.ok(buffer.pull(frame));
        assert.deepEqual(frame, ramp(5000 + (k - 2) * 160, 160));
      }
    }
    assert.equal(buffer.counters.concealedFrames, before);
  });

  test('packets longer than JITTER_MAX_PACKET_MS or empty are refused', () => {
    const buffer = new JitterBuffer();
    assert.equal(buffer.push(0, 0, 1, true, new Int16Array(481), 0), 'refused');
    assert.equal(buffer.push(0, 0, 1, true, new Int16Array(0), 0), 'refused');
    assert.equal(buffer.counters.refused, 2);
  });
});

describe('JitterBuffer: adaptation', () => {
  test('the cushion follows measured jitter up, and plays without underruns once adapted', () => {
    const rand = prng(7);
    let maxTarget = 0;
    let underrunsLate = -1;
    const { buffer } = run({
      packets: 1500,
      delayMs: () => Math.floor(rand() * 60),
      onPull: (b) => {
        maxTarget = Math.max(maxTarget, b.targetCushionMs);
        if (b.levelMs > 0 && underrunsLate < 0 && b.reception.received > 1000) underrunsLate = b.counters.underruns;
      },
    });
    assert.ok(buffer.reception.jitterMs > 10, `jitter ${buffer.reception.jitterMs}`);
    assert.ok(maxTarget > JITTER_MIN_CUSHION_MS, `target ${maxTarget}`);
    assert.ok(buffer.counters.underruns - underrunsLate <= 2, `underruns after adapting: ${buffer.counters.underruns - underrunsLate}`);
  });

  test('steady arrivals keep the minimum cushion', () => {
    const { buffer } = run({ packets: 500 });
    assert.equal(buffer.targetCushionMs, JITTER_MIN_CUSHION_MS);
    assert.ok(buffer.reception.jitterMs < 1);
  });

  for (const [label, rate] of [['fast', 1.001], ['slow', 0.999]] as const) {
    test(`a sender 0.1 % ${label} for 10 minutes: the buffer neither grows nor starves without bound`, () => {
      let maxLevel = 0;
      let minLevelLate = Infinity;
      let pulls = 0;
      const { buffer } = run({
        packets: 30_000,
        senderRate: rate,
        delayMs: (k) => (k * 7919) % 13, // a little jitter
        tailFrames: 0,
        onPull: (b) => {
          pulls++;
          maxLevel = Math.max(maxLevel, b.levelMs);
          if (pulls > 100 && pulls < 29_900) minLevelLate = Math.min(minLevelLate, b.levelMs);
        },
      });
      assert.ok(maxLevel <= 120, `level rose to ${maxLevel} ms`);
      assert.ok(minLevelLate >= 0, `level fell to ${minLevelLate} ms`);
      assert.ok(buffer.counters.underruns <= 1, `underruns ${buffer.counters.underruns}`);
      const corrections = label === 'fast' ? buffer.counters.shrinkDroppedFrames : buffer.counters.stretchedFrames;
      // 0.1 % of 600 s is 600 ms: about 30 frames to drop or insert.
      assert.ok(corrections >= 25 && corrections <= 40, `corrections ${corrections}`);
      assert.equal(buffer.counters.overflowDroppedFrames, 0);
    });
  }
});

describe('JitterBuffer: any input', () => {
  test('random sequences, timestamps, sources and lengths never throw, never exceed the depth, and every packet is counted once', () => {
    const packet = fc.record({
      seq: fc.integer({ min: 0, max: 65535 }),
      ts: fc.integer({ min: 0, max: 0xffffffff }),
      ssrc: fc.constantFrom(1, 2),
      marker: fc.boolean(),
      samples: fc.constantFrom(0, 80, 160, 240, 480, 481),
      pulls: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(fc.property(fc.array(packet, { maxLength: 200 }), (packets) => {
      const buffer = new JitterBuffer();
      const frame = new Int16Array(FRAME_SAMPLES);
      let now = 0;
      for (const p of packets) {
        buffer.push(p.seq, p.ts, p.ssrc, p.marker, ramp(0, p.samples), now);
        for (let i = 0; i < p.pulls; i++) buffer.pull(frame);
        now += 20;
        assert.ok(buffer.levelMs <= JITTER_MAX_DEPTH_MS);
      }
      const c = buffer.counters;
      assert.equal(c.accepted + c.late + c.duplicates + c.refused, packets.length);
    }));
  });
});
