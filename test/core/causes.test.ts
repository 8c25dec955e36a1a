// The causes table: every removal cause has one row, and the code/wording mappings read from it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAUSES, causeToCode, causeToSipStatus, codeToCause, describeCause, describeRefusal, REJECT_PRIORITY, sipStatusToCause } from '../../src/core/causes.js';
import { ErrorCodes } from '../../src/core/errors.js';
import type { RemovalCause } from '../../src/core/types.js';

// A Record over the union makes the compiler insist on every cause being listed here.
const ALL_CAUSES: Record<RemovalCause, true> = {
  dropped: true, hangup: true, 'peer-left': true, replaced: true, 'answered-elsewhere': true, diverted: true,
  cancelled: true, 'no-answer': true, busy: true, rejected: true, unreachable: true, 'not-registered': true,
  unregistered: true, reset: true,
};

describe('causes table', () => {
  it('has exactly one row per removal cause', () => {
    const causes = CAUSES.map((row) => row.cause);
    assert.deepEqual([...causes].sort(), Object.keys(ALL_CAUSES).sort());
    assert.equal(new Set(causes).size, causes.length);
  });

  it('maps destination causes to their codes and back', () => {
    assert.equal(causeToCode('busy'), ErrorCodes.DESTINATION_BUSY);
    assert.equal(causeToCode('unregistered'), ErrorCodes.DESTINATION_NOT_REGISTERED);
    assert.equal(causeToCode(undefined), ErrorCodes.NO_ANSWER);
    assert.equal(causeToCode('hangup'), ErrorCodes.PARTICIPANT_LEFT);
    assert.equal(codeToCause(ErrorCodes.DESTINATION_NOT_REGISTERED), 'not-registered');
    assert.equal(codeToCause(ErrorCodes.NO_ANSWER), 'no-answer');
    assert.equal(codeToCause(ErrorCodes.INVALID_STATE), 'peer-left');
  });

  it('words removals and refusals', () => {
    assert.equal(describeCause('no-answer'), 'did not answer');
    assert.equal(describeCause('cancelled'), 'left (cancelled)');
    assert.equal(describeRefusal('not-registered'), 'has no registered device');
    for (const cause of REJECT_PRIORITY) assert.equal(typeof describeRefusal(cause), 'string');
  });

  it('maps causes to the final SIP status a pending INVITE gets, and phone refusals back to causes', () => {
    assert.equal(causeToSipStatus('busy'), 486);
    assert.equal(causeToSipStatus('rejected'), 603);
    assert.equal(causeToSipStatus('no-answer'), 480);
    assert.equal(causeToSipStatus('hangup'), 487);
    assert.equal(causeToSipStatus('reset'), 503);
    for (const row of CAUSES) assert.ok(row.sipStatus >= 400 && row.sipStatus < 700, `${row.cause} answers a final failure`);
    assert.deepEqual([486, 600, 603, 607, 404, 484, 480, 408, 500].map(sipStatusToCause), ['busy', 'busy', 'rejected', 'rejected', 'unreachable', 'unreachable', 'unreachable', 'unreachable', 'unreachable']);
    for (const row of CAUSES) for (const status of row.fromSip) assert.ok(REJECT_PRIORITY.includes(row.cause as never), `${status} maps to a refusal cause`);
  });
});
