// Test factory for the HTTP API: the demo PBX on a manual clock behind buildApp, with a temp data folder and a token.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/api/app.js';
import { MediaEngine } from '../../src/media/engine.js';
import { demoConfig } from '../../src/config/demo.js';
import type { PbxConfig } from '../../src/config/types.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Pbx } from '../../src/core/pbx.js';
import { createSimulatedPbx, type SimulatedPbx } from '../../src/endpoints/directory.js';
import { deviceIds } from './demo.js';
import { TEST_DEMO_SECRET } from './pbx.js';

export { TEST_DEMO_SECRET };

/** A second application added by {@link withSecondApplication}: alphanumeric route point `ai`, monitoring only 100. */
export const SECOND_APP = { clientId: 'ai', secret: 'second-app-secret', monitor: ['100'] };

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: unknown;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON (application/json) unless `raw` is given. */
  body?: unknown;
  /** Sent as is, with the headers given (no content type added). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** A token to send, false for none; default the test app's own token. */
  token?: string | false;
}

export interface TestApp extends SimulatedPbx {
  app: FastifyInstance;
  pbx: Pbx;
  clock: ManualClock;
  config: PbxConfig;
  dataDir: string;
  ids: ReturnType<typeof deviceIds>;
  /** A fresh token for the demo application (or the given credentials) through /connect/token. */
  newToken(clientId?: string, secret?: string): Promise<string>;
  /** The demo application's token, fetched once. */
  token(): Promise<string>;
  request(method: 'GET' | 'POST', url: string, options?: RequestOptions): Promise<ApiResponse>;
  get(url: string, options?: RequestOptions): Promise<ApiResponse>;
  post(url: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Changes the demo configuration before the PBX is built. */
  configure?: (config: PbxConfig) => void;
  /** Reuse a data folder (for signing-key persistence tests); a fresh temp folder otherwise. */
  dataDir?: string;
  /** Logging, stream limits and the SIP server's status of the app (no logs, the default limits and no SIP when absent). */
  app?: Pick<AppOptions, 'log' | 'streamLimits' | 'sequence' | 'sip'>;
}

/** Adds the `ai` route point and its application ({@link SECOND_APP}) to a configuration. */
export function withSecondApplication(config: PbxConfig): void {
  config.routePoints.push({ number: 'ai', name: 'AI Agent', autoAnswer: true, device: { id: 'sip:ai@127.0.0.1:5075', userAgent: 'Test Route Point' } });
  config.applications.push({ ...SECOND_APP, monitor: [...SECOND_APP.monitor] });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'switchboard-api-'));
}

/**
 * The demo PBX on a manual clock behind the HTTP API. Pass the test context to close the app (and remove the temp
 * data folder) when the test ends.
 */
export async function createTestApp(context?: TestContext, options: TestAppOptions = {}): Promise<TestApp> {
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? tempDataDir();
  config.server.dataDir = dataDir;
  options.configure?.(config);
  const clock = new ManualClock();
  const internalErrors: unknown[] = [];
  const sim = createSimulatedPbx(config, clock, (error) => internalErrors.push(error));
  const app = await buildApp({ pbx: sim.pbx, media: new MediaEngine({ pbx: sim.pbx, clock, partyMedia: sim.partyMedia }), config, clock, dataDir, ...options.app });
  let cached: string | undefined;

  const request = async (method: 'GET' | 'POST', url: string, opts: RequestOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? await testApp.token() : opts.token;
    if (token !== false && headers['authorization'] === undefined) headers['authorization'] = `Bearer ${token}`;
    let payload: string | Buffer | undefined = opts.raw;
    if (payload === undefined && opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    if (internalErrors.length > 0) throw internalErrors[0];
    let json: unknown;
    try {
      json = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, json, text: response.body };
  };

  const newToken = async (clientId = '800', secret = TEST_DEMO_SECRET): Promise<string> => {
    const response = await app.inject({
      method: 'POST',
      url: '/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
    });
    if (response.statusCode !== 200) throw new Error(`token request failed: ${response.statusCode} ${response.body}`);
    return (response.json() as { access_token: string }).access_token;
  };

  const testApp: TestApp = {
    ...sim,
    app,
    clock,
    config,
    dataDir,
    ids: deviceIds(config),
    newToken,
    async token() {
      cached ??= await newToken();
      return cached;
    },
    request,
    get: (url, opts) => request('GET', url, opts),
    post: (url, body, opts) => request('POST', url, { ...opts, ...(body === undefined ? {} : { body }) }),
    async close() {
      await app.close();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  context?.after(() => testApp.close());
  return testApp;
}

/**
 * Lets in-flight in-process work (an inject call reaching its handler, through the token check's WebCrypto call on
 * the thread pool) run until `condition` holds, yielding to the event loop; no timers, no sleeping. Fails after
 * `maxTurns` turns.
 */
export async function until(condition: () => boolean, what: string, maxTurns = 200_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A URL path segment for a device id, percent-encoded. */
export function enc(deviceId: string): string {
  return encodeURIComponent(deviceId);
}
