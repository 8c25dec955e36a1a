// E2E harness for SDK and CLI tests: the real server (startServer) on 127.0.0.1, a temp data folder, known keys.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CallControlClient, SimClient, type CallControlClientOptions, type EventStream, type EventStreamOptions } from '../../src/client/index.js';
import { demoConfig } from '../../src/config/demo.js';
import type { PbxConfig } from '../../src/config/types.js';
import { startServer, type RunningServer } from '../../src/server.js';

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
