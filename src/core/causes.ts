// The one table of removal causes: which error code each reports, how it reads in a message, and (later) its SIP status.

import type { RejectCause } from './endpoint.js';
import { ErrorCodes, type ErrorCode } from './errors.js';
import type { RemovalCause } from './types.js';

/** One row of the causes table. */
export interface CauseRow {
  readonly cause: RemovalCause;
  /** The error code an operation reports when its destination leaves for this cause. */
  readonly code: ErrorCode;
  /** Completes "the destination …" when a ringing destination leaves for this cause. */
  readonly ended: string;
  /** Completes "DN 100 …" when every device refuses an offer at once for this cause; null if no endpoint refuses so. */
  readonly refused: string | null;
  /** Final SIP response status for this cause; null until the SIP gateway decides it. */
  readonly sipStatus: number | null;
}

/**
 * Every removal cause, once. When several causes report the same code, the first row is the one a code maps back to
 * (so DestinationNotRegistered reads back as 'not-registered', not 'unregistered').
 */
export const CAUSES: readonly CauseRow[] = [
  { cause: 'busy', code: ErrorCodes.DESTINATION_BUSY, ended: 'is busy', refused: 'is busy', sipStatus: null },
  { cause: 'rejected', code: ErrorCodes.DESTINATION_REJECTED, ended: 'rejected the call', refused: 'rejected the call', sipStatus: null },
  { cause: 'unreachable', code: ErrorCodes.DESTINATION_UNREACHABLE, ended: 'is unreachable', refused: 'is unreachable', sipStatus: null },
  { cause: 'not-registered', code: ErrorCodes.DESTINATION_NOT_REGISTERED, ended: 'is not registered', refused: 'has no registered device', sipStatus: null },
  { cause: 'unregistered', code: ErrorCodes.DESTINATION_NOT_REGISTERED, ended: 'is not registered', refused: null, sipStatus: null },
  { cause: 'no-answer', code: ErrorCodes.NO_ANSWER, ended: 'did not answer', refused: null, sipStatus: null },
  { cause: 'peer-left', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (peer-left)', refused: null, sipStatus: null },
  { cause: 'dropped', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (dropped)', refused: null, sipStatus: null },
  { cause: 'hangup', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (hangup)', refused: null, sipStatus: null },
  { cause: 'replaced', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (replaced)', refused: null, sipStatus: null },
  { cause: 'answered-elsewhere', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (answered-elsewhere)', refused: null, sipStatus: null },
  { cause: 'diverted', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (diverted)', refused: null, sipStatus: null },
  { cause: 'cancelled', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (cancelled)', refused: null, sipStatus: null },
  { cause: 'reset', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (reset)', refused: null, sipStatus: null },
];

const BY_CAUSE = new Map<RemovalCause, CauseRow>(CAUSES.map((row) => [row.cause, row]));
const BY_CODE = new Map<ErrorCode, RemovalCause>();
for (const row of CAUSES) if (!BY_CODE.has(row.code)) BY_CODE.set(row.code, row.cause);
// Codes no row reports (InvalidState, DnNotFound, ...) end a waiting party as if its peer had left.
const UNMAPPED_CODE_CAUSE: RemovalCause = 'peer-left';

function row(cause: RemovalCause): CauseRow {
  const found = BY_CAUSE.get(cause);
  if (!found) throw new Error(`cause '${cause}' is missing from the causes table`);
  return found;
}

/** The error code an operation reports when its destination left for `cause`; no cause at all means nobody answered. */
export function causeToCode(cause: RemovalCause | undefined): ErrorCode {
  return cause === undefined ? ErrorCodes.NO_ANSWER : row(cause).code;
}

/** The removal cause a party is ended with when an operation on its behalf failed with `code`. */
export function codeToCause(code: ErrorCode): RemovalCause {
  return BY_CODE.get(code) ?? UNMAPPED_CODE_CAUSE;
}

/** Completes "the destination …" for a destination that left for `cause`. */
export function describeCause(cause: RemovalCause): string {
  return row(cause).ended;
}

/** Orders refusals so that a DN whose devices refuse differently reports the most telling one. */
export const REJECT_PRIORITY: readonly RejectCause[] = ['busy', 'rejected', 'unreachable', 'not-registered'];

/** Completes "DN 100 …" for an offer every device refused at once with `cause`. */
export function describeRefusal(cause: RejectCause): string {
  const wording = row(cause).refused;
  if (wording === null) throw new Error(`cause '${cause}' has no refusal wording`);
  return wording;
}
