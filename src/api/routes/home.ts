// GET /: a short page that sends people on to the web console, the API documentation and the OpenAPI document.

import type { FastifyInstance } from 'fastify';

/** Links only: no script and no style, so the page passes the same security headers as the rest of the API. */
function homePage(console: boolean): string {
  const links = [
    ...(console ? ['<li><a href="/console/">Web console</a>: the simulated PBX live (needs the admin key)</li>'] : []),
    '<li><a href="/docs">API documentation</a> (Swagger UI)</li>',
    '<li><a href="/openapi.json">OpenAPI document</a></li>',
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Switchboard</title></head><body>',
    '<h1>Switchboard</h1>',
    '<p>The 3CX V20 Call Control API: get a token at <code>POST /connect/token</code>, then call <code>/callcontrol</code>.</p>',
    `<ul>${links.join('')}</ul>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Registers GET /; `console` says whether /console/ is served (only with the /sim control plane). */
export function registerHome(app: FastifyInstance, options: { console: boolean }): void {
  const page = homePage(options.console);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
