// The AsyncAPI 3 document of the event socket /callcontrol/ws (served at /asyncapi.json): its frames and socket requests.

import { Type, type TSchema } from 'typebox';
import { MAX_WS_INFLIGHT_REQUESTS } from '../limits.js';
import { hoistNamedSchemas, type Json } from './openapi.js';
import { ResultSchema } from './schemas.js';
import { EventType } from './ws/frames.js';

const ENTITY_TEXT = 'The path of the entity: /callcontrol/{dn}/participants/{id}, or /callcontrol/{dn}/devices/{device_id} with the device id percent-encoded; re-GET it as given.';

/** Body of the socket's own refusals (a malformed request, too many pending): the shape of /sim errors. */
const SocketProblem = Type.Object(
  { error: Type.String({ description: 'MalformedRequest or TooManyRequests.' }), message: Type.String() },
  { title: 'SocketProblem', additionalProperties: false },
);

const DtmfData = Type.Object({ dtmf_input: Type.String({ description: 'The digit pressed (one event per digit, in order).', examples: ['5'] }) }, { title: 'DtmfData', additionalProperties: false });

const ResponseData = Type.Object(
  {
    RequestID: Type.Unknown({ description: 'The RequestID of the request, as sent (null when it had none).' }),
    Path: Type.String({ description: 'The Path of the request.' }),
    StatusCode: Type.Integer({ description: 'The HTTP status the POST at Path answered.', examples: [200] }),
    Response: Type.Union([ResultSchema, SocketProblem, Type.Null()], { description: 'The body the POST at Path answered (a result), or the socket’s own refusal.' }),
  },
  { title: 'ResponseData', additionalProperties: false },
);

/** One event frame; keys in the order they are sent. */
function frame(title: string, eventType: number, attachedData: TSchema, description: string): TSchema {
  return Type.Object(
    {
      sequence: Type.Integer({ minimum: 1, description: 'Only increases, across connections and restarts (docs/events.md).' }),
      event: Type.Object(
        { event_type: Type.Literal(eventType), entity: Type.String({ description: ENTITY_TEXT, examples: ['/callcontrol/800/participants/42'] }), attached_data: attachedData },
        { additionalProperties: false },
      ),
    },
    { title, description, additionalProperties: false },
  );
}

const SocketRequest = Type.Object(
  {
    RequestID: Type.Optional(Type.Unknown({ description: 'Any JSON value; returned as is in the Response event.', examples: ['r-1'] })),
    Path: Type.String({ description: 'A makecall or participant action path under /callcontrol.', examples: ['/callcontrol/800/participants/42/drop'] }),
    RequestData: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The POST body (Reason, Destination, Timeout, AttachedData); absent means {}.' })),
  },
  { title: 'SocketRequest', description: 'Runs the POST at Path with the socket’s token. A JSON object with neither RequestID nor Path is ignored.' },
);

const MESSAGES: Record<string, { summary: string; payload: TSchema }> = {
  Upsert: { summary: 'A participant or device was created or changed', payload: frame('UpsertFrame', EventType.UPSERT, Type.Null(), 'event_type 0.') },
  Remove: { summary: 'A participant or device is gone', payload: frame('RemoveFrame', EventType.REMOVE, Type.Null(), 'event_type 1; a GET of the entity now answers 404.') },
  DTMFstring: { summary: 'A participant received a DTMF digit', payload: frame('DtmfFrame', EventType.DTMF_STRING, DtmfData, 'event_type 2.') },
  PromptPlaybackFinished: {
    summary: 'The audio uploaded to a participant’s stream has played',
    payload: frame('PromptPlaybackFinishedFrame', EventType.PROMPT_PLAYBACK_FINISHED, Type.Null(), 'event_type 3.'),
  },
  Response: { summary: 'The answer to a socket request', payload: frame('ResponseFrame', EventType.RESPONSE, ResponseData, 'event_type 4; entity is the Path of the request.') },
  SocketRequest: { summary: 'Run a makecall or participant action', payload: SocketRequest },
};

const EVENTS = ['Upsert', 'Remove', 'DTMFstring', 'PromptPlaybackFinished'] as const;
const ref = (name: string) => ({ $ref: `#/channels/events/messages/${name}` });

/** The AsyncAPI 3.0 document; named payload schemas are listed once in components.schemas. */
export function asyncApiDocument(): Json {
  const schemas: Json = {};
  const messages = Object.fromEntries(
    Object.entries(MESSAGES).map(([name, message]) => [name, { name, summary: message.summary, contentType: 'application/json', payload: hoistNamedSchemas(structuredClone(message.payload), schemas) }]),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Switchboard: 3CX V20 Call Control event socket',
      version: '20.0.0',
      description:
        'Events of every DN the application may see, from the moment the socket opens (no subscription message), and socket requests. ' +
        'The REST API is described by the OpenAPI document at /openapi.json; see docs/events.md.',
      // AsyncAPI 3.0 licenses have name and url only (no SPDX identifier as in OpenAPI 3.1).
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
    servers: {
      switchboard: {
        host: 'localhost:8080',
        protocol: 'ws',
        description: 'Switchboard on its default address; wss on the same port when TLS is enabled.',
        security: [{ $ref: '#/components/securitySchemes/bearerAuth' }],
      },
    },
    channels: {
      events: {
        address: '/callcontrol/ws',
        title: 'The event socket',
        description: 'GET /callcontrol/ws with the Upgrade headers and Authorization: Bearer <token>; a refused token is 401 before the upgrade.',
        messages,
        bindings: { ws: { method: 'GET', bindingVersion: '0.1.0' } },
      },
    },
    operations: {
      receiveEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/events' },
        summary: 'Frames the server sends',
        messages: EVENTS.map(ref),
      },
      sendRequest: {
        action: 'send',
        channel: { $ref: '#/channels/events' },
        summary: `Run a POST over the socket (at most ${MAX_WS_INFLIGHT_REQUESTS} pending at once; more are answered 429)`,
        messages: [ref('SocketRequest')],
        reply: { channel: { $ref: '#/channels/events' }, messages: [ref('Response')] },
      },
    },
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access_token of POST /connect/token.' } },
    },
  };
}
