// The simulation control plane (/sim): play every other person in the call, change behaviours, move fake time, reset.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { simStatusOf } from '../api/errors.js';
import { decimalInt32, withDeviceId } from '../api/ids.js';
import type { ApiInstance } from '../api/context.js';
import type { SipStatus } from '../api/sip-status.js';
import type { PbxConfig } from '../config/types.js';
import { ManualClock, type Clock, type TimerHandle } from '../core/clock.js';
import { END_CALLS_SLICE_CALLS } from '../limits.js';
import { CoreError, ErrorCodes } from '../core/errors.js';
import type { ParticipantDetail } from '../core/types.js';
import type { SimulatedPbx } from '../endpoints/directory.js';
import type { MediaEngine } from '../media/engine.js';
import {
  AdvanceBody,
  ClockSchema,
  DeviceParams,
  DevicePatchBody,
  DnParams,
  DtmfBody,
  NumberBody,
  NumberParams,
  NumberResult,
  PartyActionParams,
  PartyActionResult,
  PartyParams,
  PlaceCallBody,
  PlaceCallResult,
  RegisterDeviceBody,
  RoutePointBody,
  SIM_DOC,
  SimDeviceSchema,
  SimErrorSchema,
  SimPartySchema,
  SimRemovalSchema,
  SimStateSchema,
} from './schemas.js';
import { registerSimAudioRoutes } from './audio.js';
import { registerListenRoute } from './console-listen.js';
import { RemovalLog } from './removals.js';
import { registerSipRoutes } from './sip-routes.js';
import { buildState, partyOf } from './state.js';

/** Lets the event loop turn once (I/O and timers run) before the next slice of work. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A /sim refusal that is not a PBX error (unknown route or action). */
class SimRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SimContext {
  sim: SimulatedPbx;
  clock: Clock;
  config: PbxConfig;
  adminKey: string;
  /** Audio of the calls: /sim audio, recordings and media behaviours are served when present. */
  media?: MediaEngine;
  /** The SIP server: GET /sim/sip/registrations lists its registrations (an empty list when SIP is off). */
  sip?: SipStatus;
}

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, SimErrorSchema]));

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

