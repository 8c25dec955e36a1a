// The HTTP face of Switchboard: builds the fastify application that serves the 3CX Call Control API over pieces built elsewhere.

import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import type { LogLevel, PbxConfig } from '../config/types.js';
import { SystemClock, type Clock } from '../core/clock.js';
import type { Pbx } from '../core/pbx.js';
import {
  CLIENT_ERROR_WARNING_WINDOW_MS,
  CLIENT_ERROR_WARNINGS_PER_WINDOW,
  MAX_PATH_PARAM_CHARS,
  MAX_REQUEST_BODY_BYTES,
  MAX_TOKEN_FAILURE_ENTRIES,
  MAX_WS_MESSAGE_BYTES,
  TOKEN_FAILURE_WINDOW_SECONDS,
  TOKEN_MAX_FAILED_ATTEMPTS,
  WS_MAX_BUFFERED_BYTES,
  WS_PING_INTERVAL_MS,
} from '../limits.js';
import type { MediaEngine } from '../media/engine.js';
import { FailureLimiter } from '../guard/failure-limiter.js';
import { redactTarget } from '../guard/redact.js';
import { WarningLimiter } from '../guard/warning-limiter.js';
import { loadOrCreateSigningKey } from './auth/signing-key.js';
import { TokenService } from './auth/tokens.js';
import type { ApiInstance } from './context.js';
import { ApiError, ApiErrorCodes, resolveError } from './errors.js';
import { Metrics } from './metrics.js';
import type { SipStatus } from './sip-status.js';
import { asyncApiDocument } from './asyncapi.js';
import { finishOpenApiDocument, HEALTH_DOC, OPENAPI_FRAME } from './openapi.js';
import { logCallLifecycle, observeRequests, requestId } from './observe.js';
import { addSecurityHeaders } from './security-headers.js';
import { DEFAULT_STREAM_LIMITS, StreamQuota, type StreamLimits } from './stream-quota.js';
import { validatorCompiler } from './validation.js';
import { errorBody } from './wire.js';
import { callControlRoutes } from './routes/callcontrol.js';
import { registerHome } from './routes/home.js';
import { tokenRoutes } from './routes/token.js';
import { EventHub } from './ws/hub.js';
import { PersistentSequence } from './ws/sequence.js';
import { socketErrorHandler } from './ws/socket-errors.js';
import { Liveness } from './ws/liveness.js';

/** The pieces the HTTP face serves, built by the composition root (src/server.ts). */
export interface AppOptions {
  pbx: Pbx;
  /** Audio of every call (streams, /sim audio); the application stops it before it closes. */
  media: MediaEngine;
  config: PbxConfig;
  clock: Clock;
  /** Folder for state kept across restarts (the token signing key). */
  dataDir: string;
  /** Structured logs (pino): one line per request at info, call lifecycle at debug. Absent: no logs. */
  log?: LogOptions;
  /** Concurrency limits of the audio streams (tests lower them). */
  streamLimits?: StreamLimits;
  /** Planes served beside the Call Control API (the /sim control plane, the web console), in this order. */
  extensions?: AppExtension[];
  /** GET / links the web console (an extension serves /console/). */
  consoleLink?: boolean;
  /** Time for network liveness (event socket pings); real time unless a test drives it. */
  networkClock?: Clock;
  /** The SIP server, when one runs: its counters go to /metrics, its registrations to /sim/sip/registrations. */
  sip?: SipStatus;
  /** The event sequence; `<dataDir>/event-sequence` when absent (tests pass one they drive). */
  sequence?: PersistentSequence;
}

/** What an extension may use of the application it is served by (the console's live feed follows the event hub). */
export interface AppParts {
  hub: EventHub;
}

/**
 * A plane served beside the Call Control API, built by the composition root: registered in a scope of its own (under
 * `prefix` when given) after the Call Control routes, so it sees the application's hooks and the OpenAPI document
 * lists its routes after theirs.
 */
export interface AppExtension {
  prefix?: string;
  register(scope: ApiInstance, parts: AppParts): Promise<void>;
}

export interface LogOptions {
  level: LogLevel;
  /** Where the JSON lines go; standard output when absent. */
  destination?: DestinationStream;
}

