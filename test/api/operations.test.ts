// Operations: request logs with request ids, call lifecycle at debug, GET /metrics, security headers, stream limits.

import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { LogOptions } from '../../src/api/app.js';
import { HTML_CONTENT_SECURITY_POLICY } from '../../src/api/security-headers.js';
import type { LogLevel } from '../../src/config/types.js';
import { createTestApp, type TestApp } from '../helpers/api.js';

const APP_DID = '+15550100';

/** A pino destination that keeps the JSON lines. */
function captureLog(level: LogLevel): { log: LogOptions; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: { level, destination: { write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>) } } };
}

/** An external caller on route point 800 (auto-answer): the route point's participant id. */
function callApp(t: TestApp, from = '+15557654321'): number {
  const caller = t.pbx.placeInboundCall({ from, to: APP_DID });
  return t.pbx.listParticipants('800').find((p) => p.callId === caller.callId)!.id;
}

/** Opens GET .../stream over a real socket; resolves with the response once its head has arrived. */
function openReader(port: number, path: string, token: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, resolve);
    request.on('error', reject);
    request.end();
  });
}

async function bodyOf(response: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

describe('request logs', () => {
  test('one info line per request with its id; the id is echoed as X-Request-Id; a plain client id is kept, a hostile one replaced', async (ctx) => {
    const { log, lines } = captureLog('info');
    const t = await createTestApp(ctx, { app: { log } });
    ctx.after(() => t.close());
    await t.token();
    lines.length = 0;

    const first = await t.get('/callcontrol/800');
    const kept = await t.get('/callcontrol/800/participants', { headers: { 'x-request-id': 'dialer-42.a:b' } });
    const replaced = await t.get('/callcontrol/800', { headers: { 'x-request-id': 'evil\u0001id with spaces' } });

    assert.equal(kept.headers['x-request-id'], 'dialer-42.a:b');
    for (const response of [first, replaced]) assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(lines.length, 3, 'exactly one line per request');
    assert.deepEqual(
      lines.map((line) => [line['reqId'], line['msg'], line['level'], line['method'], line['route'], line['statusCode']]),
      [
        [first.headers['x-request-id'], 'request', 30, 'GET', '/callcontrol/:dnnumber', 200],
        ['dialer-42.a:b', 'request', 30, 'GET', '/callcontrol/:dnnumber/participants', 200],
        [replaced.headers['x-request-id'], 'request', 30, 'GET', '/callcontrol/:dnnumber', 200],
      ],
    );
    assert.equal(lines[0]!['url'], '/callcontrol/800');
    assert.equal(typeof lines[0]!['ms'], 'number');
    assert.ok(!JSON.stringify(lines).includes('Bearer'), 'tokens never reach the log');
  });

  test('at debug the call lifecycle is logged, one line per core event; at info it is not', async (ctx) => {
    const debug = captureLog('debug');
    const t = await createTestApp(ctx, { app: { log: debug.log } });
    ctx.after(() => t.close());
    const id = callApp(t);
    t.pbx.drop('800', id);
    const calls = debug.lines.filter((line) => line['component'] === 'pbx' && line['msg'] === 'call');
    assert.ok(calls.some((line) => line['event'] === 'participant-upserted' && line['dn'] === '800' && line['participant'] === id && line['status'] === 'Connected'));
    assert.ok(calls.some((line) => line['event'] === 'participant-removed' && line['dn'] === '800' && line['participant'] === id && line['cause'] === 'dropped'));
    assert.ok(calls.every((line) => line['level'] === 20));

    const info = captureLog('info');
    const quiet = await createTestApp(ctx, { app: { log: info.log } });
    ctx.after(() => quiet.close());
    quiet.pbx.drop('800', callApp(quiet));
    assert.deepEqual(info.lines, []);
  });
});

describe('GET /metrics', () => {
  test('Prometheus text with calls, participants, streams, event sockets, events sent and per-route request counts and latencies', async (ctx) => {
    const t = await createTestApp(ctx);
    ctx.after(() => t.close());
    await t.get('/callcontrol/800');
    await t.get('/callcontrol/800');
    await t.get('/callcontrol/nope');
    callApp(t);

    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = response.body;
    const value = (series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} is exported`);
      return Number(line.slice(series.length + 1));
    };
    assert.equal(value('switchboard_calls'), 1);
    assert.equal(value('switchboard_participants'), 2, 'the caller (trunk) and the route point');
    assert.equal(value('switchboard_streams{direction="read"}'), 0);
    assert.equal(value('switchboard_streams{direction="write"}'), 0);
    assert.equal(value('switchboard_websocket_clients'), 0);
    assert.equal(value('switchboard_events_sent_total'), 0);
    assert.equal(value('switchboard_http_requests_total{method="GET",route="/callcontrol/:dnnumber",status_code="200"}'), 2);
    assert.equal(value('switchboard_http_requests_total{method="GET",route="/callcontrol/:dnnumber",status_code="404"}'), 1);
    assert.equal(value('switchboard_http_request_duration_seconds_count{method="GET",route="/callcontrol/:dnnumber"}'), 3);
    assert.ok(text.includes('process_resident_memory_bytes'), 'process metrics too');
    assert.ok(!text.includes('+15557654321'), 'no phone numbers in labels');
  });
});

describe('security headers', () => {
  test('HTML pages get a strict CSP and no framing; every response says nosniff; JSON responses get no CSP', async (ctx) => {
    const t = await createTestApp(ctx);
    ctx.after(() => t.close());
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['content-security-policy'], HTML_CONTENT_SECURITY_POLICY);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.ok(!/<script>(?!\s*<\/script>)[^<]/.test(page.body), 'the API docs page has no inline script the policy would block');

    const json = await t.get('/callcontrol/800');
    assert.equal(json.headers['x-content-type-options'], 'nosniff');
    assert.equal(json.headers['content-security-policy'], undefined);
  });
});

describe('stream concurrency limits', () => {
  test('readers beyond the per-participant limit, and streams beyond the per-application limit, get 429 TooManyStreams; closing one frees a slot', async (ctx) => {
    const t = await createTestApp(ctx, { app: { streamLimits: { readersPerParticipant: 2, perApplication: 3 } } });
    ctx.after(() => t.close());
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as AddressInfo).port;
    const token = await t.token();
    const first = `/callcontrol/800/participants/${callApp(t, '+15550001')}/stream`;
    const second = `/callcontrol/800/participants/${callApp(t, '+15550002')}/stream`;

    const a = await openReader(port, first, token);
    const b = await openReader(port, first, token);
    assert.deepEqual([a.statusCode, b.statusCode], [200, 200]);
    const third = await openReader(port, first, token);
    assert.equal(third.statusCode, 429);
    assert.deepEqual(await bodyOf(third), {
      finalstatus: 'Rejected',
      reason: 'TooManyStreams',
      result: null,
      reasontext: 'the participant already has 2 readers, the most allowed (2)',
    });

    const c = await openReader(port, second, token);
    assert.equal(c.statusCode, 200, 'another participant has its own reader limit');
    const overApp = await openReader(port, second, token);
    assert.equal(overApp.statusCode, 429);
    assert.deepEqual(await bodyOf(overApp), {
      finalstatus: 'Rejected',
      reason: 'TooManyStreams',
      result: null,
      reasontext: 'application 800 already has 3 audio streams open, the most allowed (3)',
    });
    const upload = await t.post(second, undefined, { raw: Buffer.alloc(320), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(upload.status, 429, 'uploads count against the application limit too');
    assert.equal((upload.json as { reason: string }).reason, 'TooManyStreams');

    const metrics = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(await metrics(), /^switchboard_streams\{direction="read"\} 3$/m);
    a.destroy();
    let lastMetrics = '';
    for (let i = 0; i < 10_000 && !/^switchboard_streams\{direction="read"\} 2$/m.test(lastMetrics); i++) {
      await new Promise((resolve) => setImmediate(resolve)); // lets the socket's close reach the server
      lastMetrics = await metrics();
    }
    assert.match(lastMetrics, /^switchboard_streams\{direction="read"\} 2$/m, 'the closed reader freed its slot');
    const again = await openReader(port, second, token);
    assert.equal(again.statusCode, 200);
    for (const response of [b, c, again]) response.destroy();
  });
});