/** A party id of a path: the API's participant id rule (decimal int32), with /sim's wording. */
function parsePartyId(text: string): number {
  const id = decimalInt32(text);
  if (id === undefined) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no party '${text}'`);
  return id;
}

/** Registers /sim under the given (prefixed) instance. Every route needs the admin key. */
export async function registerSimRoutes(app: ApiInstance, context: SimContext): Promise<void> {
  const { sim, clock } = context;
  const { pbx, behaviours } = sim;
  const expected = digest(context.adminKey);
  const pendingDtmf = new Set<TimerHandle>();

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

  const removals = new RemovalLog(pbx, clock);
  app.addHook('onClose', async () => {
    for (const handle of pendingDtmf) clock.clearTimeout(handle);
    pendingDtmf.clear();
    removals.close();
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

  /** A simulated party: a participant of an extension (its phone) or of a trunk (the external person). */
  const requireParty = (text: string): ParticipantDetail => {
    const detail = pbx.participantDetail(parsePartyId(text));
    const kind = detail ? pbx.dnKind(detail.dn) : undefined;
    if (!detail || (kind !== 'extension' && kind !== 'externalline')) throw new CoreError(ErrorCodes.PARTICIPANT_NOT_FOUND, `there is no simulated party ${text}`);
    return detail;
  };
  const partyNow = (id: number) => {
    const detail = pbx.participantDetail(id);
    return detail ? partyOf(pbx, detail) : null;
  };
  const requireExtension = (dn: string) => {
    if (pbx.dnKind(dn) === undefined) throw new CoreError(ErrorCodes.DN_NOT_FOUND, `DN ${dn} does not exist`);
    if (pbx.dnKind(dn) !== 'extension') throw new CoreError(ErrorCodes.NOT_SUPPORTED, `DN ${dn} is not an extension: only extension devices are simulated phones`);
  };
  const knownDevice = (dn: string, deviceId: string) => {
    const { registered, offline } = pbx.deviceRecords(dn);
    const device = [...registered, ...offline].find((d) => d.id === deviceId);
    if (!device) throw new CoreError(ErrorCodes.DEVICE_NOT_FOUND, `DN ${dn} has no device '${deviceId}'`);
    return { ...device, registered: registered.includes(device) };
  };
  const deviceResult = (dn: string, deviceId: string) => {
    const device = knownDevice(dn, deviceId);
    return { deviceId: device.id, userAgent: device.userAgent, directControl: device.directControl, registered: device.registered, behaviour: behaviours.device(dn, device.id) };
  };

  app.get('/state', { schema: { ...SIM_DOC, operationId: 'simGetState', summary: 'Everything: DNs, devices with behaviours, calls, simulated parties, clock', response: { 200: SimStateSchema, ...errors(401) } } }, async () =>
    buildState(pbx, behaviours, clock),
  );

  app.get(
    '/removals',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simListRemovals',
        summary: 'Participants that left recently, with why (busy, no-answer, hangup, ...), oldest first',
        description: 'The Remove frame of the event socket carries no cause; this list does. Bounded: the most recent removals only.',
        response: { 200: Type.Array(SimRemovalSchema), ...errors(401) },
      },
    },
    async () => removals.list(),
  );

  app.post(
    '/calls',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simPlaceCall',
        summary: 'Place a call: an external number calls in, or an extension’s phone dials out',
        body: PlaceCallBody,
        response: { 201: PlaceCallResult, ...errors(400, 401, 404, 409, 422, 424) },
      },
    },
    async (request, reply) => {
      const { from, to, callerName, did, device } = request.body;
      let origin;
      if (pbx.hasDn(from)) {
        requireExtension(from);
        const deviceId = device ?? pbx.listDevices(from)[0]?.deviceId;
        if (deviceId === undefined) throw new CoreError(ErrorCodes.DEVICE_NOT_REGISTERED, `extension ${from} has no registered phone to dial from`);
        origin = withDeviceId(deviceId, (id) => pbx.dialFromDevice(from, id, did ?? to));
      } else {
        origin = pbx.placeInboundCall({ from, to: did ?? to, callerName });
      }
      reply.code(201);
      return { callId: origin.callId, partyId: origin.id, party: partyOf(pbx, pbx.participantDetail(origin.id)!) };
    },
  );

  app.get('/parties', { schema: { ...SIM_DOC, operationId: 'simListParties', summary: 'Every simulated party (phones and external people on calls)', response: { 200: Type.Array(SimPartySchema), ...errors(401) } } }, async () =>
    buildState(pbx, behaviours, clock).parties,
  );

  app.get('/parties/:id', { schema: { ...SIM_DOC, operationId: 'simGetParty', summary: 'One simulated party', params: PartyParams, response: { 200: SimPartySchema, ...errors(401, 404) } } }, async (request) =>
    partyOf(pbx, requireParty(request.params.id)),
  );

  app.post(
    '/parties/:id/dtmf',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simSendDtmf',
        summary: 'The party presses keys: each digit reaches the participant it talks to as a DTMF event',
        params: PartyParams,
        body: DtmfBody,
        response: { 200: PartyActionResult, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const party = requireParty(request.params.id);
      const { digits, intervalMs = 0 } = request.body;
      if (intervalMs === 0) {
        pbx.sendDtmf(party.id, digits);
      } else {
        pbx.sendDtmf(party.id, digits[0]!); // the first key now: refuses at once if the party cannot press keys
        let index = 1;
        const next = () => {
          if (index >= digits.length) return;
          const handle = clock.setTimeout(() => {
            pendingDtmf.delete(handle);
            try {
              pbx.sendDtmf(party.id, digits[index++]!);
              next();
            } catch (error) {
              if (!(error instanceof CoreError)) throw error; // the party left or the call changed: stop typing
            }
          }, intervalMs);
          pendingDtmf.add(handle);
        };
        next();
      }
      return { party: partyNow(party.id) };
    },
  );

  app.post(
    '/parties/:id/:action',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simPartyAction',
        summary: 'The party answers, rejects, is busy, or hangs up',
        description: 'answer, reject and busy need a Ringing party (409 otherwise); hangup works in any state.',
        params: PartyActionParams,
        response: { 200: PartyActionResult, ...errors(401, 404, 409) },
      },
    },
    async (request) => {
      const { id, action } = request.params;
      const party = requireParty(id);
      switch (action) {
        case 'answer':
          pbx.endpointAnswer(party.id);
          break;
        case 'reject':
          pbx.endpointReject(party.id, 'rejected');
          break;
        case 'busy':
          pbx.endpointReject(party.id, 'busy');
          break;
        case 'hangup':
          pbx.endpointHangup(party.id);
          break;
        default:
          throw new SimRequestError(404, 'UnknownAction', `unknown party action '${action}': use answer, reject, busy, hangup or dtmf`);
      }
      return { party: partyNow(party.id) };
    },
  );

  app.put(
    '/numbers/:number',
    { schema: { ...SIM_DOC, operationId: 'simSetNumber', summary: 'Set what an external number does when called', params: NumberParams, body: NumberBody, response: { 200: NumberResult, ...errors(400, 401) } } },
    async (request) => {
      const { number } = request.params;
      behaviours.setExternal(number, request.body.behaviour, request.body.callerName);
      return { number, behaviour: behaviours.external(number), callerName: behaviours.externalCallerName(number) };
    },
  );

  app.put(
    '/devices/:dn/:deviceid',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simUpdateDevice',
        summary: 'Change a phone’s behaviour or direct control (applies to calls offered from now on)',
        params: DeviceParams,
        body: DevicePatchBody,
        response: { 200: SimDeviceSchema, ...errors(400, 401, 404, 422) },
      },
    },
    async (request) => {
      const { dn } = request.params;
      requireExtension(dn);
      const deviceId = withDeviceId(request.params.deviceid, (id) => knownDevice(dn, id).id);
      if (request.body.directControl !== undefined) pbx.setDirectControl(dn, deviceId, request.body.directControl);
      if (request.body.behaviour !== undefined) behaviours.setDevice(dn, deviceId, request.body.behaviour);
      return deviceResult(dn, deviceId);
    },
  );

  app.post(
    '/devices/:dn',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simRegisterDevice',
        summary: 'Register a phone on an extension (announced as a device Upsert)',
        params: DnParams,
        body: RegisterDeviceBody,
        response: { 201: SimDeviceSchema, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { dn } = request.params;
      requireExtension(dn);
      const { id, userAgent, directControl, behaviour } = request.body;
      pbx.registerDevice(dn, { id, userAgent, directControl });
      if (behaviour !== undefined) behaviours.setDevice(dn, id, behaviour);
      reply.code(201);
      return deviceResult(dn, id);
    },
  );

  app.delete(
    '/devices/:dn/:deviceid',
    {
      schema: { ...SIM_DOC, operationId: 'simUnregisterDevice', summary: 'Unregister a phone (its calls end; announced as a device Remove)', params: DeviceParams, response: { 200: SimDeviceSchema, ...errors(401, 404, 422) } },
    },
    async (request) => {
      const { dn } = request.params;
      requireExtension(dn);
      const device = withDeviceId(request.params.deviceid, (id) => pbx.unregisterDevice(dn, id));
      return deviceResult(dn, device.deviceId);
    },
  );

  app.put(
    '/routepoints/:dn',
    {
      schema: { ...SIM_DOC, operationId: 'simSetRoutePoint', summary: 'Turn a route point’s auto-answer on or off', params: DnParams, body: RoutePointBody, response: { 200: RoutePointBody, ...errors(400, 401, 404, 422) } },
    },
    async (request) => {
      pbx.setAutoAnswer(request.params.dn, request.body.autoAnswer);
      return { autoAnswer: pbx.isAutoAnswer(request.params.dn) };
    },
  );

  registerSipRoutes(app, context.sip);

  app.get('/clock', { schema: { ...SIM_DOC, operationId: 'simGetClock', summary: 'The PBX clock', response: { 200: ClockSchema, ...errors(401) } } }, async () => ({
    now: new Date(clock.now()).toISOString(),
    fake: clock instanceof ManualClock,
  }));

  app.post(
    '/clock/advance',
    {
      schema: {
        ...SIM_DOC,
        operationId: 'simAdvanceClock',
        summary: 'Move fake time forward (server started with --fake-clock): ring, menu and queue timeouts fire on demand',
        body: AdvanceBody,
        response: { 200: ClockSchema, ...errors(400, 401, 409) },
      },
    },
    async (request) => {
      if (!(clock instanceof ManualClock)) {
        throw new CoreError(ErrorCodes.INVALID_STATE, 'the clock is real: time only moves on demand when the server was started with --fake-clock');
      }
      clock.advance(request.body.ms);
      return { now: new Date(clock.now()).toISOString(), fake: true };
    },
  );

  app.post('/reset', { schema: { ...SIM_DOC, operationId: 'simReset', summary: 'End every call and restore the configured devices, behaviours and settings', response: { 200: Type.Object({ ok: Type.Boolean() }), ...errors(401) } } }, async () => {
    for (const handle of pendingDtmf) clock.clearTimeout(handle);
    pendingDtmf.clear();
    await pbx.endAllCallsInSlices(END_CALLS_SLICE_CALLS, nextTurn);
    pbx.reset();
    behaviours.reset();
    return { ok: true };
  });

  if (context.media) registerSimAudioRoutes(app, { ...context, media: context.media });
  if (context.media) registerListenRoute(app, { pbx, media: context.media });
}
