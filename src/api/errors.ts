// The one table that turns every error code (core and API) into an HTTP status and a 3CX `finalstatus`.

import { CoreError, ErrorCodes, type ErrorCode } from '../core/errors.js';
import { MAX_PATH_PARAM_CHARS, MAX_REQUEST_BODY_BYTES, MAX_STREAM_READERS_PER_PARTICIPANT, MAX_STREAMS_PER_APPLICATION } from '../limits.js';

const BODY_LIMIT_TEXT = `${MAX_REQUEST_BODY_BYTES / 1024} KiB`;

/** Codes the API layer raises itself, beside the core's {@link ErrorCodes}. */
export const ApiErrorCodes = {
  UNAUTHORIZED: 'Unauthorized',
  FORBIDDEN: 'Forbidden',
  MALFORMED_BODY: 'MalformedBody',
  BODY_TOO_LARGE: 'BodyTooLarge',
  UNKNOWN_ACTION: 'UnknownAction',
  ROUTE_NOT_FOUND: 'RouteNotFound',
  NOT_CONNECTED: 'NotConnected',
  STREAM_NOT_ALLOWED: 'StreamNotAllowed',
  TOO_MANY_STREAMS: 'TooManyStreams',
  INTERNAL_ERROR: 'InternalError',
} as const;

export type ApiErrorCode = (typeof ApiErrorCodes)[keyof typeof ApiErrorCodes];

/** Every code a `/callcontrol` response's `reason` can carry besides `None`. */
export type ResultErrorCode = ErrorCode | ApiErrorCode;

/** `finalstatus` values: Success (200/202), Rejected (refused before anything happened), Failed (attempted and failed). */
export type FinalStatus = 'Success' | 'Rejected' | 'Failed';

export interface ErrorMapping {
  status: number;
  finalstatus: Exclude<FinalStatus, 'Success'>;
  /** One line for docs/errors.md (a test checks the document against this table). */
  meaning: string;
  /** The status on the /sim plane where it differs from `status` on purpose (the entry says why); absent: the same. */
  simStatus?: number;
}

function rejected(status: number, meaning: string, plane: { simStatus?: number } = {}): ErrorMapping {
  return { status, finalstatus: 'Rejected', meaning, ...plane };
}

function failed(status: number, meaning: string): ErrorMapping {
  return { status, finalstatus: 'Failed', meaning };
}

/** The error table (DESIGN.md principle 4): docs/errors.md lists exactly these codes with these statuses. */
export const ERROR_TABLE: Readonly<Record<ResultErrorCode, ErrorMapping>> = {
  [ErrorCodes.DN_NOT_FOUND]: rejected(404, 'The DN in the path does not exist.'),
  [ErrorCodes.DEVICE_NOT_FOUND]: rejected(404, 'The DN has no registered device with that id.'),
  [ErrorCodes.PARTICIPANT_NOT_FOUND]: rejected(404, 'The DN has no participant with that id (never existed, left already, belongs to another DN, or the id is not a decimal int32).'),
  // 422 is what 3CX answers on /callcontrol. /sim is Switchboard's own plane and answers 409 Conflict, the HTTP
  // status for "the resource is not in a state that allows this" (a party not Ringing, a real clock), which its
  // clients and docs (docs/testing-your-app.md) have always relied on.
  [ErrorCodes.INVALID_STATE]: rejected(422, "The action is not possible in the participant's current state (for example divert while Connected).", { simStatus: 409 }),
  [ErrorCodes.INVALID_REASON]: rejected(422, 'The reason is not one of the values of the reason table.'),
  [ErrorCodes.INVALID_DESTINATION]: rejected(422, 'The destination is missing, empty, too long, a trunk, the same DN, or neither a DN nor a phone number.'),
  [ErrorCodes.INVALID_ARGUMENT]: rejected(422, 'A body field has the wrong type or is out of range (timeout, attacheddata, ...), or the body is not a JSON object.'),
  [ErrorCodes.NOT_SUPPORTED]: rejected(422, 'The request is understood but this DN or device cannot do it (answer without direct control, makecall from a trunk).'),
  [ErrorCodes.DEVICE_NOT_REGISTERED]: failed(424, 'The originating device (or every device of the DN) is not registered.'),
  [ErrorCodes.DESTINATION_NOT_REGISTERED]: failed(424, 'The destination DN has no registered device.'),
  [ErrorCodes.DESTINATION_BUSY]: failed(424, 'The destination is busy.'),
  [ErrorCodes.DESTINATION_REJECTED]: failed(424, 'The destination declined the call.'),
  [ErrorCodes.DESTINATION_UNREACHABLE]: failed(424, 'The destination cannot be reached (or the PBX is at its call limit).'),
  [ErrorCodes.NO_ANSWER]: failed(424, 'The destination (or the ringing device) did not answer in time.'),
  [ErrorCodes.PARTICIPANT_LEFT]: failed(424, 'The participant left (or the PBX was reset) before the pending action completed.'),
  [ApiErrorCodes.UNAUTHORIZED]: rejected(401, 'The Authorization header is missing or malformed, or the bearer token is invalid, tampered with, expired, revoked or for an unknown application.'),
  [ApiErrorCodes.FORBIDDEN]: rejected(403, "The DN exists but is neither the application's route point nor one of its monitored DNs."),
  [ApiErrorCodes.MALFORMED_BODY]: rejected(400, 'The body is not valid JSON (or its Content-Type header cannot be parsed).'),
  [ApiErrorCodes.BODY_TOO_LARGE]: rejected(413, `The body is larger than the limit (${BODY_LIMIT_TEXT}).`),
  [ApiErrorCodes.UNKNOWN_ACTION]: rejected(404, 'The participant action in the path is not one of drop, answer, divert, routeto, transferto, attach_participant_data, attach_party_data.'),
  [ApiErrorCodes.ROUTE_NOT_FOUND]: rejected(404, `No /callcontrol route matches the method and path, or a path segment is not valid percent-encoding or is longer than ${MAX_PATH_PARAM_CHARS} characters.`),
  [ApiErrorCodes.NOT_CONNECTED]: failed(424, 'The participant is not Connected yet (Ringing or Dialing), so it has no audio stream; retry once its Upsert shows Connected.'),
  [ApiErrorCodes.STREAM_NOT_ALLOWED]: failed(
    424,
    "The participant is on a DN the application monitors, not on its own route point: as on 3CX, its audio does not pass through the application. Set applications[].streamMonitoredDns (a Switchboard extension) to allow it.",
  ),
  [ApiErrorCodes.TOO_MANY_STREAMS]: rejected(
    429,
    `Opening this audio stream would exceed a limit: ${MAX_STREAM_READERS_PER_PARTICIPANT} readers (GET .../stream) per participant, or ${MAX_STREAMS_PER_APPLICATION} open streams (readers and uploads) per application. Close one and retry.`,
  ),
  [ApiErrorCodes.INTERNAL_ERROR]: failed(500, 'A bug in Switchboard; the message is logged. Never caused by client input.'),
};

