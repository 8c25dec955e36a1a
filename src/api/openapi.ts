// The OpenAPI document's frame, and the last pass over what @fastify/swagger generates from the route schemas.

import { isDeepStrictEqual } from 'node:util';
import type { SwaggerTransformObject } from '@fastify/swagger';
import { Type } from 'typebox';

/** The OpenAPI 3.1 document's frame; paths come from the route schemas. */
export const OPENAPI_FRAME = {
  openapi: '3.1.0',
  info: {
    title: 'Switchboard: 3CX V20 Call Control API',
    version: '20.0.0',
    // Markdown: `<token>` outside a code span would be read as an HTML tag and vanish in Swagger UI.
    description:
      'The 3CX V20 Call Control API as Switchboard serves it. Get a token at `/connect/token`, then call `/callcontrol` with `Authorization: Bearer <token>`. ' +
      'Error codes: docs/errors.md. The event socket `/callcontrol/ws` is described by the AsyncAPI document at [/asyncapi.json](/asyncapi.json).',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/', description: 'The Switchboard serving this document.' }],
  tags: [
    { name: 'Authentication', description: 'OAuth2 client credentials: the client id is the route point DN, the secret its API key.' },
    { name: 'Call Control', description: 'DNs, devices and participants of the application, and commands on them.' },
    { name: 'Simulation', description: 'Switchboard’s own control plane: play the callers and phones, change behaviours, move fake time. Needs the admin key.' },
    { name: 'Operations', description: 'Health and metrics for whoever runs the server; no authentication.' },
  ],
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT', description: 'The `access_token` of `POST /connect/token`, sent as `Authorization: Bearer <token>`.' },
      adminKey: { type: 'http' as const, scheme: 'bearer', description: 'The admin key printed at start (`SWITCHBOARD_ADMIN_KEY`), sent as `Authorization: Bearer <admin key>`.' },
    },
  },
};

/**
 * Route-schema key saying the body may be left out. @fastify/swagger marks every request body required; the
 * participant actions read none for drop and answer, so their body is optional in the document.
 */
export const BODY_OPTIONAL = 'x-body-optional';

export type Json = Record<string, unknown>;
const COMPONENT_REF = '#/components/schemas/';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Moves every schema with a `title` into `components` (the components.schemas of an OpenAPI or AsyncAPI document) under that name and leaves a $ref in its place, inner
 * schemas first (DnInfo refers to Device and Participant). Two different schemas with one title are a mistake in
 * schemas.ts: the document is refused rather than silently naming one of them.
 */
export function hoistNamedSchemas(node: unknown, components: Json): unknown {
  if (Array.isArray(node)) return node.map((item) => hoistNamedSchemas(item, components));
  if (!isObject(node)) return node;
  const result: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // Examples are data, not schemas.
    result[key] = key === 'example' || key === 'examples' ? value : hoistNamedSchemas(value, components);
  }
  const name = result['title'];
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) return result;
  const known = components[name];
  if (known !== undefined && !isDeepStrictEqual(known, result)) throw new Error(`two different schemas are named ${name} in the route schemas`);
  components[name] = result;
  return { $ref: `${COMPONENT_REF}${name}` };
}

function markOptionalBodies(paths: Json): void {
  for (const operations of Object.values(paths)) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      if (!isObject(operation) || !(BODY_OPTIONAL in operation)) continue;
      const body = operation['requestBody'];
      if (isObject(body)) body['required'] = operation[BODY_OPTIONAL] !== true;
      delete operation[BODY_OPTIONAL];
    }
  }
}

/** @fastify/swagger's transformObject: named schemas become components, optional bodies say so. */
export const finishOpenApiDocument: SwaggerTransformObject = (documentObject) => {
  if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
  const document = documentObject.openapiObject as Json;
  const components = (isObject(document['components']) ? document['components'] : {}) as Json;
  const schemas = (isObject(components['schemas']) ? components['schemas'] : {}) as Json;
  const paths = hoistNamedSchemas(document['paths'] ?? {}, schemas) as Json;
  markOptionalBodies(paths);
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  // The same document with its schemas moved, which the OpenAPI types cannot follow through the generic walk.
  return { ...document, paths, components: { ...components, schemas: sorted } } as ReturnType<SwaggerTransformObject>;
};

/** GET /healthz: open to all. Extra fields of the answer are serialised as they are (additionalProperties). */
export const HEALTH_DOC = {
  operationId: 'getHealth',
  tags: ['Operations'],
  summary: 'Liveness: the server is up and answering',
  security: [],
  response: {
    200: Type.Object(
      {
        status: Type.String({ description: '`ok`, or `degraded` while the server answers but needs an operator (see `problems`).', examples: ['ok'] }),
        problems: Type.Optional(Type.Array(Type.String(), { description: 'What is degraded, in words; absent when the status is ok.' })),
      },
      { additionalProperties: true, title: 'Health' },
    ),
  },
};

/** GET /metrics: Prometheus text exposition, open to all. */
export const METRICS_DOC = {
  operationId: 'getMetrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics: requests, calls, participants, event sockets, audio streams',
  security: [],
  response: {
    200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: { type: 'string' } } } },
  },
};
