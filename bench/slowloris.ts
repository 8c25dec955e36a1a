// Slow-connection bench at the real deadlines: 300 connections trickling header lines, stalled bodies and silent TLS
// connections against `switchboard serve` on loopback, while one valid client measures its latency. About 15 s.
// Run: node --import tsx bench/slowloris.ts

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { HTTP_BODY_IDLE_TIMEOUT_MS, HTTP_HEAD_TIMEOUT_MS } from '../src/limits.js';
import { nowMs } from './lib.js';

const SLOW_HEADS = 300;
const STALLED_BODIES = 50;
const SILENT_TLS = 50;
/** One header line per connection this often, as in the attack that found the defect. */
const TRICKLE_MS = 3000;
const GIVE_UP_MS = 40_000;

interface Victim {
  kind: 'head' | 'body' | 'tls';
  openedAt: number;
  closedAt?: number;
  got408: boolean;
  socket: Socket;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function watch(kind: Victim['kind'], socket: Socket): Victim {
  const victim: Victim = { kind, openedAt: nowMs(), got408: false, socket };
  socket.on('data', (data: Buffer) => (victim.got408 ||= data.toString('latin1').startsWith('HTTP/1.1 408')));
  socket.on('error', () => {});
  socket.on('close', () => (victim.closedAt = nowMs()));
  return victim;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-slowloris-'));
  // The data folder (.switchboard) goes in the temporary working folder.
  const server = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../src/cli/main.ts'), 'serve', '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, SWITCHBOARD_CONFIG: '', SWITCHBOARD_DEMO_SECRET: 'bench-demo-secret', SWITCHBOARD_ADMIN_KEY: '' },
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let banner = '';
  const port = await new Promise<number>((resolve, reject) => {
    server.stderr!.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      const match = /URL:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(banner);
      if (match && banner.includes('Press Ctrl+C')) resolve(Number(match[1]));
    });
    server.on('exit', () => reject(new Error(`server exited: ${banner}`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const started = nowMs();
      const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(nowMs() - started));
      });
      req.on('error', reject);
      req.end();
    });
  const before: number[] = [];
  for (let i = 0; i < 200; i++) before.push(await get());

  const victims: Victim[] = [];
  for (let i = 0; i < SLOW_HEADS; i++) {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    victims.push(watch('head', socket));
  }
  for (let i = 0; i < STALLED_BODIES; i++) {
    const socket = connect(port, '127.0.0.1', () => socket.write('POST /connect/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type='));
    victims.push(watch('body', socket));
  }
  for (let i = 0; i < SILENT_TLS; i++) {
    const secure = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    secure.resume();
    const victim = watch('tls', secure as unknown as Socket);
    secure.once('secureConnect', () => (victim.openedAt = nowMs())); // measured from the end of the handshake
    victims.push(victim);
  }
  const trickle = setInterval(() => {
    for (const v of victims) if (v.kind === 'head' && v.closedAt === undefined && v.socket.writable) v.socket.write('X-Slow: 1\r\n');
  }, TRICKLE_MS);

  const during: number[] = [];
  const start = nowMs();
  while (victims.some((v) => v.closedAt === undefined) && nowMs() - start < GIVE_UP_MS) during.push(await get());
  clearInterval(trickle);
  agent.destroy();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });

  console.log(`deadlines: head ${HTTP_HEAD_TIMEOUT_MS} ms, body silence ${HTTP_BODY_IDLE_TIMEOUT_MS} ms (checked every second)`);
  for (const kind of ['head', 'body', 'tls'] as const) {
    const group = victims.filter((v) => v.kind === kind);
    const closed = group.filter((v) => v.closedAt !== undefined);
    const lifetimes = closed.map((v) => v.closedAt! - v.openedAt);
    const answered = group.filter((v) => v.got408).length;
    console.log(
      `${kind.padEnd(4)} ${group.length} connections: ${closed.length} closed after ${Math.min(...lifetimes).toFixed(0)} / ${percentile(lifetimes, 50).toFixed(0)} / ${Math.max(...lifetimes).toFixed(0)} ms (min / median / max), ${answered} answered 408`,
    );
  }
  console.log(`valid client before: ${before.length} requests, p50 ${percentile(before, 50).toFixed(2)} ms, p99 ${percentile(before, 99).toFixed(2)} ms, max ${Math.max(...before).toFixed(2)} ms`);
  console.log(`valid client during: ${during.length} requests, p50 ${percentile(during, 50).toFixed(2)} ms, p99 ${percentile(during, 99).toFixed(2)} ms, max ${Math.max(...during).toFixed(2)} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
