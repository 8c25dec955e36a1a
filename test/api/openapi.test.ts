// The OpenAPI document: valid OpenAPI 3, generated from the route schemas, matching the registered routes; /docs renders.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createTestApp } from '../helpers/api.js';

interface Operation {
  tags?: string[];
  security?: unknown[];
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, unknown> };
}
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> };

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
  assert.deepEqual(documented.filter((entry) => !streamsAndSockets(entry)).sort(), SEED_ROUTES.map(([method, path]) => `${method} ${path}`).sort());
});

test('the participant schema in the document has exactly the wire keys, in order', async (ctx) => {
  const t = await createTestApp(ctx);
  const doc = (await t.app.inject({ url: '/openapi.json' })).json() as OpenApi;
  const schema = (doc.paths['/callcontrol/{dnnumber}/participants/{id}']!['get']!.responses['200'] as { content: Record<string, { schema: { properties: object; required: string[] } }> }).content['application/json']!.schema;
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
