// One clear line for each way a client command can fail: the server out of reach, credentials or admin key refused, a file.

import { CallControlError, ConnectionError, SimError } from '../client/errors.js';
import { FileError } from './files.js';

/** The line to print (without the `switchboard: ` prefix) for an error a client command may meet, or undefined. */
export function explainClientError(error: unknown): string | undefined {
  if (error instanceof ConnectionError || error instanceof FileError) return error.message;
  if (error instanceof CallControlError) {
    if (error.request === 'POST /connect/token') {
      if (error.reason === 'invalid_client') return 'the server refused the client credentials (invalid_client)';
      return `the server refused the token request: ${error.status} ${error.reason}${error.reasontext ? `: ${error.reasontext}` : ''}`;
    }
    if (error.status === 401) return `the server refused the access token: ${error.reasontext || error.reason}`;
    return `${error.status} ${error.reason}${error.reasontext ? `: ${error.reasontext}` : ''}`;
  }
  if (error instanceof SimError) {
    if (error.status === 401) return 'the admin key was refused';
    // fastify's own 404 for a route it does not have: /sim is switched off, or this is not Switchboard.
    if (error.status === 404 && error.error === 'Not Found') return 'the server has no /sim control plane (switched off in its configuration, or not Switchboard)';
    return `${error.status} ${error.error}: ${error.message}`;
  }
  return undefined;
}
