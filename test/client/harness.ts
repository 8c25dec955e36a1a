// E2E harness for SDK and CLI tests: the real server (startServer) on 127.0.0.1, a temp data folder, known keys.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CallControlClient, SimClient, type CallControlClientOptions, type EventStream, type EventStreamOptions } from '../../src/client/index.js';
import { demoConfig } from '../../src/config/demo.js';
import type { PbxConfig } from '../../src/config/types.js';
import { mediaEngineOf } from '../../src/media/engine.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { until } from '../helpers/api.js';
import { runCli } from '../helpers/cli.js';

export const DEMO_SECRET = 'e2e-demo-secret';
export const ADMIN_KEY = 'e2e-admin-key-0123456789';

export interface E2eServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  /** A CallControlClient for the demo application (800). */
  app(options?: Partial<CallControlClientOptions>): CallControlClient;
  sim: SimClient;
  /** An event stream of `client` that is closed when the test ends, already connected. */
  events(client: CallControlClient, options?: EventStreamOptions): Promise<EventStream>;
}

export interface E2eOptions {
  fakeClock?: boolean;
  configure?: (config: PbxConfig) => void;
  port?: number;
  dataDir?: string;
}

/** Starts the demo PBX; closes it (and removes its data folder when it made one) when the test ends. */
export async function startE2e(t: TestContext, options: E2eOptions = {}): Promise<E2eServer> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const config = demoConfig({ demoSecret: DEMO_SECRET });
  config.server.dataDir = dataDir;
  options.configure?.(config);
  const server = await startServer({ config, host: '127.0.0.1', port: options.port ?? 0, fakeClock: options.fakeClock ?? false, adminKey: ADMIN_KEY });
  t.after(async () => {
    await server.close();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const app = (overrides: Partial<CallControlClientOptions> = {}) => new CallControlClient({ baseUrl: server.url, clientId: '800', clientSecret: DEMO_SECRET, ...overrides });
  return {
    server,
    url: server.url,
    dataDir,
    app,
    sim: new SimClient({ baseUrl: server.url, adminKey: ADMIN_KEY }),
    async events(client, streamOptions = {}) {
      const stream = client.events(streamOptions);
      t.after(() => stream.close());
      await stream.ready();
      return stream;
    },
  };
}

/** A TCP port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A fetch that counts requests by `METHOD path` (and their statuses) before passing them on. */
export function countingFetch(): { fetch: typeof fetch; calls: { request: string; status: number }[]; count(request: string): number } {
  const calls: { request: string; status: number }[] = [];
  return {
    calls,
    count: (request) => calls.filter((call) => call.request === request).length,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      calls.push({ request: `${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`, status: response.status });
      return response;
    },
  };
}

/**
 * Moves the fake clock `ms` forward, `stepMs` per request: audio is made frame by frame as time moves, and each step's
 * frames reach stream readers before the next step makes more (a reader more than 1 s behind would lose audio).
 */
export async function advanceInSteps(sim: SimClient, ms: number, stepMs = 100): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) await sim.advanceClock(Math.min(stepMs, ms - done));
}

/** Resolves once the server holds `bytes` of stream uploads waiting to play (the fake clock has not moved since they came). */
export async function untilUploaded(e: E2eServer, bytes: number): Promise<void> {
  const media = mediaEngineOf(e.server.pbx);
  if (!media) throw new Error('the server runs no media engine');
  await until(() => media.stats().uploadBufferedBytes === bytes, `${bytes} bytes of upload arrived`);
}

export { runCli };

/** An external caller rings Alice (100), who answers after 1 s of fake time. */
export async function callAlice(sim: SimClient, from = '+15557654321'): Promise<{ callerId: number; aliceId: number }> {
  const placed = await sim.placeCall({ from, to: '100' });
  await sim.advanceClock(1000);
  const alice = (await sim.parties()).find((party) => party.callId === placed.callId && party.dn === '100');
  assert.equal(alice?.status, 'Connected');
  return { callerId: placed.partyId, aliceId: alice.id };
}

/** An external caller dials the demo application's DID; route point 800 answers at once (unless told not to). */
export async function callApp(e: E2eServer, from = '+15557654321'): Promise<{ callerId: number; appId: number }> {
  const placed = await e.sim.placeCall({ from, to: '+15550100' });
  const participant = (await e.app().listParticipants('800')).find((p) => p.callid === placed.callId);
  assert.ok(participant, 'route point 800 was offered the call');
  return { callerId: placed.partyId, appId: participant.id };
}
