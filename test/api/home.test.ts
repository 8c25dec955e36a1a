// GET /: the page that sends people to the web console and the API documentation, and that each link it names answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_KEY, startE2e } from '../client/harness.js';

/** The href of every link on the page. */
function links(html: string): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!);
}

test('GET / is an HTML page linking the console, the API docs and the OpenAPI document, and each link answers', async (t) => {
  const e = await startE2e(t);
  const response = await fetch(`${e.url}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const html = await response.text();
  assert.deepEqual(links(html), ['/console/', '/docs', '/openapi.json']);
  for (const link of links(html)) {
    const target = await fetch(`${e.url}${link}`, { headers: link === '/console/' ? { authorization: `Bearer ${ADMIN_KEY}` } : {} });
    await target.body?.cancel();
    // The console answers 503 with a "run npm run build" page when dist/console was not built: still not a dead link.
    if (link === '/console/') assert.ok([200, 503].includes(target.status), `${link}: ${target.status}`);
    else assert.equal(target.status, 200, link);
  }
});

test('with /sim switched off there is no console, and GET / does not link it', async (t) => {
  const e = await startE2e(t, { configure: (config) => (config.server.sim.enabled = false) });
  const html = await (await fetch(`${e.url}/`)).text();
  assert.deepEqual(links(html), ['/docs', '/openapi.json']);
  assert.equal((await fetch(`${e.url}/console/`)).status, 404);
});
