// The API documents as a server with /sim serves them (/openapi.json and /asyncapi.json), for the lint and client tests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/api/app.js';
import { MediaEngine } from '../../src/media/engine.js';
import { demoConfig } from '../../src/config/demo.js';
import { ManualClock } from '../../src/core/clock.js';
import { createSimulatedPbx } from '../../src/endpoints/directory.js';
import { simPlane } from '../../src/sim/plane.js';
import { TEST_DEMO_SECRET } from './pbx.js';

export interface ServedDocuments {
  openapi: Record<string, unknown>;
  asyncapi: Record<string, unknown>;
}

/** Builds the demo server with its /sim plane, fetches both documents in process, and closes it again. */
export async function servedDocuments(): Promise<ServedDocuments> {
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-docs-'));
  config.server.dataDir = dataDir;
  const clock = new ManualClock();
  const sim = createSimulatedPbx(config, clock, (error) => {
    throw error;
  });
  const media = new MediaEngine({ pbx: sim.pbx, clock, partyMedia: sim.partyMedia });
  const extensions = simPlane({ sim, clock, config, adminKey: 'documents-admin-key-0123456789', media });
  const app = await buildApp({ pbx: sim.pbx, media, config, clock, dataDir, extensions, consoleLink: true });
  try {
    const openapi = await app.inject({ url: '/openapi.json' });
    const asyncapi = await app.inject({ url: '/asyncapi.json' });
    if (openapi.statusCode !== 200 || asyncapi.statusCode !== 200) throw new Error(`documents answered ${openapi.statusCode} and ${asyncapi.statusCode}`);
    return { openapi: openapi.json(), asyncapi: asyncapi.json() };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
