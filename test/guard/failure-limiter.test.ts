// The shared failure limiter in its lockout mode (the SIP source ban): 20 failures ban a source for banSeconds,
// failures while banned are not counted, the least recently failing source is forgotten, and one host's spellings share a ban.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { sipBanOptions, sipSourceKey } from '../../src/endpoints/sip/sip-server.js';
import { FailureLimiter } from '../../src/guard/failure-limiter.js';

function fail(limiter: FailureLimiter, host: string, times: number): boolean[] {
  return Array.from({ length: times }, () => limiter.recordFailure(sipSourceKey(host), false));
}

const banned = (limiter: FailureLimiter, host: string) => limiter.retryAfterMs(sipSourceKey(host), false) > 0;

describe('FailureLimiter with a lockout (SIP source ban)', () => {
  test('the 20th failure bans the source for banSeconds, and only that failure reports the ban; others are unaffected', () => {
    const clock = new ManualClock(0);
    const limiter = new FailureLimiter(clock, sipBanOptions(600));
    const verdicts = fail(limiter, '127.0.0.2', 20);
    assert.deepEqual(verdicts, [...Array<boolean>(19).fill(false), true]);
    assert.equal(banned(limiter, '127.0.0.2'), true);
    assert.equal(banned(limiter, '127.0.0.4'), false);
    assert.equal(limiter.blockedCount, 1);
    assert.deepEqual(fail(limiter, '127.0.0.2', 30), Array<boolean>(30).fill(false), 'failures while banned neither count nor ban again');
    clock.advance(599_999);
    assert.equal(banned(limiter, '127.0.0.2'), true);
    clock.advance(1);
    assert.equal(banned(limiter, '127.0.0.2'), false, 'lifted after banSeconds');
    assert.equal(limiter.blockedCount, 0);
  });

  test('the ban lasts banSeconds even when that is longer than the counting window', () => {
    const clock = new ManualClock(0);
    const limiter = new FailureLimiter(clock, sipBanOptions(3_600));
    fail(limiter, '127.0.0.2', 20);
    clock.advance(3_599_000);
    assert.equal(banned(limiter, '127.0.0.2'), true);
    clock.advance(1_000);
    assert.equal(banned(limiter, '127.0.0.2'), false);
  });

  test('failures spread over more than the 10-minute window do not ban', () => {
    const clock = new ManualClock(0);
    const limiter = new FailureLimiter(clock, sipBanOptions(600));
    fail(limiter, '127.0.0.2', 19);
    clock.advance(600_000);
    assert.deepEqual(fail(limiter, '127.0.0.2', 19), Array<boolean>(19).fill(false));
    assert.equal(banned(limiter, '127.0.0.2'), false);
  });

  test('IPv4-mapped IPv6 and plain IPv4 spellings of one host share one ban', () => {
    const clock = new ManualClock(0);
    const limiter = new FailureLimiter(clock, sipBanOptions(600));
    fail(limiter, '::ffff:127.0.0.1', 10);
    assert.deepEqual(fail(limiter, '127.0.0.1', 10), [...Array<boolean>(9).fill(false), true]);
    assert.equal(banned(limiter, '::ffff:127.0.0.1'), true);
    assert.equal(banned(limiter, '::FFFF:127.0.0.1'), true);
    assert.equal(banned(limiter, '127.0.0.1'), true);
    assert.equal(limiter.blockedCount, 1);
  });

  test('beyond the bound the least recently failing source is forgotten, not the one whose window opened first', () => {
    const clock = new ManualClock(0);
    const limiter = new FailureLimiter(clock, { ...sipBanOptions(600), maxUnknownEntries: 2 });
    fail(limiter, '10.0.0.1', 19);
    fail(limiter, '10.0.0.2', 1);
    limiter.recordFailure(sipSourceKey('10.0.0.1'), false); // 10.0.0.1 now the most recent: banned by this 20th failure
    fail(limiter, '10.0.0.3', 1); // pushes out 10.0.0.2
    assert.deepEqual(limiter.size, { known: 0, unknown: 2 });
    assert.equal(banned(limiter, '10.0.0.1'), true);
    assert.deepEqual(fail(limiter, '10.0.0.2', 19), Array<boolean>(19).fill(false), '10.0.0.2 was forgotten: its count starts again');
  });
});
