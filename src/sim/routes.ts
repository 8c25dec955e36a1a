// The simulation control plane (/sim): play every other person in the call, change behaviours, move fake time, reset.
// This file guards the plane (admin key, errors); each resource's routes live in a file of their own.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { simStatusOf } from '../api/errors.js';
import type { ApiInstance } from '../api/context.js';
import type { SipStatus } from '../api/sip-status.js';
import type { PbxConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import { CoreError } from '../core/errors.js';
import type { SimulatedPbx } from '../endpoints/directory.js';
import type { MediaEngine } from '../media/engine.js';
import { registerSimAudioRoutes } from './audio.js';
import { registerCallRoutes } from './calls-routes.js';
import { registerListenRoute } from './console-listen.js';
import { registerDeviceRoutes } from './devices-routes.js';
import { registerPartyRoutes } from './parties-routes.js';
import { RemovalLog } from './removals.js';
import { errors, SimRequestError, simRouteKit } from './route-kit.js';
import { registerSipRoutes } from './sip-routes.js';
import { registerTimeRoutes } from './time-routes.js';
import { registerResetRoute, registerStateRoutes } from './world-routes.js';

export interface SimContext {
  sim: SimulatedPbx;
  clock: Clock;
  config: PbxConfig;
  adminKey: string;
  /** Audio of the calls: /sim audio, recordings and media behaviours are served when present. */
  media?: MediaEngine;
  /** The SIP server: GET /sim/sip/registrations and /sim/sip/rtp list its registrations and RTP sessions (empty when SIP is off). */
  sip?: SipStatus;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The admin key from `Authorization: Bearer <key>` or `X-Switchboard-Admin-Key`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-switchboard-admin-key'];
  if (typeof header === 'string') return header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** Registers /sim under the given (prefixed) instance. Every route needs the admin key. */
export async function registerSimRoutes(app: ApiInstance, context: SimContext): Promise<void> {
  const { sim, clock } = context;
  const expected = digest(context.adminKey);

  // Any route that reads a body answers 400 for a body its content type cannot parse and 415 for a content type
  // /sim does not read (the error handler below): declared here once for all of them, so the document says so.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((method) => method === 'GET' || method === 'HEAD') || !route.schema?.response) return;
    route.schema.response = { ...errors(400, 415), ...(route.schema.response as object) };
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const key = presentedKey(request);
    if (key === undefined || !timingSafeEqual(digest(key), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="switchboard-sim"').send({ error: 'Unauthorized', message: 'the /sim plane needs the admin key (Authorization: Bearer <admin key>)' });
    }
  });

  const kit = simRouteKit(sim.pbx, sim.behaviours, clock, new RemovalLog(sim.pbx, clock), context.sip);
  app.addHook('onClose', async () => {
    for (const handle of kit.pendingDtmf) clock.clearTimeout(handle);
    kit.pendingDtmf.clear();
    kit.removals.close();
  });

  app.setErrorHandler((error: FastifyError | CoreError | SimRequestError, _request, reply) => {
    if (error instanceof CoreError) return reply.code(simStatusOf(error.code)).send({ error: error.code, message: error.message });
    if (error instanceof SimRequestError) return reply.code(error.status).send({ error: error.code, message: error.message });
    if ('validation' in error && error.validation) return reply.code(400).send({ error: 'InvalidRequest', message: error.message });
    const status = 'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) reply.log.error(error);
    return reply.code(status).send({ error: status === 500 ? 'InternalError' : 'InvalidRequest', message: status === 500 ? 'internal error' : error.message });
  });

  app.setNotFoundHandler((request) => {
    throw new SimRequestError(404, 'RouteNotFound', `no /sim route ${request.method} ${request.url.split('?')[0] ?? ''}`);
  });

  // Registered in this order so the OpenAPI document lists the routes as it always has.
  registerStateRoutes(app, kit);
  registerCallRoutes(app, kit);
  registerPartyRoutes(app, kit);
  registerDeviceRoutes(app, kit);
  registerSipRoutes(app, context.sip);
  registerTimeRoutes(app, kit);
  registerResetRoute(app, kit);
  if (context.media) registerSimAudioRoutes(app, { ...context, media: context.media });
  if (context.media) registerListenRoute(app, { pbx: sim.pbx, media: context.media });
}
