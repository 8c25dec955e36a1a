// Real-socket helpers for the event channel: a started server on a fake clock and a client that mirrors state the 3CX way.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { demoConfig } from '../../src/config/demo.js';
import type { PbxConfig } from '../../src/config/types.js';
import type { Clock, ManualClock } from '../../src/core/clock.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const WS_TEST_SECRET = 'ws-test-secret';

export interface Frame {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: unknown };
}

export interface WsServer {
  server: RunningServer;
  clock: ManualClock;
  config: PbxConfig;
  token(): Promise<string>;
  /** POST to the API with a fresh token; resolves with status and parsed body. */
  post(path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  get(path: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startWsServer(configure?: (config: PbxConfig) => void, networkClock?: Clock): Promise<WsServer> {
  const config = demoConfig({ demoSecret: WS_TEST_SECRET });
  config.server.dataDir = mkdtempSync(join(tmpdir(), 'switchboard-ws-'));
  configure?.(config);
  const server = await startServer({ config, host: '127.0.0.1', port: 0, fakeClock: true, networkClock });
  let cached: string | undefined;
  const token = async () => {
    if (cached) return cached;
    const response = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: '800', client_secret: WS_TEST_SECRET, grant_type: 'client_credentials' }),
    });
    cached = ((await response.json()) as { access_token: string }).access_token;
    return cached;
  };
  const request = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await token()}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    server,
    clock: server.clock as ManualClock,
    config,
    token,
    post: (path, body) => request('POST', path, body),
    get: (path) => request('GET', path),
    close: () => server.close(),
  };
}

/** Waits until `predicate` holds, checking whenever `emitter` speaks; fails after `ms` of real time. */
function waitUntil(check: () => boolean, subscribe: (wake: () => void) => () => void, what: string, ms = 5000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const unsubscribe = subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

/**
 * A client that follows the 3CX pattern: open the socket, GET /callcontrol, then re-GET every Upsert entity and
 * forget every Remove. `state` maps entity path -> last body fetched.
 */
export class MirrorClient {
  readonly frames: Frame[] = [];
  readonly state = new Map<string, unknown>();
  private processed = 0;
  private readonly wakers = new Set<() => void>();
  private queue: Promise<void> = Promise.resolve();
  closeCode: number | undefined;

  private constructor(
    readonly socket: WebSocket,
    private readonly ws: WsServer,
    private readonly mirror: boolean,
  ) {}

  /** `mirror: false` only counts frames (no GETs): for tests of the connection itself. */
  static async connect(ws: WsServer, options: { mirror?: boolean } = {}): Promise<MirrorClient> {
    const socket = new WebSocket(`${ws.server.url.replace(/^http/, 'ws')}/callcontrol/ws`, { headers: { authorization: `Bearer ${await ws.token()}` } });
    const client = new MirrorClient(socket, ws, options.mirror !== false);
    socket.on('message', (data) => client.onFrame(JSON.parse(data.toString()) as Frame));
    socket.on('close', (code) => {
      client.closeCode = code;
      client.wake();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    if (client.mirror) await client.snapshot();
    return client;
  }

  /** GET /callcontrol and every DN's devices: the starting state. */
  async snapshot(): Promise<void> {
    this.state.clear();
    for (const [entity, body] of await serverState(this.ws)) this.state.set(entity, body);
  }

  /** Frames as [event_type, entity] pairs (DTMF frames with their digit appended). */
  pairs(from = 0): [number, string][] {
    return this.frames.slice(from).map((f) => [f.event.event_type, f.event.event_type === 2 ? `${f.event.entity} ${(f.event.attached_data as { dtmf_input: string }).dtmf_input}` : f.event.entity]);
  }

  /** Resolves once `count` frames have arrived and been applied to the mirror. */
  async waitFrames(count: number): Promise<void> {
    await waitUntil(() => this.processed >= count, (wake) => this.listen(wake), `${count} frames (have ${this.processed}: ${JSON.stringify(this.pairs())})`);
  }

  async waitClosed(): Promise<number> {
    await waitUntil(() => this.closeCode !== undefined, (wake) => this.listen(wake), 'the socket to close');
    return this.closeCode!;
  }

  close(): void {
    this.socket.close();
  }

  private listen(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  private onFrame(frame: Frame): void {
    this.frames.push(frame);
    if (!this.mirror) {
      this.processed++;
      this.wake();
      return;
    }
    // Frames are applied one after another, as a client with one event loop does.
    this.queue = this.queue.then(async () => {
      const { event_type: type, entity } = frame.event;
      if (type === 0) {
        const response = await this.ws.get(entity);
        if (response.status === 200) this.state.set(entity, response.body);
        else if (response.status === 404) this.state.delete(entity); // already gone: its Remove follows
        else throw new Error(`GET ${entity} after Upsert answered ${response.status}`);
      } else if (type === 1) {
        this.state.delete(entity);
      }
      this.processed++;
      this.wake();
    });
  }
}

/** What the server holds now, keyed the way events name it: every participant and device entity the app may see. */
export async function serverState(ws: WsServer): Promise<Map<string, unknown>> {
  const state = new Map<string, unknown>();
  const dns = (await ws.get('/callcontrol')).body as { dn: string; devices: { device_id: string }[]; participants: { id: number }[] }[];
  for (const dn of dns) {
    for (const p of dn.participants) state.set(`/callcontrol/${dn.dn}/participants/${p.id}`, p);
    for (const d of dn.devices) state.set(`/callcontrol/${dn.dn}/devices/${encodeURIComponent(d.device_id)}`, d);
  }
  return state;
}
