// The one error type of the SIP parser and validator: a code, the status a server answers with, and whether to drop instead.

/** Why a message was refused. */
export type SipErrorCode =
  | 'MALFORMED_START_LINE'
  | 'MALFORMED_HEADER'
  | 'MISSING_HEADER'
  | 'DUPLICATE_HEADER'
  | 'BAD_CONTENT_LENGTH'
  | 'TRUNCATED_BODY'
  | 'TOO_LARGE'
  | 'UNSUPPORTED_VERSION'
  | 'METHOD_MISMATCH'
  | 'UNSUPPORTED_URI_SCHEME';

/**
 * A message the stack refuses. `status` is what a server answers a request with (when it could read enough
 * to answer at all); responses that fail are always dropped.
 */
export class SipParseError extends Error {
  constructor(
    readonly code: SipErrorCode,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SipParseError';
  }

  /** Set when the start line was a request: its method and the headers read, so a server can try to answer (RFC 3261 §8.2). */
  request?: { method: string; headers: import('./headers.js').SipHeaders };
}

export function fail(code: SipErrorCode, message: string, status = 400): never {
  throw new SipParseError(code, message, status);
}
