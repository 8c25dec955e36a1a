// Slow and idle connections are cut off within the connection deadlines (short ones here), while valid clients carry on.

import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { loadTlsMaterial } from '../../src/api/certificates.js';
import { listen, type Listener } from '../../src/api/listener.js';
import { createTestApp, type TestApp } from '../helpers/api.js';

const DEADLINES = { headMs: 600, bodyIdleMs: 600, idleMs: 900, checkIntervalMs: 50 };
/** How late past its deadline a connection may be cut on a loaded 2-core machine. */
const SLACK_MS = 5000;
const SLOW_CONNECTIONS = 300;
const TRICKLE_MS = 100;

interface Watched {
  socket: Socket;
  openedAt: number;
  closedAt?: number;
  /** Set once connected (and the connect callback has written its first bytes). */
  connected: boolean;
  received: string;
}

function open(port: number, onConnect: (socket: Socket) => void = () => {}): Watched {
  const socket = connect(port, '127.0.0.1');
  const watched: Watched = { socket, openedAt: performance.now(), connected: false, received: '' };
  socket.on('connect', () => {
    onConnect(socket);
    watched.connected = true;
  });
  socket.on('data', (data: Buffer) => (watched.received += data.toString('latin1')));
  socket.on('error', () => {});
  socket.on('close', () => (watched.closedAt = performance.now()));
  return watched;
}

