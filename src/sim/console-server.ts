// Serves the web console: its built files at /console/ (dist/console, from `npm run build`) and its live feed.

import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { ApiInstance } from '../api/context.js';
import { LiveFeed, registerLiveRoute, type LiveContext } from './live.js';

/** The page /console answers when the console was not built. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard console not built</title></head>
<body><h1>The console is not built</h1>
<p>Run <code>npm run build</code>, then restart Switchboard (<code>npm start</code> does both).</p></body></html>
`;

/**
 * Where the built console is: SWITCHBOARD_CONSOLE_DIR when set (a console built elsewhere), else dist/console next to
 * the package.json above this file (from src/sim and from dist/src/sim alike).
 */
export function consoleDir(): string {
  const configured = process.env.SWITCHBOARD_CONSOLE_DIR;
  if (configured) return configured;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

/** Registers /console (the built files, or a page saying to build them) and the live feed /sim/live. */
export async function registerConsole(app: ApiInstance, context: LiveContext): Promise<void> {
  registerLiveRoute(app, new LiveFeed(context));
  const root = consoleDir();
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/console/*', { schema: { hide: true } }, async (_request, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    decorateReply: false,
    cacheControl: false,
    // Vite names assets by content hash: they never change. The page itself is revalidated every time.
    setHeaders: (reply, path) => reply.header('cache-control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
}

