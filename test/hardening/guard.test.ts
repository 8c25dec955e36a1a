// The transport-neutral guards on a manual clock: connection deadlines, per-source counts, rate-limited warnings.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ConnectionDeadlines, type DeadlineReason } from '../../src/guard/deadlines.js';
import { canonicalSource, SourceLimiter } from '../../src/guard/source-limiter.js';
import { WarningLimiter } from '../../src/guard/warning-limiter.js';

const LIMITS = { headMs: 10_000, bodyIdleMs: 10_000, idleMs: 30_000, checkIntervalMs: 1000 };

function connection() {
  const state = { bytes: 0, expired: undefined as DeadlineReason | undefined };
  return { state, watched: { bytesRead: () => state.bytes, expire: (reason: DeadlineReason) => (state.expired = reason) } };
}

describe('ConnectionDeadlines', () => {
  test('a head trickling in byte by byte meets the total head deadline', () => {
    const clock = new ManualClock();
    const deadlines = new ConnectionDeadlines(clock, LIMITS);
    const { state, watched } = connection();
    deadlines.watch(watched);
    for (let t = 0; t < 9; t++) {
      state.bytes += 10;
      clock.advance(1000);
    }
    assert.equal(state.expired, undefined);
    clock.advance(1000);
    assert.equal(state.expired, 'head');
    assert.equal(deadlines.size, 0);
    assert.equal(deadlines.expired.head, 1);
  });

  test('a body is cut only after bodyIdleMs of silence; a complete body and a busy server are never cut', () => {
    const clock = new ManualClock();
    const deadlines = new ConnectionDeadlines(clock, LIMITS);
    const { state, watched } = connection();
    const deadline = deadlines.watch(watched);
    let complete = false;
    deadline.headComplete(() => complete);
    for (let t = 0; t < 60; t++) {
      state.bytes += 1;
      clock.advance(1000);
    }
    assert.equal(state.expired, undefined, 'a body that keeps coming runs on');
    complete = true;
    clock.advance(120_000);
    assert.equal(state.expired, undefined, 'waiting on the server is not the client’s fault');
    deadline.answered();
    clock.advance(LIMITS.idleMs);
    assert.equal(state.expired, 'idle');
  });

  test('a stalled body meets the body deadline; a released connection meets none', () => {
    const clock = new ManualClock();
    const deadlines = new ConnectionDeadlines(clock, LIMITS);
    const stalled = connection();
    deadlines.watch(stalled.watched).headComplete(() => false);
    const upgraded = connection();
    deadlines.watch(upgraded.watched).release();
    clock.advance(LIMITS.bodyIdleMs + LIMITS.checkIntervalMs);
    assert.equal(stalled.state.expired, 'body');
    assert.equal(upgraded.state.expired, undefined);
    assert.equal(clock.pendingTimers(), 0, 'no timer runs with nothing watched');
  });

  test('bytes on an idle connection start a new head deadline', () => {
    const clock = new ManualClock();
    const deadlines = new ConnectionDeadlines(clock, LIMITS);
    const { state, watched } = connection();
    const deadline = deadlines.watch(watched);
    deadline.headComplete(() => true);
    deadline.answered();
    clock.advance(20_000);
    state.bytes += 5;
    clock.advance(LIMITS.headMs - LIMITS.checkIntervalMs);
    assert.equal(state.expired, undefined);
    clock.advance(2 * LIMITS.checkIntervalMs);
    assert.equal(state.expired, 'head');
  });
});

test('SourceLimiter counts per canonical source and forgets a source with no connection', () => {
  const limiter = new SourceLimiter(2);
  assert.equal(canonicalSource('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalSource('::1'), '::1');
  assert.equal(canonicalSource(undefined), 'unknown');
  assert.ok(limiter.acquire('127.0.0.1') && limiter.acquire(canonicalSource('::ffff:127.0.0.1')));
  assert.equal(limiter.acquire('127.0.0.1'), false);
  assert.equal(limiter.acquire('::1'), true, 'another source is unaffected');
  limiter.release('127.0.0.1');
  assert.equal(limiter.acquire('127.0.0.1'), true);
  assert.equal(limiter.refused, 1);
});

test('WarningLimiter writes a few lines per window and reports how many it left out', () => {
  const clock = new ManualClock();
  const written: Record<string, unknown>[] = [];
  const limiter = new WarningLimiter({ warn: (fields) => written.push(fields) }, clock, { maxLinesPerWindow: 2, windowMs: 60_000, maxKinds: 4 });
  for (let i = 0; i < 5; i++) limiter.warn('bad-frame', { i }, 'bad frame');
  limiter.warn('other', {}, 'other kind');
  assert.deepEqual(written.map((f) => [f['kind'], f['i']]), [['bad-frame', 0], ['bad-frame', 1], ['other', undefined]]);
  clock.advance(60_000);
  limiter.warn('bad-frame', { i: 5 }, 'bad frame');
  assert.deepEqual(written.at(-1), { kind: 'bad-frame', i: 5, suppressed: 3 });
});