/** The HTTP status of a core error code on the /sim plane: the table's `simStatus` where the planes differ, else `status`. */
export function simStatusOf(code: ErrorCode): number {
  const mapping = ERROR_TABLE[code];
  return mapping.simStatus ?? mapping.status;
}

/** An error the API layer raises, mapped through {@link ERROR_TABLE} like a {@link CoreError}. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An error resolved to what the response carries. */
export interface ResolvedError {
  status: number;
  finalstatus: Exclude<FinalStatus, 'Success'>;
  code: ResultErrorCode;
  message: string;
}

function resolved(code: ResultErrorCode, message: string): ResolvedError {
  const mapping = ERROR_TABLE[code];
  return { status: mapping.status, finalstatus: mapping.finalstatus, code, message };
}

/** Readable messages for body validation failures, by the body field that failed. */
const FIELD_MESSAGES: Readonly<Record<string, string>> = {
  destination: 'destination must be a string',
  timeout: 'timeout must be a whole number of seconds from 0 to 3600',
  reason: 'reason must be a string',
  attacheddata: 'attacheddata must be an object whose values are strings (numbers and booleans are kept as text)',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
}

function validationMessage(issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  const field = first?.instancePath?.split('/')[1] ?? '';
  return FIELD_MESSAGES[field] ?? `the request body is invalid: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim();
}

/**
 * Maps anything a `/callcontrol` route can throw to a code and status: core and API errors through the table,
 * schema validation failures to InvalidArgument, body parsing failures to MalformedBody or BodyTooLarge, and
 * anything else to InternalError (500).
 */
export function resolveError(error: unknown): ResolvedError {
  if (error instanceof CoreError || error instanceof ApiError) return resolved(error.code, error.message);
  const fastifyError = error as { statusCode?: unknown; code?: unknown; validation?: unknown; message?: unknown };
  if (Array.isArray(fastifyError.validation)) return resolved(ErrorCodes.INVALID_ARGUMENT, validationMessage(fastifyError.validation as ValidationIssue[]));
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status === 413) return resolved(ApiErrorCodes.BODY_TOO_LARGE, `the request body is larger than the limit of ${BODY_LIMIT_TEXT}`);
  if (status >= 400 && status < 500) {
    const detail = typeof fastifyError.message === 'string' ? fastifyError.message : 'unreadable body';
    return resolved(ApiErrorCodes.MALFORMED_BODY, `the request body could not be read: ${detail}`);
  }
  return resolved(ApiErrorCodes.INTERNAL_ERROR, 'internal error; the server log has the details');
}
