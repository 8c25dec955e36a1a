// The OpenAPI document: valid OpenAPI 3, generated from the route schemas, matching the registered routes; /docs renders.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createTestApp } from '../helpers/api.js';

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, unknown>;
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  parameters?: { name: string; in: string; schema: { enum?: string[] } }[];
}
type OpenApi = {
  openapi: string;
  servers?: { url: string }[];
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[] }>; securitySchemes: Record<string, { description?: string }> };
};

/** Every REST route of the seed reference (streams and the WebSocket belong to other issues), with the statuses it lists. */
const SEED_ROUTES: [string, string, string[]][] = [
  ['get', '/callcontrol', ['200', '401', '403']],
  ['get', '/callcontrol/{dnnumber}', ['200', '401', '403']],
  ['get', '/callcontrol/{dnnumber}/devices', ['200', '401', '403']],
  ['get', '/callcontrol/{dnnumber}/devices/{deviceid}', ['200', '401', '403', '404']],
  ['get', '/callcontrol/{dnnumber}/participants', ['200', '401', '403']],
  ['get', '/callcontrol/{dnnumber}/participants/{id}', ['200', '401', '403', '404']],
  ['post', '/callcontrol/{dnnumber}/makecall', ['200', '202', '401', '403', '422', '424']],
  ['post', '/callcontrol/{dnnumber}/devices/{deviceid}/makecall', ['200', '202', '401', '403', '422', '424']],
  ['post', '/callcontrol/{dnnumber}/participants/{id}/{action}', ['200', '202', '401', '403', '404', '422', '424']],
  ['post', '/connect/token', ['200', '400', '401', '429']],
];
/** Operations beyond the seed reference: the server's own health and metrics. */
const OPERATIONS_ROUTES: [string, string, string[]][] = [
  ['get', '/healthz', ['200']],
  ['get', '/metrics', ['200']],
];

async function openApi(ctx: Parameters<typeof createTestApp>[0]): Promise<OpenApi> {
  const t = await createTestApp(ctx);
  return (await t.app.inject({ url: '/openapi.json' })).json() as OpenApi;
}

const operations = (doc: OpenApi) => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

