// The /callcontrol scope: bearer authentication, DN scope and path checks, tolerant bodies, result-shaped errors.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApplicationConfig } from '../../config/types.js';
import { assertDnAccess } from '../auth/scope.js';
import { useTolerantJsonParser } from '../body.js';
import { setApplication, type ApiInstance, type CallControlContext } from '../context.js';
import { ApiError, ApiErrorCodes, resolveError } from '../errors.js';
import { parseAction, parseParticipantId } from '../ids.js';
import { errorBody } from '../wire.js';
import { registerDeviceRoutes } from './devices.js';
import { registerDnRoutes } from './dns.js';
import { registerMakeCallRoutes } from './makecall.js';
import { registerParticipantRoutes } from './participants.js';
import { streamRoutes } from './stream.js';
import { registerEventSocketRoute } from '../ws/route.js';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i;
const REALM = 'realm="Switchboard"';

async function authenticate(context: CallControlContext, request: FastifyRequest): Promise<ApplicationConfig> {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') throw new ApiError(ApiErrorCodes.UNAUTHORIZED, 'an Authorization: Bearer <token> header is required; get a token at /connect/token');
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new ApiError(ApiErrorCodes.UNAUTHORIZED, 'the Authorization header must be "Bearer <token>"');
  const application = await context.tokens.verify(match[1]);
  setApplication(request, application);
  return application;
}

/** Path checks, in order, before the body is read: DN exists (404), in scope (403), participant id (404), action (404). */
function checkPath(context: CallControlContext, request: FastifyRequest, app: ApplicationConfig): void {
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  const dn = params['dnnumber'];
  if (dn === undefined) return;
  assertDnAccess(context.pbx, app, dn);
  if (params['id'] !== undefined) parseParticipantId(dn, params['id']);
  if (params['action'] !== undefined) parseAction(params['action']);
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const resolved = resolveError(error);
  if (resolved.status >= 500) request.log.error({ err: error }, 'request failed');
  if (resolved.code === ApiErrorCodes.UNAUTHORIZED) {
    // RFC 6750 §3: say which scheme is expected; flag a token that was presented but refused.
    reply.header('WWW-Authenticate', request.headers.authorization ? `Bearer ${REALM}, error="invalid_token"` : `Bearer ${REALM}`);
  }
  return reply.code(resolved.status).send(errorBody(resolved));
}

/** Registers every /callcontrol route; mount with `prefix: '/callcontrol'`. */
export async function callControlRoutes(app: ApiInstance, context: CallControlContext): Promise<void> {
  useTolerantJsonParser(app);
  app.addHook('onRequest', async (request) => {
    const application = await authenticate(context, request);
    checkPath(context, request, application);
  });
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) => sendError(new ApiError(ApiErrorCodes.ROUTE_NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0] ?? ''}`), request, reply));
  registerDnRoutes(app, context);
  registerDeviceRoutes(app, context);
  registerParticipantRoutes(app, context);
  registerMakeCallRoutes(app, context);
  registerEventSocketRoute(app, context.events);
  await app.register(async (scope) => streamRoutes(scope, context));
}
