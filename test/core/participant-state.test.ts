// Tests of the participant state machine and of which states each action accepts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import { ACTION_STATES, assertActionAllowed, transition, type ParticipantInput } from '../../src/core/participant-state.js';
import { PARTICIPANT_ACTIONS, type ParticipantStatus } from '../../src/core/types.js';

const STATUSES: ParticipantStatus[] = ['Dialing', 'Ringing', 'Connected'];
const INPUTS: ParticipantInput[] = ['answer', 'far-answer', 'origin-picked-up'];

describe('participant state machine', () => {
  const valid: Record<string, ParticipantStatus> = {
    'Ringing answer': 'Connected',
    'Dialing far-answer': 'Connected',
    'Ringing origin-picked-up': 'Dialing',
  };
  for (const from of STATUSES) {
    for (const input of INPUTS) {
      const expected = valid[`${from} ${input}`];
      test(`${from} + ${input} -> ${expected ?? 'InvalidState'}`, () => {
        if (expected) assert.equal(transition(from, input), expected);
        else assert.throws(() => transition(from, input), (error: unknown) => error instanceof CoreError && error.code === 'InvalidState');
      });
    }
  }
});

describe('action acceptance (PROTOCOL.md §4)', () => {
  const expected: Record<string, ParticipantStatus[]> = {
    drop: ['Dialing', 'Ringing', 'Connected'],
    answer: ['Ringing'],
    divert: ['Ringing'],
    routeto: ['Ringing', 'Connected'],
    transferto: ['Connected'],
    attach_participant_data: ['Dialing', 'Ringing', 'Connected'],
    attach_party_data: ['Dialing', 'Ringing', 'Connected'],
  };
  for (const action of PARTICIPANT_ACTIONS) {
    test(`${action} is accepted exactly in ${expected[action]!.join(', ')}`, () => {
      assert.deepEqual([...ACTION_STATES[action]], expected[action]);
      for (const status of STATUSES) {
        if (expected[action]!.includes(status)) assertActionAllowed(action, status, 1);
        else assert.throws(() => assertActionAllowed(action, status, 1), /InvalidState|only possible/);
      }
    });
  }
});
