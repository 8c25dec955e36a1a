// Load generator for the streams scenario: for each route point participant given, reads GET .../stream and writes
// POST .../stream at real time (keeping a small lead, as clients do). Measures per-stream bytes/s and the gaps between
// received chunks. Commands from the runner: start, mark (begin the measured window), report (end it), stop.

import { Agent, request, type ClientRequest } from 'node:http';
import { Histogram, nowMs, runGenerator, sendToParent } from './lib.js';

interface StartCommand {
  url: string;
  token: string;
  dn: string;
  ids: number[];
  /** Upload write interval and lead (ms). */
  writeMs: number;
  leadMs: number;
}

const BYTES_PER_MS = 16;
/** 10 s of speech-like audio (noise in bursts, about -20 dBm0), looped: the detectors on the route point see real signal. */
const CONTENT = (() => {
  const samples = 80_000;
  const buffer = Buffer.alloc(samples * 2);
  let seed = 12345;
  for (let i = 0; i < samples; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const envelope = 0.5 + 0.5 * Math.sin((2 * Math.PI * i) / 2400); // ~3.3 syllables per second
    const value = Math.round(((seed / 0x7fffffff) * 2 - 1) * 1500 * envelope);
    buffer.writeInt16LE(value, i * 2);
  }
  return buffer;
})();

class Stream {
  bytes = 0;
  markBytes = 0;
  lastChunkAt = 0;
  chunks = 0;
  written = 0;
  upload: ClientRequest | undefined;
  ended = false;
  errors = 0;
  backPressured = 0;

  constructor(readonly id: number) {}
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const streams: Stream[] = [];
const gaps = new Histogram();
let measuring = false;
let markAt = 0;
let started = 0;
let writeTimer: NodeJS.Timeout | undefined;
let cpuAtMark = process.cpuUsage();

function openReader(command: StartCommand, stream: Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${command.url}/callcontrol/${command.dn}/participants/${stream.id}/stream`, { agent, headers: { authorization: `Bearer ${command.token}` } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET stream ${stream.id}: ${res.statusCode}`));
        res.resume();
        return;
      }
      res.on('data', (chunk: Buffer) => {
        const now = nowMs();
        if (measuring && stream.lastChunkAt > 0) gaps.record(now - stream.lastChunkAt);
        stream.lastChunkAt = now;
        stream.bytes += chunk.length;
        stream.chunks++;
      });
      res.on('end', () => {
        stream.ended = true;
      });
      res.on('error', () => stream.errors++);
      resolve();
    });
    req.on('error', (error) => {
      stream.errors++;
      reject(error);
    });
    req.end();
  });
}

function openUpload(command: StartCommand, stream: Stream): Promise<void> {
  const req = request(`${command.url}/callcontrol/${command.dn}/participants/${stream.id}/stream`, {
    agent,
    method: 'POST',
    headers: { authorization: `Bearer ${command.token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
  });
  req.on('error', () => stream.errors++);
  req.on('response', (res) => res.resume());
  req.flushHeaders();
  stream.upload = req;
  // Resolved once connected: uploads are opened a few at a time, like readers, so the listen backlog never overflows.
  return new Promise((resolve) => {
    req.once('error', () => resolve());
    req.once('socket', (socket) => {
      if (!socket.connecting) resolve();
      else socket.once('connect', () => resolve());
    });
  });
}

/** Writes what is due on every upload: real time since start plus the lead, in whole samples. */
function writeDue(leadMs: number): void {
  const due = Math.floor((nowMs() - started + leadMs) * BYTES_PER_MS) & ~1;
  for (const stream of streams) {
    const upload = stream.upload;
    if (!upload || upload.destroyed) continue;
    let missing = due - stream.written;
    while (missing > 0) {
      const offset = stream.written % CONTENT.length;
      const length = Math.min(missing, CONTENT.length - offset);
      if (!upload.write(CONTENT.subarray(offset, offset + length))) stream.backPressured++;
      stream.written += length;
      missing -= length;
    }
  }
}

async function start(command: StartCommand): Promise<void> {
  for (const id of command.ids) streams.push(new Stream(id));
  // Readers first (they hear the echo of the uploads), a few at a time so the listen backlog never overflows.
  for (let i = 0; i < streams.length; i += 32) await Promise.all(streams.slice(i, i + 32).map((s) => openReader(command, s)));
  // Uploads are opened (headers only: the server plays silence and counts no underrun before the first byte), then
  // all start their real-time schedule together.
  for (let i = 0; i < streams.length; i += 32) await Promise.all(streams.slice(i, i + 32).map((s) => openUpload(command, s)));
  started = nowMs();
  writeDue(command.leadMs);
  writeTimer = setInterval(() => writeDue(command.leadMs), command.writeMs);
  sendToParent({ type: 'started', streams: streams.length });
}

function report(): void {
  const elapsedMs = nowMs() - markAt;
  measuring = false;
  const cpu = process.cpuUsage(cpuAtMark);
  sendToParent({
    type: 'report',
    elapsedMs,
    bytesPerSecond: streams.map((s) => ((s.bytes - s.markBytes) * 1000) / elapsedMs),
    gaps: gaps.toData(),
    ended: streams.filter((s) => s.ended).length,
    errors: streams.reduce((a, s) => a + s.errors, 0),
    backPressured: streams.reduce((a, s) => a + s.backPressured, 0),
    cpuCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
  });
}

process.on('uncaughtException', (error) => {
  console.error('streams generator:', error);
  process.exit(1);
});

runGenerator(
  {
    start: (message) => start(message as unknown as StartCommand),
    mark: () => {
      for (const stream of streams) stream.markBytes = stream.bytes;
      markAt = nowMs();
      cpuAtMark = process.cpuUsage();
      measuring = true;
      sendToParent({ type: 'marked' });
    },
    report,
  },
  () => {
    clearInterval(writeTimer);
    for (const stream of streams) stream.upload?.destroy();
    agent.destroy();
  },
);
