// Tolerant request bodies for /callcontrol: JSON whatever the content type, empty allowed, field names in either case.

import type { FastifyInstance } from 'fastify';
import { CoreError, ErrorCodes } from '../core/errors.js';
import { ApiError, ApiErrorCodes } from './errors.js';

/**
 * Replaces the scope's content-type parsers with one that reads any body (application/json with or without
 * charset, text/plain, no content type at all) as JSON: an empty or blank body is `undefined`, invalid JSON is
 * MalformedBody (400). Prototype-poisoning keys are refused like invalid JSON. The instance's bodyLimit applies.
 */
export function useTolerantJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    // A byte-order mark is not JSON, but some Windows tools write one.
    const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      // fastify's message names application/json whatever was sent, so it is not passed on.
      if (error) done(new ApiError(ApiErrorCodes.MALFORMED_BODY, 'the request body is not valid JSON'), undefined);
      else done(null, value);
    });
  });
}

/**
 * The body fields a request uses, picked from what the client sent: exact lower-case names first, then any
 * other casing (socket requests and .NET clients send `Destination`, `Timeout`, ...). `null` counts as absent and
 * every other field is ignored. With no fields to pick, any body (even a non-object) is accepted.
 * Throws InvalidArgument when fields are wanted and the body is not a JSON object.
 */
export function pickFields(body: unknown, fields: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (fields.length === 0 || body === undefined || body === null) return picked;
  if (typeof body !== 'object' || Array.isArray(body)) throw new CoreError(ErrorCodes.INVALID_ARGUMENT, 'the request body must be a JSON object');
  const entries = Object.entries(body);
  for (const field of fields) {
    const exact = entries.find(([key, value]) => key === field && value !== null && value !== undefined);
    const other = exact ?? entries.find(([key, value]) => key.toLowerCase() === field && value !== null && value !== undefined);
    if (other) picked[field] = other[1];
  }
  return picked;
}
