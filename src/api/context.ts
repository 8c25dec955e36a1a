// What the /callcontrol routes share: the PBX, the clock, the token service, and the authenticated application.

import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApplicationConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Pbx } from '../core/pbx.js';
import type { MediaEngine } from '../media/engine.js';
import type { TokenService } from './auth/tokens.js';
import type { StreamQuota } from './stream-quota.js';
import type { EventSocketContext } from './ws/route.js';

/** A fastify instance whose route schemas (TypeBox) type the handlers. */
export type ApiInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface CallControlContext {
  pbx: Pbx;
  clock: Clock;
  tokens: TokenService;
  /** Aborted when the server closes: pending waits answer 202 at once. */
  shutdown: AbortSignal;
  /** The event socket at /callcontrol/ws. */
  events: EventSocketContext;
  /** Audio of the calls: GET and POST .../stream. */
  media: MediaEngine;
  /** Open audio streams, and their concurrency limits. */
  streams: StreamQuota;
}

/** OpenAPI annotations shared by every /callcontrol route. */
export const CALL_CONTROL_DOC = { tags: ['Call Control'], security: [{ bearerAuth: [] }] };

const applications = new WeakMap<FastifyRequest, ApplicationConfig>();

export function setApplication(request: FastifyRequest, app: ApplicationConfig): void {
  applications.set(request, app);
}

/** The application whose token authenticated the request (set by the /callcontrol onRequest hook). */
export function applicationOf(request: FastifyRequest): ApplicationConfig {
  const app = applications.get(request);
  if (!app) throw new Error('applicationOf() called on a request that was not authenticated');
  return app;
}
