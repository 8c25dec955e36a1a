// OAuth2 error responses of /connect/token ({"error", "error_description"}), with their statuses in one table.

import { MAX_REQUEST_BODY_BYTES } from '../limits.js';
import type { OAuthErrorBody } from './schemas.js';

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'slow_down' | 'server_error';

/** The OAuth error codes /connect/token answers with; docs/errors.md lists the same (a test checks). */
export const OAUTH_ERROR_TABLE: Readonly<Record<OAuthErrorCode, { statuses: readonly number[]; meaning: string }>> = {
  invalid_request: { statuses: [400, 413], meaning: 'A field is missing, repeated or not text, a file was uploaded, the Basic header is malformed, the body cannot be read (400), or it is too large (413).' },
  invalid_client: { statuses: [401], meaning: 'Unknown client_id or wrong client_secret. With HTTP Basic, the response carries WWW-Authenticate: Basic.' },
  unsupported_grant_type: { statuses: [400], meaning: 'grant_type is not client_credentials.' },
  slow_down: { statuses: [429], meaning: 'Too many failed attempts for this client_id within the window; Retry-After says how many seconds to wait. Other client ids are unaffected.' },
  server_error: { statuses: [500], meaning: 'A bug in Switchboard; the message is logged.' },
};

const STATUS: Readonly<Record<OAuthErrorCode, number>> = { invalid_request: 400, invalid_client: 401, unsupported_grant_type: 400, slow_down: 429, server_error: 500 };

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly status: number = STATUS[error],
  ) {
    super(description);
  }
}

export interface ResolvedOAuthError {
  status: number;
  body: OAuthErrorBody;
  headers: Readonly<Record<string, string>>;
}

/** Maps anything the token route can throw to an OAuth error response. */
export function resolveOAuthError(error: unknown): ResolvedOAuthError {
  if (error instanceof OAuthError) return { status: error.status, body: { error: error.error, error_description: error.description }, headers: error.headers };
  const status = (error as { statusCode?: unknown }).statusCode;
  if (status === 413) {
    return { status: 413, body: { error: 'invalid_request', error_description: `the request is larger than the limit of ${MAX_REQUEST_BODY_BYTES / 1024} KiB (or has too many fields)` }, headers: {} };
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = error instanceof Error ? error.message : 'unreadable request';
    return { status: 400, body: { error: 'invalid_request', error_description: `the request could not be read: ${message}` }, headers: {} };
  }
  return { status: 500, body: { error: 'server_error', error_description: 'internal error; the server log has the details' }, headers: {} };
}
