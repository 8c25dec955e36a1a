// Hostile input over real sockets, over TLS and plain HTTP on one port: oversized headers, invalid UTF-8 and odd DN
// strings get a 4xx, never a 5xx, and the server keeps serving.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { endpointOf, type Endpoint } from '../conformance/lib/http.js';
import { rawRequest } from '../conformance/lib/raw.js';
import { TEST_DEMO_SECRET } from '../helpers/pbx.js';

/** Node's HTTP parser limit on the request head (both the plain and the TLS side use it). */
const MAX_HEADER_BYTES = 16 * 1024;

let server: RunningServer;
let dataDir: string;
let endpoints: Endpoint[];
let token: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'switchboard-limits-'));
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  config.server.dataDir = dataDir;
  server = await startServer({ config, host: '127.0.0.1', port: 0, fakeClock: true });
  const ca = readFileSync(server.caFile!, 'utf8');
  endpoints = [endpointOf(server.secureUrl!, ca), endpointOf(server.url, undefined)];
  const response = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '800', client_secret: TEST_DEMO_SECRET }),
  });
  token = ((await response.json()) as { access_token: string }).access_token;
});

after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function head(endpoint: Endpoint, method: string, path: string, headers: Record<string, string> = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${new URL(endpoint.base).host}`, `Authorization: Bearer ${token}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

async function healthy(endpoint: Endpoint): Promise<void> {
  const response = await rawRequest(endpoint, head(endpoint, 'GET', '/callcontrol/800'));
  assert.equal(response.status, 200, 'the server keeps serving');
}

for (const scheme of ['https', 'http'] as const) {
  describe(`hostile input over ${scheme}`, () => {
    const endpoint = () => endpoints.find((e) => e.scheme === scheme)!;

    test('a request head over 16 KiB gets 431, and the server keeps serving', async () => {
      const big = { 'X-Filler': 'x'.repeat(MAX_HEADER_BYTES) };
      const response = await rawRequest(endpoint(), head(endpoint(), 'GET', '/callcontrol/800', big));
      assert.equal(response.status, 431);
      const many: Record<string, string> = {};
      for (let i = 0; i < 2000; i++) many[`X-H${i}`] = 'vvvvvvvv';
      assert.equal((await rawRequest(endpoint(), head(endpoint(), 'GET', '/callcontrol/800', many))).status, 431);
      await healthy(endpoint());
    });

    test('invalid UTF-8 in a JSON body is 400 MalformedBody, in a path 404', async () => {
      const body = Buffer.from([0x7b, 0x22, 0x64, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]); // {"destination":"\xff\xfe\xc3"}
      const post = await rawRequest(
        endpoint(),
        head(endpoint(), 'POST', '/callcontrol/800/makecall', { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }),
        body,
      );
      assert.ok(post.status === 400 || post.status === 422, `status ${post.status}`);
      const parsed = JSON.parse(post.body.toString('utf8')) as { finalstatus: string; reason: string };
      assert.equal(parsed.finalstatus, 'Rejected');
      assert.ok(['MalformedBody', 'InvalidDestination'].includes(parsed.reason), parsed.reason);

      for (const path of ['/callcontrol/%ff%fe', '/callcontrol/800/devices/%c3%28', '/callcontrol/800/participants/%80']) {
        const response = await rawRequest(endpoint(), head(endpoint(), 'GET', path));
        assert.equal(response.status, 404, path);
        assert.equal((JSON.parse(response.body.toString('utf8')) as { finalstatus: string }).finalstatus, 'Rejected', path);
      }
      await healthy(endpoint());
    });

    test('odd DN strings (.., %00, %2e%2e, very long) are 4xx, never 5xx, and never reach another route', async () => {
      const paths = [
        '/callcontrol/..',
        '/callcontrol/../sim/state',
        '/callcontrol/%2e%2e/participants',
        '/callcontrol/%00',
        '/callcontrol/800%00/participants',
        `/callcontrol/${'9'.repeat(5000)}`,
        `/callcontrol/800/devices/${'%41'.repeat(3000)}`,
        '/callcontrol/800/participants/1/drop%00',
      ];
      for (const path of paths) {
        const response = await rawRequest(endpoint(), head(endpoint(), path.endsWith('drop%00') ? 'POST' : 'GET', path, { 'Content-Length': '0' }));
        assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status}`);
        assert.ok(!response.body.toString('utf8').includes('"clock"'), `${path} did not reach /sim`);
      }
      await healthy(endpoint());
    });
  });
}
