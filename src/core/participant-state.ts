// The participant state machine: every status change goes through transition(), every command states what it accepts.

import { CoreError, ErrorCodes } from './errors.js';
import { REASONS, type ParticipantAction, type ParticipantStatus, type Reason } from './types.js';

/**
 * What can happen to a participant.
 * - `answer`: a ringing participant picks up (its device, the application, or an auto-answering endpoint).
 * - `far-answer`: the party a dialing participant is calling answered.
 * - `origin-picked-up`: a device rung first to place a call was picked up and now dials out.
 */
export type ParticipantInput = 'answer' | 'far-answer' | 'origin-picked-up';

/** Returns the status after `input`, or throws InvalidState when the input is not valid in `from`. */
export function transition(from: ParticipantStatus, input: ParticipantInput): ParticipantStatus {
  switch (input) {
    case 'answer':
      if (from === 'Ringing') return 'Connected';
      break;
    case 'far-answer':
      if (from === 'Dialing') return 'Connected';
      break;
    case 'origin-picked-up':
      if (from === 'Ringing') return 'Dialing';
      break;
    default: {
      const unreachable: never = input;
      throw new Error(`unknown participant input ${String(unreachable)}`);
    }
  }
  throw new CoreError(ErrorCodes.INVALID_STATE, `a ${from} participant cannot take '${input}'`);
}

/** The statuses in which each participant action is accepted (PROTOCOL.md §4). */
export const ACTION_STATES: Readonly<Record<ParticipantAction, readonly ParticipantStatus[]>> = {
  drop: ['Dialing', 'Ringing', 'Connected'],
  answer: ['Ringing'],
  divert: ['Ringing'],
  routeto: ['Ringing', 'Connected'],
  transferto: ['Connected'],
  attach_participant_data: ['Dialing', 'Ringing', 'Connected'],
  attach_party_data: ['Dialing', 'Ringing', 'Connected'],
};

const ACTION_RULES: Readonly<Record<ParticipantAction, string>> = {
  drop: 'any participant can be dropped',
  answer: 'answer is only possible while Ringing',
  divert: 'divert is only possible while Ringing',
  routeto: 'routeto is only possible while Ringing or Connected',
  transferto: 'transferto is only possible while Connected',
  attach_participant_data: 'data can be attached in any state',
  attach_party_data: 'data can be attached in any state',
};

/** Throws InvalidState unless `action` is accepted in `status`. */
export function assertActionAllowed(action: ParticipantAction, status: ParticipantStatus, participantId: number): void {
  if (!ACTION_STATES[action].includes(status)) {
    throw new CoreError(ErrorCodes.INVALID_STATE, `participant ${participantId} is ${status}: ${ACTION_RULES[action]}`);
  }
}

/** Accepts the reason values of PROTOCOL.md §4, case-insensitively; absent or empty means None. */
export function parseReason(reason: string | undefined): Reason {
  if (reason === undefined || reason === '') return 'None';
  const match = REASONS.find((candidate) => candidate.toLowerCase() === reason.toLowerCase());
  if (!match) throw new CoreError(ErrorCodes.INVALID_REASON, `reason must be one of ${REASONS.join(', ')}; got '${reason}'`);
  return match;
}