/** Waits, in bounded real time, until `condition` holds. */
async function waitFor(condition: () => boolean, what: string, maxMs = 20_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > maxMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function get(port: number, agent: Agent, path: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe('connection deadlines', () => {
  let api: TestApp;
  let listener: Listener;
  let port: number;

  before(async () => {
    api = await createTestApp();
    // A route that reads its body as it arrives, as an audio upload does.
    api.app.addContentTypeParser('application/x-slow-upload', (_request, payload, done) => {
      let bytes = 0;
      payload.on('data', (chunk: Buffer) => (bytes += chunk.length));
      payload.on('end', () => done(null, bytes));
    });
    api.app.post('/test/upload', { schema: { hide: true } }, async (request) => ({ bytes: request.body }));
    listener = await listen(api.app, { host: '127.0.0.1', port: 0, tls: null, guard: { deadlines: DEADLINES } });
    port = listener.address().port;
  });
  after(async () => {
    await listener.close();
    await api.close();
  });

  test(`${SLOW_CONNECTIONS} connections trickling header lines get 408 at the head deadline; a valid client keeps its latency`, async (t) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const baseline: number[] = [];
    for (let i = 0; i < 30; i++) baseline.push((await get(port, agent, '/healthz')).ms);

    const slow: Watched[] = [];
    const trickle = setInterval(() => {
      // Only after the request line: a header line queued before it would make a malformed request (400), not a slow one.
      for (const connection of slow) if (connection.connected && connection.closedAt === undefined && connection.socket.writable) connection.socket.write('X-Slow: 1\r\n');
    }, TRICKLE_MS);
    t.after(() => clearInterval(trickle));
    for (let i = 0; i < SLOW_CONNECTIONS; i++) slow.push(open(port, (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n')));

    const during: number[] = [];
    while (slow.some((connection) => connection.closedAt === undefined)) {
      const answer = await get(port, agent, '/healthz');
      assert.equal(answer.status, 200);
      during.push(answer.ms);
      if (performance.now() - slow[0]!.openedAt > DEADLINES.headMs + SLACK_MS + 5000) break;
    }
    await waitFor(() => slow.every((connection) => connection.closedAt !== undefined), 'every slow connection is closed');
    const lifetimes = slow.map((connection) => connection.closedAt! - connection.openedAt);
    for (const lifetime of lifetimes) {
      assert.ok(lifetime >= DEADLINES.headMs - 50, `cut after ${lifetime.toFixed(0)} ms, before the ${DEADLINES.headMs} ms deadline`);
      assert.ok(lifetime <= DEADLINES.headMs + SLACK_MS, `cut after ${lifetime.toFixed(0)} ms`);
    }
    for (const connection of slow) assert.match(connection.received, /^HTTP\/1\.1 408 /);
    const baseMedian = median(baseline);
    const duringMedian = median(during);
    t.diagnostic(`slow connections closed after ${Math.min(...lifetimes).toFixed(0)}-${Math.max(...lifetimes).toFixed(0)} ms (deadline ${DEADLINES.headMs} ms)`);
    t.diagnostic(`valid client: ${during.length} requests during the attack, median ${duringMedian.toFixed(2)} ms (before: ${baseMedian.toFixed(2)} ms), max ${Math.max(...during).toFixed(1)} ms`);
    assert.ok(during.length >= 5, `only ${during.length} valid requests while the attack lasted`);
    assert.ok(duringMedian <= baseMedian * 10 + 20, `median latency ${duringMedian.toFixed(2)} ms during the attack, ${baseMedian.toFixed(2)} ms before`);
  });

  test('a body that stops arriving gets 408 after the body idle deadline', async () => {
    const stalled = open(port, (socket) => socket.write('POST /test/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-slow-upload\r\nContent-Length: 1000\r\n\r\n0123456789'));
    await waitFor(() => stalled.closedAt !== undefined, 'the stalled upload is closed');
    const lifetime = stalled.closedAt! - stalled.openedAt;
    assert.ok(lifetime >= DEADLINES.bodyIdleMs - 50 && lifetime <= DEADLINES.bodyIdleMs + SLACK_MS, `closed after ${lifetime.toFixed(0)} ms`);
    assert.match(stalled.received, /^HTTP\/1\.1 408 /);
  });

  test('a chunked upload that keeps sending outlives every deadline and is answered', async (t) => {
    let sent = 0;
    const upload = open(port, (socket) => socket.write('POST /test/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-slow-upload\r\nTransfer-Encoding: chunked\r\n\r\n'));
    const chunks = setInterval(() => {
      if (!upload.socket.writable) return;
      upload.socket.write('a\r\n0123456789\r\n');
      sent += 10;
    }, TRICKLE_MS);
    t.after(() => clearInterval(chunks));
    const longest = Math.max(DEADLINES.headMs, DEADLINES.bodyIdleMs, DEADLINES.idleMs) * 2;
    await waitFor(() => performance.now() - upload.openedAt > longest || upload.closedAt !== undefined, 'the upload has run past every deadline');
    assert.equal(upload.closedAt, undefined, 'the active upload was cut off');
    clearInterval(chunks);
    upload.socket.write('0\r\n\r\n');
    await waitFor(() => upload.received.includes('}'), 'the upload is answered');
    assert.match(upload.received, /^HTTP\/1\.1 200 /);
    assert.ok(upload.received.includes(`{"bytes":${sent}}`), upload.received);
  });

  test('a kept-alive connection silent after its answer is closed after the idle deadline, without an answer', async () => {
    const idle = open(port, (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitFor(() => idle.received.includes('"ok"'), 'the first answer');
    const answeredAt = performance.now();
    const firstAnswer = idle.received;
    await waitFor(() => idle.closedAt !== undefined, 'the idle connection is closed');
    const silence = idle.closedAt! - answeredAt;
    assert.ok(silence >= DEADLINES.idleMs - 100 && silence <= DEADLINES.idleMs + SLACK_MS, `closed after ${silence.toFixed(0)} ms of silence`);
    assert.equal(idle.received, firstAnswer, 'nothing more was written');
  });

  test('a connection that sends nothing at all is closed at the head deadline', async () => {
    const silent = open(port);
    await waitFor(() => silent.closedAt !== undefined, 'the silent connection is closed');
    const lifetime = silent.closedAt! - silent.openedAt;
    assert.ok(lifetime >= DEADLINES.headMs - 50 && lifetime <= DEADLINES.headMs + SLACK_MS, `closed after ${lifetime.toFixed(0)} ms`);
  });
});

test('connections beyond the per-source limit are closed unread; a freed slot is usable again', async (t) => {
  const api = await createTestApp(t);
  const listener = await listen(api.app, { host: '127.0.0.1', port: 0, tls: null, guard: { maxConnectionsPerSource: 4 } });
  t.after(() => listener.close());
  const port = listener.address().port;
  const held = Array.from({ length: 4 }, () => open(port));
  await waitFor(() => held.every((c) => c.socket.readyState === 'open'), 'four connections are open');
  // Each held connection is known to the server once it answers a request on it.
  for (const c of held) c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => held.every((c) => c.received.includes('"ok"')), 'the four are answered');
  const refused = open(port, (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
  await waitFor(() => refused.closedAt !== undefined, 'the fifth connection is closed');
  assert.equal(refused.received, '', 'a refused connection gets no answer');
  held[0]!.socket.destroy();
  await waitFor(() => held[0]!.closedAt !== undefined, 'one held connection is closed');
  // The server may see the close a moment after the client: retry until the slot is free (bounded).
  let answered = false;
  for (let attempt = 0; attempt < 50 && !answered; attempt++) {
    const again = open(port, (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
    await waitFor(() => again.received.includes('"ok"') || again.closedAt !== undefined, 'the new connection is answered or closed');
    answered = again.received.includes('"ok"');
    again.socket.destroy();
  }
  assert.ok(answered, 'a connection after a freed slot is served');
  for (const c of held) c.socket.destroy();
});

test('over TLS: a connection silent after its handshake, and one that never finishes it, are both closed', async (t) => {
  const api = await createTestApp(t);
  const material = await loadTlsMaterial(api.config.server.tls, api.dataDir);
  const listener = await listen(api.app, { host: '127.0.0.1', port: 0, tls: material, guard: { deadlines: DEADLINES, tlsHandshakeTimeoutMs: DEADLINES.headMs } });
  t.after(() => listener.close());
  const port = listener.address().port;
  let handshakeAt = 0;
  let closedAt: number | undefined;
  const secure = tlsConnect({ host: '127.0.0.1', port, ca: material.cert, servername: 'localhost' }, () => (handshakeAt = performance.now()));
  secure.on('error', () => {});
  secure.resume(); // a paused socket would not notice the server's close
  secure.on('close', () => (closedAt = performance.now()));
  // A handshake that starts (a TLS record header) and never goes on.
  const stuck = open(port, (socket) => socket.write(Buffer.from([0x16, 0x03, 0x01])));
  await waitFor(() => closedAt !== undefined && stuck.closedAt !== undefined, `both TLS connections are closed (${closedAt}, ${stuck.closedAt}, ${handshakeAt})`);
  assert.ok(handshakeAt > 0, 'the handshake completed');
  const silence = closedAt! - handshakeAt;
  assert.ok(silence >= DEADLINES.headMs - 100 && silence <= DEADLINES.headMs + SLACK_MS, `closed ${silence.toFixed(0)} ms after the handshake`);
  const stuckFor = stuck.closedAt! - stuck.openedAt;
  assert.ok(stuckFor <= DEADLINES.headMs + SLACK_MS, `an unfinished handshake was kept ${stuckFor.toFixed(0)} ms`);
});
