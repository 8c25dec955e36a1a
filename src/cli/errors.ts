// One clear line for each way a client command can fail: the server out of reach, credentials or admin key refused, a file.

import { CallControlError, ConnectionError, SimError } from '../client/errors.js';
import { FileError } from './files.js';

/** Request validation messages as the server's schema check words them: `body/digits must match pattern "..."`. */
const SCHEMA_MESSAGE = /^(body|params|querystring)\/?([\w/]*) (must .*)$/;

/**
 * A schema message reworded for people: the field by its name, and no regular expressions. The CLI checks what it
 * can before sending; this covers the rest (a server with other limits, a field the CLI passes through).
 */
export function readableValidation(message: string): string {
  return message
    .split(', ')
    .map((part) => {
      const match = SCHEMA_MESSAGE.exec(part);
      if (!match) return part;
      const field = match[2] ? match[2].replace(/\//g, '.') : 'the request';
      const rule = match[3]!.replace(/^must match pattern ".*"$/, 'has characters or a form that is not allowed');
      return `${field} ${rule}`;
    })
    .join('; ');
}

/** The line to print (without the `switchboard: ` prefix) for an error a client command may meet, or undefined. */
export function explainClientError(error: unknown): string | undefined {
  if (error instanceof ConnectionError || error instanceof FileError) return error.message;
  if (error instanceof CallControlError) {
    if (error.request === 'POST /connect/token') {
      if (error.reason === 'invalid_client') return 'the server refused the client credentials (invalid_client)';
      return `the server refused the token request: ${error.status} ${error.reason}${error.reasontext ? `: ${error.reasontext}` : ''}`;
    }
    if (error.status === 401) return `the server refused the access token: ${error.reasontext || error.reason}`;
    return `${error.status} ${error.reason}${error.reasontext ? `: ${readableValidation(error.reasontext)}` : ''}`;
  }
  if (error instanceof SimError) {
    if (error.status === 401) return 'the admin key was refused';
    // fastify's own 404 for a route it does not have: /sim is switched off, or this is not Switchboard.
    if (error.status === 404 && error.error === 'Not Found') return 'the server has no /sim control plane (switched off in its configuration, or not Switchboard)';
    return `${error.status} ${error.error}: ${readableValidation(error.message)}`;
  }
  return undefined;
}
