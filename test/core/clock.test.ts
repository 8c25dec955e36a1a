// Tests of the manual clock that every time-dependent test relies on.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';

describe('ManualClock', () => {
  test('fires timers in due order, ties in creation order, only when advanced past them', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@200'), 200);
    clock.setTimeout(() => fired.push('a@100'), 100);
    clock.setTimeout(() => fired.push('c@200'), 200);
    clock.advance(99);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, ['a@100']);
    clock.advance(100);
    assert.deepEqual(fired, ['a@100', 'b@200', 'c@200']);
    assert.equal(clock.now(), 200);
  });

  test('a callback sees the time it was due, and timers it sets inside the window fire in the same advance', () => {
    const clock = new ManualClock(1000);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 50);
    }, 100);
    clock.advance(1000);
    assert.deepEqual(seen, [1100, 1150]);
    assert.equal(clock.now(), 2000);
  });

  test('cleared timers never fire', () => {
    const clock = new ManualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    clock.clearTimeout(undefined);
    clock.advance(100);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers(), 0);
  });

  test('refuses to go backwards', () => {
    assert.throws(() => new ManualClock(0).advance(-1), RangeError);
    assert.throws(() => new ManualClock(0).advance(Number.NaN), RangeError);
  });
});
