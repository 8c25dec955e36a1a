// The one table of removal causes: which error code each reports, how it reads in a message, and its SIP statuses both ways.

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
  /** The final SIP response the PBX answers a phone's pending INVITE with when its leg ends for this cause. */
  readonly sipStatus: number;
  /** Final SIP statuses from a phone that refuse a call with this cause (statuses no row lists read as 'unreachable'). */
  readonly fromSip: readonly number[];
}

/**
 * Every removal cause, once. When several causes report the same code, the first row is the one a code maps back to
 * (so DestinationNotRegistered reads back as 'not-registered', not 'unregistered').
 */
export const CAUSES: readonly CauseRow[] = [
  { cause: 'busy', code: ErrorCodes.DESTINATION_BUSY, ended: 'is busy', refused: 'is busy', sipStatus: 486, fromSip: [486, 600] },
  { cause: 'rejected', code: ErrorCodes.DESTINATION_REJECTED, ended: 'rejected the call', refused: 'rejected the call', sipStatus: 603, fromSip: [603, 607] },
  { cause: 'unreachable', code: ErrorCodes.DESTINATION_UNREACHABLE, ended: 'is unreachable', refused: 'is unreachable', sipStatus: 480, fromSip: [] },
  { cause: 'not-registered', code: ErrorCodes.DESTINATION_NOT_REGISTERED, ended: 'is not registered', refused: 'has no registered device', sipStatus: 480, fromSip: [] },
  { cause: 'unregistered', code: ErrorCodes.DESTINATION_NOT_REGISTERED, ended: 'is not registered', refused: null, sipStatus: 480, fromSip: [] },
  { cause: 'no-answer', code: ErrorCodes.NO_ANSWER, ended: 'did not answer', refused: null, sipStatus: 480, fromSip: [] },
  { cause: 'peer-left', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (peer-left)', refused: null, sipStatus: 487, fromSip: [] },
  { cause: 'dropped', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (dropped)', refused: null, sipStatus: 487, fromSip: [] },
  { cause: 'hangup', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (hangup)', refused: null, sipStatus: 487, fromSip: [] },
  { cause: 'replaced', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (replaced)', refused: null, sipStatus: 487, fromSip: [] },
  { cause: 'answered-elsewhere', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (answered-elsewhere)', refused: null, sipStatus: 487, fromSip: [] },
  { cause: 'diverted', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (diverted)', refused: null, sipStatus: 487, fromSip: [] },
  { cause: 'cancelled', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (cancelled)', refused: null, sipStatus: 487, fromSip: [] },
  { cause: 'reset', code: ErrorCodes.PARTICIPANT_LEFT, ended: 'left (reset)', refused: null, sipStatus: 503, fromSip: [] },
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

/** The final status answering a phone's INVITE whose leg ended for `cause`. */
export function causeToSipStatus(cause: RemovalCause): number {
  return row(cause).sipStatus;
}

const REFUSAL_STATUSES = new Map<number, RejectCause>();
for (const r of CAUSES) for (const status of r.fromSip) REFUSAL_STATUSES.set(status, r.cause as RejectCause);

/**
 * Why a phone's final 3xx-6xx refuses a call: 486/600 busy, 603/607 rejected, any other status (404, 480, 484,
 * 408 and the rest) unreachable, since a refused call cannot say more than that through the Call Control API.
 */
export function sipStatusToCause(status: number): RejectCause {
  return REFUSAL_STATUSES.get(status) ?? 'unreachable';
}

/** Orders refusals so that a DN whose devices refuse differently reports the most telling one. */
export const REJECT_PRIORITY: readonly RejectCause[] = ['busy', 'rejected', 'unreachable', 'not-registered'];

/** Completes "DN 100 …" for an offer every device refused at once with `cause`. */
export function describeRefusal(cause: RejectCause): string {
  const wording = row(cause).refused;
  if (wording === null) throw new Error(`cause '${cause}' has no refusal wording`);
  return wording;
}