/** Builds the application without listening; tests use `app.inject`, the server calls `listen`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { pbx, config, clock } = options;
  const tokens = new TokenService(config, clock, await loadOrCreateSigningKey(options.dataDir));
  const limiter = tokenLimiter(clock, config);
  const shutdown = new AbortController();
  const logger = options.log ? createLogger(options.log) : undefined;
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // One line per request comes from observeRequests, with the request id (X-Request-Id, echoed or made up).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_CHARS },
    // A path segment that is not valid percent-encoding, or longer than MAX_PATH_PARAM_CHARS, names nothing that
    // exists: under /callcontrol that is a result-shaped 404 (fastify would answer 400 or 414).
    frameworkErrors: (error, request, untypedReply) => {
      const reply = untypedReply as FastifyReply;
      if (request.url.startsWith('/callcontrol')) {
        const resolved = resolveError(new ApiError(ApiErrorCodes.ROUTE_NOT_FOUND, `nothing is at ${request.url.split('?')[0] ?? ''}: a path segment is not valid percent-encoding or is too long`));
        return reply.code(resolved.status).send(errorBody(resolved));
      }
      return reply.code(error.statusCode ?? 400).send({ statusCode: error.statusCode ?? 400, code: error.code, error: 'Bad Request', message: error.message });
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  addSecurityHeaders(app);
  // Requests still waiting for an outcome answer 202 at once instead of holding the close.
  app.addHook('preClose', async () => shutdown.abort());

  await app.register(swagger, { openapi: OPENAPI_FRAME, transformObject: finishOpenApiDocument });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const sequence = openSequence(options, app);
  const hub = new EventHub(pbx, { maxBufferedBytes: WS_MAX_BUFFERED_BYTES, sequence });
  // Event frames are written in batches at the end of each event-loop turn; a response of the API first writes out the
  // frames held so far, so the events an action caused reach the client before its answer (docs/events.md). /sim
  // answers are not held to that: they stand for phones and callers, whose events come when they come.
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (!request.url.startsWith('/sim')) hub.flush();
    done(null, payload);
  });
  const streams = new StreamQuota(options.streamLimits ?? DEFAULT_STREAM_LIMITS);
  const metrics = new Metrics({ pbx, hub, streams, sequence, ...(options.sip ? { sip: options.sip } : {}) });
  observeRequests(app, metrics);
  if (options.log?.level === 'debug' || options.log?.level === 'trace') {
    const stopLogging = logCallLifecycle(app.log, pbx);
    app.addHook('onClose', async () => stopLogging());
  }
  const networkClock = options.networkClock ?? new SystemClock();
  const liveness = new Liveness(networkClock, WS_PING_INTERVAL_MS);
  // Replaces the plugin's own pre-close (which closes sockets with no code): clients get 1001, after the Remove
  // frames of the calls the server ended.
  const closeSockets = (done: () => void) => {
    liveness.stop();
    hub.close(1001, 'server shutting down');
    done();
  };
  await app.register(websocket, { options: { maxPayload: MAX_WS_MESSAGE_BYTES }, preClose: closeSockets, errorHandler: socketErrorHandler(clientWarnings(app, networkClock)) });

  // Audio of every call; stopped before the server closes, so open streams end and their connections go idle.
  const media = options.media;
  app.addHook('preClose', async () => media.stop());

  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  await typed.register(tokenRoutes, { tokens, limiter });
  await typed.register(callControlRoutes, { prefix: '/callcontrol', pbx, clock, tokens, shutdown: shutdown.signal, events: { hub, liveness, root: app }, media, streams });
  for (const extension of options.extensions ?? []) {
    await typed.register(async (scope) => extension.register(scope, { hub }), extension.prefix === undefined ? {} : { prefix: extension.prefix });
  }

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const asyncapi = asyncApiDocument();
  app.get('/asyncapi.json', { schema: { hide: true } }, async () => asyncapi);
  registerHealth(app, sequence);
  registerHome(app, { console: options.consoleLink ?? false });
  metrics.register(app);
  return app;
}

/** The token guessing limit: one record per configured client, unknown ids in their own bounded table. */
function tokenLimiter(clock: Clock, config: PbxConfig): FailureLimiter {
  return new FailureLimiter(clock, {
    maxFailures: TOKEN_MAX_FAILED_ATTEMPTS,
    windowMs: TOKEN_FAILURE_WINDOW_SECONDS * 1000,
    maxKnownEntries: Math.max(1, config.applications.length),
    maxUnknownEntries: MAX_TOKEN_FAILURE_ENTRIES,
  });
}

/** Warnings about clients' protocol errors, a few lines a minute per kind whatever they send. */
function clientWarnings(app: FastifyInstance, clock: Clock): WarningLimiter {
  return new WarningLimiter(app.log, clock, { maxLinesPerWindow: CLIENT_ERROR_WARNINGS_PER_WINDOW, windowMs: CLIENT_ERROR_WARNING_WINDOW_MS, maxKinds: 16 });
}

/** The JSON-lines logger; fastify logs a failed request with its `req`, whose URL may carry a token like any other. */
function createLogger(options: LogOptions): FastifyBaseLogger {
  return pino(
    {
      level: options.level,
      base: { service: 'switchboard' },
      serializers: { req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url === undefined ? undefined : redactTarget(req.url) }) },
    },
    options.destination ?? pino.destination(1),
  );
}

/** The event sequence, whose failed mark writes are logged as structured errors. */
function openSequence(options: AppOptions, app: FastifyInstance): PersistentSequence {
  const sequence = options.sequence ?? PersistentSequence.open(options.dataDir);
  sequence.reportErrorsTo((error) => app.log.error({ err: error, component: 'event-sequence', health: sequence.health() }, 'event sequence mark not written: numbering continues below the last written mark'));
  return sequence;
}

/** GET /healthz: liveness stays 200 while degraded (the server still answers); `problems` says what needs an operator. */
function registerHealth(app: FastifyInstance, sequence: PersistentSequence): void {
  app.get('/healthz', { schema: HEALTH_DOC }, async () => {
    const marked = sequence.health();
    if (marked.markWritable) return { status: 'ok' };
    return { status: 'degraded', problems: [`the event sequence mark cannot be written (${marked.lastError ?? 'unknown error'}); ${marked.headroom} numbers left`] };
  });
}
