// Per-request observation: a request id (echoed as X-Request-Id), one log line when the response ends, and the
// request metrics. Hooked on the raw response's `close`, so hijacked replies (audio streams) and socket upgrades
// are counted when they really end.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Pbx } from '../core/pbx.js';
import { redactTarget } from '../guard/redact.js';
import type { Metrics } from './metrics.js';

/** A client's X-Request-Id is kept when it is short and plain (it ends up in logs); otherwise one is made up. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** fastify's genReqId: the client's X-Request-Id when acceptable, else a random UUID. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Route label for requests no route matched (keeps the metric's cardinality bounded whatever clients send). */
const UNMATCHED = 'unmatched';

export function observeRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.header('x-request-id', request.id);
    reply.raw.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = request.routeOptions.url ?? UNMATCHED;
      const statusCode = reply.raw.statusCode;
      metrics.observeRequest(request.method, route, statusCode, seconds);
      request.log.info(
        // The URL as sent may carry a token or key in its query (event socket and /sim clients put them there).
        { method: request.method, url: redactTarget(request.url), route, statusCode, ms: Math.round(seconds * 10_000) / 10, aborted: !reply.raw.writableFinished || undefined },
        'request',
      );
    });
    done();
  });
}

/** Call lifecycle at debug level: one line per core event (no attached data: it may hold customer details). */
export function logCallLifecycle(logger: FastifyBaseLogger, pbx: Pbx): () => void {
  const log = logger.child({ component: 'pbx' });
  return pbx.subscribe((event) => {
    switch (event.type) {
      case 'participant-upserted':
      case 'participant-removed': {
        const p = event.participant;
        const cause = event.type === 'participant-removed' ? event.cause : undefined;
        log.debug({ event: event.type, dn: p.dn, participant: p.id, callId: p.callId, status: p.status, party: p.partyCallerId, cause }, 'call');
        return;
      }
      case 'device-added':
      case 'device-removed':
        log.debug({ event: event.type, dn: event.device.dn, deviceId: event.device.deviceId }, 'device');
        return;
      case 'dtmf':
        log.debug({ event: event.type, dn: event.dn, participant: event.participantId, digits: event.digits }, 'call');
        return;
      case 'participant-link':
        log.debug({ event: event.type, dn: event.dn, participant: event.participantId, held: event.link.held, peer: event.link.peerId }, 'call');
        return;
      case 'playback-finished':
      case 'participant-data':
        log.debug({ event: event.type, dn: event.dn, participant: event.participantId }, 'call');
        return;
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  });
}
