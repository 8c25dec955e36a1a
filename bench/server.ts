// The server under test, as a child of the benchmark runner: startServer on loopback with a generated configuration,
// plus a bare fastify route (same process, same core) as the throughput reference. Answers stats over IPC.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { normalizeConfig } from '../src/config/load.js';
import type { PbxConfigFile } from '../src/config/schema.js';
import { mediaEngineOf } from '../src/media/engine.js';
import { startServer } from '../src/server.js';
import { startFloor } from './floor.js';
import { onParentMessage, sendToParent } from './lib.js';

export const BENCH_APP = '900';
export const BENCH_SECRET = 'bench-secret-0123456789';
export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789';
export const BENCH_DID = '+15550100';

export const BENCH_SIP_PASSWORD = 'bench-sip-secret-0123';

export interface ServerSpec {
  /** Extensions 2000, 2001, ... each with one directly controlled phone that answers at once. */
  extensions: number;
  /** Run the floor (bench/floor.ts) instead of Switchboard: the same stats over IPC, no telephony at all. */
  floor?: boolean;
  /** Extensions 3000, 3001, ... that SIP phones register to (digest user = number, BENCH_SIP_PASSWORD); SIP listens on a free UDP port. */
  sipExtensions?: number;
}

export function sipExtensionNumber(index: number): string {
  return String(3000 + index);
}

export function extensionNumber(index: number): string {
  return String(2000 + index);
}

export function extensionDevice(index: number): string {
  return `sip:${extensionNumber(index)}@127.0.0.1:${5000 + (index % 60000)}`;
}

export function benchConfigFile(spec: ServerSpec, dataDir: string): PbxConfigFile {
  const extensions = Array.from({ length: spec.extensions }, (_, i) => ({
    number: extensionNumber(i),
    name: `Bench ${i}`,
    devices: [{ id: extensionDevice(i), directControl: true, behaviour: { kind: 'answer' as const, afterMs: 0 } }],
  }));
  return {
    server: { host: '127.0.0.1', dataDir, tls: { enabled: false }, sim: { enabled: true, adminKey: BENCH_ADMIN_KEY }, ...(spec.sipExtensions ? { sip: { enabled: true, transports: ['udp' as const], algorithms: ['MD5' as const] } } : {}) },
    routePoints: [{ number: BENCH_APP, name: 'Bench App', autoAnswer: true }],
    applications: [{ clientId: BENCH_APP, secret: BENCH_SECRET, monitor: extensions.map((e) => e.number) }],
    extensions: [...extensions, ...Array.from({ length: spec.sipExtensions ?? 0 }, (_, i) => ({ number: sipExtensionNumber(i), name: `SIP ${i}`, sip: { password: BENCH_SIP_PASSWORD } }))],
    trunks: [{ number: '10000', name: 'PSTN', dids: [{ number: BENCH_DID, destination: BENCH_APP }] }],
    external: { default: { kind: 'answer', afterMs: 0 } },
  };
}

/** What runs in this process: Switchboard with a bare fastify route beside it, or the floor alone. */
interface Subject {
  ready: Record<string, unknown>;
  media(): ReturnType<NonNullable<ReturnType<typeof mediaEngineOf>>['stats']> | undefined;
  close(): Promise<void>;
}

async function switchboard(spec: ServerSpec): Promise<Subject> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const config = normalizeConfig(benchConfigFile(spec, dataDir), '<bench>', process.cwd());
  const server = await startServer({ config, host: '127.0.0.1', port: 0, adminKey: BENCH_ADMIN_KEY, ...(spec.sipExtensions ? { sip: { host: '127.0.0.1', port: 0 } } : {}) });
  const bare = Fastify({ logger: false });
  bare.get('/bare', async () => ({ status: 'ok' }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareAddress = bare.server.address();
  const barePort = typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0;
  return {
    ready: { url: server.url, bareUrl: `http://127.0.0.1:${barePort}`, sipPort: server.sip?.udpPort ?? null },
    media: () => mediaEngineOf(server.pbx)?.stats(),
    async close() {
      await Promise.all([server.close(), bare.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function floor(): Promise<Subject> {
  const served = await startFloor('127.0.0.1');
  return { ready: { url: served.url, bareUrl: served.url, sipPort: null }, media: () => undefined, close: () => served.close() };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
  const subject = spec.floor ? await floor() : await switchboard(spec);

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let peakRss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 250);
  rssTimer.unref();

  const stats = () => {
    const rss = process.memoryUsage.rss();
    peakRss = Math.max(peakRss, rss);
    return {
      type: 'stats',
      cpu: process.cpuUsage(),
      at: Number(process.hrtime.bigint()) / 1e6,
      rss,
      peakRss,
      heapUsed: process.memoryUsage().heapUsed,
      media: subject.media(),
      loopP99Ms: loop.percentile(99) / 1e6,
      loopMaxMs: loop.max / 1e6,
    };
  };

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.race([subject.close(), new Promise((resolve) => setTimeout(resolve, 5000))]);
    process.exit(0); // writes the --cpu-prof profile when asked for
  };

  // With a profile path, the measured window (mark to the next stats) is profiled with the V8 sampling profiler.
  let profiling: Session | undefined;
  onParentMessage(async (message) => {
    switch (message['cmd']) {
      case 'stats': {
        const reply = stats();
        if (profiling && typeof message['profile'] === 'string') {
          const { profile } = await profiling.post('Profiler.stop');
          profiling.disconnect();
          profiling = undefined;
          mkdirSync(dirname(message['profile']), { recursive: true });
          writeFileSync(message['profile'], JSON.stringify(profile));
        }
        sendToParent(reply);
        return;
      }
      case 'mark':
        if (message['profile'] && !profiling) {
          profiling = new Session();
          profiling.connect();
          await profiling.post('Profiler.setSamplingInterval', { interval: 500 });
          await profiling.post('Profiler.enable');
          await profiling.post('Profiler.start');
        }
        // Resets the peaks: the next stats give the figures of the measured window only.
        loop.reset();
        peakRss = process.memoryUsage.rss();
        sendToParent({ ...stats(), type: 'marked' });
        return;
      case 'stop':
        await stop();
        return;
      default:
        return;
    }
  });
  process.on('SIGTERM', () => void stop());
  sendToParent({ type: 'ready', ...subject.ready, pid: process.pid });
}

if (/server\.[jt]s$/.test(process.argv[1] ?? '')) {
  main().catch((error: unknown) => {
    console.error('bench server failed:', error);
    process.exit(1);
  });
}