test('/openapi.json is a valid OpenAPI 3 document with every seed route, its statuses, tags and security', async (ctx) => {
  const t = await createTestApp(ctx);
  const response = await t.app.inject({ url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  const doc = response.json() as OpenApi;
  assert.match(doc.openapi, /^3\./);
  await SwaggerParser.validate(structuredClone(doc) as never);

  for (const [method, path, statuses] of SEED_ROUTES) {
    const operation = doc.paths[path]?.[method];
    assert.ok(operation, `${method.toUpperCase()} ${path} is documented`);
    for (const status of statuses) assert.ok(operation.responses[status], `${method.toUpperCase()} ${path} documents ${status}`);
    if (path.startsWith('/callcontrol')) {
      assert.deepEqual(operation.tags, ['Call Control']);
      assert.deepEqual(operation.security, [{ bearerAuth: [] }]);
    } else {
      assert.deepEqual(operation.tags, ['Authentication']);
      assert.deepEqual(operation.security, [], 'the token request needs no bearer token');
      assert.deepEqual(Object.keys(operation.requestBody!.content).sort(), ['application/x-www-form-urlencoded', 'multipart/form-data']);
    }
  }
});

test('every documented operation is a registered route, and the document has nothing beyond the seed routes', async (ctx) => {
  const t = await createTestApp(ctx);
  const doc = (await t.app.inject({ url: '/openapi.json' })).json() as OpenApi;
  const documented = Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
  for (const entry of documented) {
    const [method, path] = entry.split(' ') as [string, string];
    const url = path.replace(/\{(\w+)\}/g, ':$1');
    assert.ok(t.app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${entry} is registered`);
  }
  const streamsAndSockets = (entry: string) => entry.endsWith('/stream') || entry.endsWith('/ws');
  assert.deepEqual(documented.filter((entry) => !streamsAndSockets(entry)).sort(), [...SEED_ROUTES, ...OPERATIONS_ROUTES].map(([method, path]) => `${method} ${path}`).sort());
});

test('/healthz and /metrics are described: open to all, their answers as served', async (ctx) => {
  const t = await createTestApp(ctx);
  const doc = (await t.app.inject({ url: '/openapi.json' })).json() as OpenApi;
  for (const [method, path, statuses] of OPERATIONS_ROUTES) {
    const operation = doc.paths[path]![method]!;
    assert.deepEqual(operation.tags, ['Operations']);
    assert.deepEqual(operation.security, []);
    assert.deepEqual(Object.keys(operation.responses), statuses);
  }
  assert.deepEqual((await t.app.inject({ url: '/healthz' })).json(), { status: 'ok' });
  const metrics = (doc.paths['/metrics']!['get']!.responses['200'] as { content: Record<string, unknown> }).content;
  assert.deepEqual(Object.keys(metrics), ['text/plain']);
  const scraped = await t.app.inject({ url: '/metrics' });
  assert.match(String(scraped.headers['content-type']), /^text\/plain/);
  assert.match(scraped.body, /^# HELP /m);
});

test('every operation has a unique operationId, and the document names its server', async (ctx) => {
  const doc = await openApi(ctx);
  const ids = operations(doc).map(({ method, path, operation }) => operation.operationId ?? `missing on ${method} ${path}`);
  assert.ok(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id)), ids.join(', '));
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  assert.ok(ids.includes('participantAction') && ids.includes('makeCall') && ids.includes('requestToken'));
  assert.deepEqual(doc.servers?.map((server) => server.url), ['/']);
});

test('shared resources are named components referred to by $ref', async (ctx) => {
  const doc = await openApi(ctx);
  for (const name of ['Participant', 'DnInfo', 'Device', 'CallControlResult', 'TokenResponse', 'OAuthError', 'MakeCallRequest', 'ParticipantActionRequest']) {
    assert.ok(doc.components.schemas[name], `components.schemas.${name}`);
  }
  const content = (path: string, method: string, status: string) =>
    (doc.paths[path]![method]!.responses[status] as { content: Record<string, { schema: unknown }> }).content['application/json']!.schema;
  assert.deepEqual(content('/callcontrol/{dnnumber}/participants/{id}', 'get', '200'), { $ref: '#/components/schemas/Participant' });
  assert.deepEqual(content('/callcontrol/{dnnumber}', 'get', '404'), { $ref: '#/components/schemas/CallControlResult' });
  assert.deepEqual(content('/callcontrol', 'get', '200'), { type: 'array', items: { $ref: '#/components/schemas/DnInfo' } });
  assert.deepEqual(content('/connect/token', 'post', '200'), { $ref: '#/components/schemas/TokenResponse' });
  // DnInfo itself refers to its parts.
  assert.deepEqual(doc.components.schemas['DnInfo']!.properties['participants'], { type: 'array', items: { $ref: '#/components/schemas/Participant' } });
  // Nothing is inlined twice: no schema in paths still carries a component's title.
  assert.doesNotMatch(JSON.stringify(doc.paths), /"title":/);
});

test('action is an enum of the seven actions; only bodies the API cannot do without are required', async (ctx) => {
  const doc = await openApi(ctx);
  const operation = doc.paths['/callcontrol/{dnnumber}/participants/{id}/{action}']!['post']!;
  const action = operation.parameters!.find((parameter) => parameter.name === 'action')!;
  assert.deepEqual(action.schema.enum, ['drop', 'answer', 'divert', 'routeto', 'transferto', 'attach_participant_data', 'attach_party_data']);
  assert.equal(operation.requestBody!.required, false, 'drop and answer read no body');
  assert.equal(doc.paths['/callcontrol/{dnnumber}/makecall']!['post']!.requestBody!.required, true);
  assert.ok(!JSON.stringify(doc).includes('x-body-optional'));
});

test('the bearer placeholder survives Markdown: every <placeholder> in a description is inside a code span', async (ctx) => {
  const doc = await openApi(ctx);
  const texts = [doc.info.description, ...Object.values(doc.components.securitySchemes).map((scheme) => scheme.description ?? '')];
  for (const text of texts) {
    // Outside code spans, Swagger UI reads <token> as an HTML tag and shows "Bearer ." instead.
    const outsideCode = text.replace(/`[^`]*`/g, '');
    assert.doesNotMatch(outsideCode, /<[A-Za-z][^>]*>/, text);
  }
  assert.match(doc.info.description, /`Authorization: Bearer <token>`/);
  assert.match(doc.info.description, /\/asyncapi\.json/, 'links the event socket document');
});

test('the participant schema in the document has exactly the wire keys, in order', async (ctx) => {
  const t = await createTestApp(ctx);
  const doc = (await t.app.inject({ url: '/openapi.json' })).json() as OpenApi;
  const schema = doc.components.schemas['Participant']!;
  const keys = ['id', 'status', 'dn', 'party_caller_name', 'party_dn', 'party_caller_id', 'party_did', 'device_id', 'party_dn_type', 'direct_control', 'originated_by_dn', 'originated_by_type', 'referred_by_dn', 'referred_by_type', 'on_behalf_of_dn', 'on_behalf_of_type', 'callid', 'legid'];
  assert.deepEqual(Object.keys(schema.properties), keys);
  assert.deepEqual(schema.required, keys);
});

test('/docs serves the Swagger UI and its own assets (no network needed)', async (ctx) => {
  const t = await createTestApp(ctx);
  let response = await t.app.inject({ url: '/docs/' });
  if (response.statusCode === 302) response = await t.app.inject({ url: String(response.headers.location).replace(/^\.\//, '/docs/') });
  assert.equal(response.statusCode, 200);
  assert.match(response.body, /swagger/i);
  const bundle = await t.app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
  assert.equal(bundle.statusCode, 200);
  assert.ok(bundle.body.length > 100_000);
  const json = await t.app.inject({ url: '/docs/json' });
  assert.equal(json.statusCode, 200);
  assert.deepEqual(json.json(), (await t.app.inject({ url: '/openapi.json' })).json());
});
