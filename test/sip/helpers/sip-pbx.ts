// The whole server (startServer) with SIP on a free loopback port, a bearer token, and a recorder of event socket frames.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { LogOptions } from '../../../src/api/app.js';
import { demoConfig } from '../../../src/config/demo.js';
import type { PbxConfig } from '../../../src/config/types.js';
import type { ManualClock } from '../../../src/core/clock.js';
import { startServer, type RunningServer } from '../../../src/server.js';

export const SIP_TEST_SECRET = 'sip-test-secret';
export const SIP_TEST_PASSWORD = 'sip-test-password';

export interface Frame {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: unknown };
}

export interface SipPbx {
  server: RunningServer;
  clock: ManualClock;
  sipPort: number;
  dataDir: string;
  get(path: string): Promise<{ status: number; body: unknown }>;
  /** Opens the event socket; frames arrive in `frames`. */
  events(): Promise<{ frames: Frame[]; waitFor(check: (frames: Frame[]) => boolean, what: string | (() => string)): Promise<void>; close(): void }>;
  close(): Promise<void>;
}

/** The demo PBX (extensions 100-103 with SIP password {@link SIP_TEST_PASSWORD}) on a fake clock, SIP on 127.0.0.1, a free port. */
export async function startSipPbx(options: { dataDir?: string; configure?: (config: PbxConfig) => void; log?: LogOptions } = {}): Promise<SipPbx> {
  const config = demoConfig({ demoSecret: SIP_TEST_SECRET, sipPassword: SIP_TEST_PASSWORD });
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-sip-'));
  config.server.dataDir = dataDir;
  options.configure?.(config);
  const server = await startServer({ config, host: '127.0.0.1', port: 0, fakeClock: true, sip: { host: '127.0.0.1', port: 0 }, ...(options.log ? { log: options.log } : {}) });
  const sipPort = server.sip?.udpPort;
  if (!sipPort) throw new Error('the SIP server did not start');
  let token: string | undefined;
  const bearer = async () => {
    if (token) return token;
    const response = await fetch(`${server.url}/connect/token`, { method: 'POST', body: new URLSearchParams({ client_id: '800', client_secret: SIP_TEST_SECRET, grant_type: 'client_credentials' }) });
    token = ((await response.json()) as { access_token: string }).access_token;
    return token;
  };
  return {
    server,
    clock: server.clock as ManualClock,
    sipPort,
    dataDir,
    async get(path) {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${await bearer()}` } });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async events() {
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/callcontrol/ws`, { headers: { authorization: `Bearer ${await bearer()}` } });
      const frames: Frame[] = [];
      const wakers = new Set<() => void>();
      socket.on('message', (data) => {
        frames.push(JSON.parse(data.toString()) as Frame);
        for (const wake of wakers) wake();
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return {
        frames,
        close: () => socket.close(),
        waitFor: (check, what) =>
          new Promise<void>((resolve, reject) => {
            if (check(frames)) return resolve();
            const wake = () => {
              if (!check(frames)) return;
              clearTimeout(timer);
              wakers.delete(wake);
              resolve();
            };
            const timer = setTimeout(() => {
              wakers.delete(wake);
              reject(new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}; frames: ${JSON.stringify(frames.map((f) => [f.event.event_type, f.event.entity]))}`));
            }, 10_000);
            wakers.add(wake);
          }),
      };
    },
    close: () => server.close(),
  };
}

/** Device frames of one extension as [event_type, device id] pairs. */
export function deviceFrames(frames: Frame[], dn: string): Array<[number, string]> {
  const prefix = `/callcontrol/${dn}/devices/`;
  return frames.filter((f) => f.event.entity.startsWith(prefix)).map((f) => [f.event.event_type, decodeURIComponent(f.event.entity.slice(prefix.length))]);
}
