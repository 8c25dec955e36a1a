// The HTTP face of Switchboard: builds the fastify application that serves the 3CX Call Control API.

import Fastify, { type FastifyInstance } from 'fastify';
import type { PbxConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Pbx } from '../core/pbx.js';

export interface AppOptions {
  pbx: Pbx;
  config: PbxConfig;
  clock: Clock;
  /** Folder for state kept across restarts (the token signing key). */
  dataDir: string;
  /** Log requests (pino); off in tests. */
  logger?: boolean;
}

/** Builds the application without listening; tests use `app.inject`, the server calls `listen`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
