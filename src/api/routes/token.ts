// POST /connect/token: OAuth2 client credentials (form, multipart or HTTP Basic) for an HS256 bearer token.

import formbody from '@fastify/formbody';
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_CLIENT_ID_CHARS, MAX_TOKEN_FIELD_BYTES, MAX_TOKEN_FORM_FIELDS } from '../../limits.js';
import type { FailureLimiter } from '../../guard/failure-limiter.js';
import type { TokenService } from '../auth/tokens.js';
import type { ApiInstance } from '../context.js';
import { OAuthError, resolveOAuthError } from '../oauth-errors.js';
import { OAuthErrorSchema, TokenRequestBody, TokenResponse, type TokenRequestBodyType, type TokenResponseType } from '../schemas.js';

/** What live 3CX servers put in expires_in whatever the token's real lifetime (PROTOCOL.md §2); clients read exp. */
const REPORTED_EXPIRES_IN_SECONDS = 60;
const BASIC = /^Basic[ \t]+([A-Za-z0-9+/=_-]*)[ \t]*$/i;
const FIELDS = ['grant_type', 'client_id', 'client_secret'] as const;

export interface TokenRouteOptions {
  tokens: TokenService;
  limiter: FailureLimiter;
}

/** One form field as text: urlencoded values are strings, multipart fields are `{ value }` objects. */
function fieldText(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) throw new OAuthError('invalid_request', `${name} must not be given more than once`);
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'value' in value) return fieldText(name, (value as { value: unknown }).value);
  throw new OAuthError('invalid_request', `${name} must be text`);
}

/** The known fields of any accepted body (urlencoded, multipart, or JSON), as strings; others ignored. */
function normalizeBody(body: unknown): TokenRequestBodyType {
  const normalized: TokenRequestBodyType = {};
  if (body === undefined || body === null || typeof body !== 'object') return normalized;
  for (const field of FIELDS) {
    const text = fieldText(field, (body as Record<string, unknown>)[field]);
    if (text !== undefined) normalized[field] = text;
  }
  return normalized;
}

/** form-urlencoded decoding of a Basic credential part (RFC 6749 §2.3.1); undefined when it is not valid encoding. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

interface Credentials {
  /** Candidates for the id and secret: RFC 6749 wants them form-encoded inside Basic, most clients send them raw. */
  clientIds: string[];
  secrets: string[];
  basic: boolean;
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}

function credentials(body: TokenRequestBodyType, header: string | undefined): Credentials {
  const match = header === undefined ? null : BASIC.exec(header);
  if (!match) return { clientIds: unique([body.client_id]), secrets: unique([body.client_secret]), basic: false };
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_request', 'the Basic credentials must be base64 of client_id:client_secret');
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (body.client_secret !== undefined) throw new OAuthError('invalid_request', 'authenticate either with HTTP Basic or with client_secret in the body, not both');
  const clientIds = unique([id, formDecode(id)]);
  if (body.client_id !== undefined && !clientIds.includes(body.client_id)) throw new OAuthError('invalid_request', 'client_id in the body differs from the one in the Basic credentials');
  return { clientIds, secrets: unique([secret, formDecode(secret)]), basic: true };
}

async function rejectFile(this: FastifyRequest, part: MultipartFile): Promise<void> {
  part.file.resume(); // drain it so the request can finish
  throw new OAuthError('invalid_request', `file parts are not accepted (field '${part.fieldname}'): send form fields only`);
}

export async function tokenRoutes(app: ApiInstance, { tokens, limiter }: TokenRouteOptions): Promise<void> {
  await app.register(formbody);
  await app.register(multipart, {
    attachFieldsToBody: true,
    onFile: rejectFile,
    limits: { fields: MAX_TOKEN_FORM_FIELDS, parts: MAX_TOKEN_FORM_FIELDS, fieldSize: MAX_TOKEN_FIELD_BYTES, fieldNameSize: 100 },
  });
  app.setErrorHandler((error, request, reply: FastifyReply) => {
    const resolved = resolveOAuthError(error);
    if (resolved.status >= 500) request.log.error({ err: error }, 'token request failed');
    for (const [name, value] of Object.entries(resolved.headers)) reply.header(name, value);
    return reply.code(resolved.status).send(resolved.body);
  });

  app.post(
    '/connect/token',
    {
      preValidation: async (request) => {
        request.body = normalizeBody(request.body);
      },
      schema: {
        tags: ['Authentication'],
        operationId: 'requestToken',
        summary: 'Get an access token (OAuth2 client credentials)',
        // The token request is how a client authenticates: no bearer scheme applies to it.
        security: [],
        description:
          'client_id and client_secret as form fields (urlencoded or multipart) or in an HTTP Basic Authorization header; grant_type=client_credentials. ' +
          'expires_in is always 60 as on live 3CX servers; the JWT exp claim carries the real lifetime. ' +
          'Five failures for one client_id within 60 s block that client_id (429 with Retry-After) until the window ends.',
        consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
        body: TokenRequestBody,
        response: { 200: TokenResponse, 400: OAuthErrorSchema, 401: OAuthErrorSchema, 413: OAuthErrorSchema, 429: OAuthErrorSchema, 500: OAuthErrorSchema },
      },
    },
    async (request, reply): Promise<TokenResponseType> => {
      const given = credentials(request.body, request.headers.authorization);
      const grantType = request.body.grant_type;
      if (grantType === undefined || grantType === '') throw new OAuthError('invalid_request', 'grant_type is required (client_credentials)');
      if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', `grant_type must be client_credentials, got '${grantType}'`);
      const [clientId] = given.clientIds;
      if (clientId === undefined || clientId === '') throw new OAuthError('invalid_request', 'client_id is required');
      if (given.secrets.length === 0 || given.secrets[0] === '') throw new OAuthError('invalid_request', 'client_secret is required');
      const challenge: Record<string, string> = given.basic ? { 'WWW-Authenticate': 'Basic realm="Switchboard"' } : {};
      // An id this long is never configured: refuse it without remembering it, so it cannot fill the failure records.
      if (clientId.length > MAX_CLIENT_ID_CHARS) throw new OAuthError('invalid_client', 'unknown client or wrong secret', challenge);

      // One window per principal: every spelling that names a configured client (raw or form-decoded) counts
      // against that client; unknown ids are counted apart (decoded), so they can never push a real client out.
      const configured = given.clientIds.map((id) => tokens.application(id)).find((app) => app !== undefined);
      const key = configured?.clientId ?? given.clientIds.at(-1) ?? clientId;
      const known = configured !== undefined;
      const retryAfterMs = limiter.retryAfterMs(key, known);
      if (retryAfterMs > 0) {
        const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
        throw new OAuthError('slow_down', `too many failed attempts for client '${clientId}': try again in ${seconds} s`, { 'Retry-After': String(seconds) });
      }
      const application = given.clientIds.flatMap((id) => given.secrets.map((secret) => tokens.authenticate(id, secret))).find((app) => app !== undefined);
      if (!application) {
        limiter.recordFailure(key, known);
        throw new OAuthError('invalid_client', 'unknown client or wrong secret', challenge);
      }
      limiter.reset(key, known);
      const accessToken = await tokens.issue(application);
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
      return { token_type: 'Bearer', expires_in: REPORTED_EXPIRES_IN_SECONDS, access_token: accessToken, refresh_token: null };
    },
  );
}
