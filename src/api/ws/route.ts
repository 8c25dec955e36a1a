// GET /callcontrol/ws: the event socket. Authenticated before the upgrade; events start flowing at once.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { MAX_WS_INFLIGHT_REQUESTS } from '../../limits.js';
import { applicationOf, CALL_CONTROL_DOC, type ApiInstance } from '../context.js';
import { isSocketActionPath } from './action-path.js';
import { EventType } from './frames.js';
import type { Connection, EventHub } from './hub.js';
import type { Liveness } from './liveness.js';
import { parseSocketMessage, type SocketRequest } from './requests.js';

export interface EventSocketContext {
  hub: EventHub;
  liveness: Liveness;
  /** The root instance: socket requests are run through it exactly as the REST request would be. */
  root: FastifyInstance;
}

function bearerToken(request: FastifyRequest): string {
  return /^Bearer[ \t]+(\S+)/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
}

function parseBody(body: string): unknown {
  if (body === '') return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Registers /ws inside the /callcontrol scope, whose onRequest hook has already authenticated the upgrade (401 otherwise). */
export function registerEventSocketRoute(app: ApiInstance, context: EventSocketContext): void {
  const { hub, liveness, root } = context;

  const answer = (connection: Connection, requestId: unknown, path: string, statusCode: number, response: unknown) => {
    hub.sendTo(connection, EventType.RESPONSE, path, { RequestID: requestId, Path: path, StatusCode: statusCode, Response: response });
  };

  const run = async (connection: Connection, request: SocketRequest) => {
    const response = await root.inject({
      method: 'POST',
      url: request.path,
      headers: { authorization: `Bearer ${connection.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(request.data),
    });
    answer(connection, request.requestId, request.path, response.statusCode, parseBody(response.body));
  };

  app.get(
    '/ws',
    {
      websocket: true,
      schema: {
        ...CALL_CONTROL_DOC,
        operationId: 'openEventSocket',
        summary: 'The event socket (WebSocket upgrade)',
        description:
          'Frames {"sequence":N,"event":{"event_type":T,"entity":P,"attached_data":X}}: 0 Upsert, 1 Remove, 2 DTMFstring, 3 PromptPlaybackFinished, 4 Response. ' +
          'Send {"RequestID","Path","RequestData"} to run the POST at Path; the answer is a type 4 event.',
      },
    },
    (socket: WebSocket, request) => {
      const connection = hub.add(applicationOf(request), socket, bearerToken(request));
      let inflight = 0;
      liveness.track(socket);
      socket.on('message', (data, isBinary) => {
        if (isBinary || connection.closed) return;
        const parsed = parseSocketMessage(data.toString());
        if (parsed.kind === 'ignore') return;
        if (parsed.kind === 'invalid') {
          answer(connection, parsed.requestId, parsed.path, 400, { error: 'MalformedRequest', message: parsed.message });
          return;
        }
        // The dispatch below goes through a URL parser that resolves dot segments: only the exact shapes may pass.
        if (!isSocketActionPath(parsed.request.path)) {
          const message = `Path '${parsed.request.path.slice(0, 200)}' is not a makecall or participant action path under /callcontrol`;
          answer(connection, parsed.request.requestId, parsed.request.path, 400, { error: 'MalformedRequest', message });
          return;
        }
        if (inflight >= MAX_WS_INFLIGHT_REQUESTS) {
          answer(connection, parsed.request.requestId, parsed.request.path, 429, { error: 'TooManyRequests', message: `at most ${MAX_WS_INFLIGHT_REQUESTS} socket requests may be pending at once` });
          return;
        }
        inflight++;
        run(connection, parsed.request)
          .catch((error: unknown) => {
            request.log.error({ err: error }, 'socket request failed');
            answer(connection, parsed.request.requestId, parsed.request.path, 500, { error: 'InternalError', message: 'internal error' });
          })
          .finally(() => inflight--);
      });
      socket.on('close', () => {
        hub.remove(connection);
        liveness.untrack(socket);
      });
      socket.on('error', () => socket.terminate());
    },
  );
}
