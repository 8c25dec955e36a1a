// The one error type of the PBX: every failure a command can raise carries a stable code from this table.

/**
 * Stable error codes. The API maps each to an HTTP status and a 3CX result body in one table
 * (src/api/errors.ts); docs/errors.md documents every code, and a test keeps the three in step.
 */
export const ErrorCodes = {
  DN_NOT_FOUND: 'DnNotFound',
  DEVICE_NOT_FOUND: 'DeviceNotFound',
  PARTICIPANT_NOT_FOUND: 'ParticipantNotFound',
  INVALID_STATE: 'InvalidState',
  INVALID_REASON: 'InvalidReason',
  INVALID_DESTINATION: 'InvalidDestination',
  INVALID_ARGUMENT: 'InvalidArgument',
  NOT_SUPPORTED: 'NotSupported',
  DEVICE_NOT_REGISTERED: 'DeviceNotRegistered',
  DESTINATION_NOT_REGISTERED: 'DestinationNotRegistered',
  DESTINATION_BUSY: 'DestinationBusy',
  DESTINATION_REJECTED: 'DestinationRejected',
  DESTINATION_UNREACHABLE: 'DestinationUnreachable',
  NO_ANSWER: 'NoAnswer',
  PARTICIPANT_LEFT: 'ParticipantLeft',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** A failure the PBX reports to whoever asked: a code for programs and a sentence for people. */
export class CoreError extends Error {
  override readonly name = 'CoreError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isCoreError(value: unknown): value is CoreError {
  return value instanceof CoreError;
}
