// The console's server side on a real socket: the live feed (/sim/live), listening to a party, /console unbuilt.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { demoConfig } from '../../src/config/demo.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { LIVE_KEY_PROTOCOL_PREFIX, LIVE_PROTOCOL, type LiveMessage, type LiveSnapshot } from '../../src/client/live-protocol.js';
import { TEST_DEMO_SECRET } from '../helpers/api.js';

const ADMIN_KEY = 'live-feed-test-key';
const WAIT_MS = 5000;

let workDir: string;
let server: RunningServer;

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'switchboard-live-'));
  process.env.SWITCHBOARD_CONSOLE_DIR = join(workDir, 'no-console-here');
  const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
  config.server.dataDir = join(workDir, 'data');
  server = await startServer({ config, host: '127.0.0.1', port: 0, adminKey: ADMIN_KEY });
});

after(async () => {
  await server.close();
  delete process.env.SWITCHBOARD_CONSOLE_DIR;
  rmSync(workDir, { recursive: true, force: true });
});

const sim = (method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/sim${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });

function liveSocket(key: string): WebSocket {
  return new WebSocket(`${server.url.replace('http', 'ws')}/sim/live`, [LIVE_PROTOCOL, LIVE_KEY_PROTOCOL_PREFIX + Buffer.from(key).toString('base64url')]);
}

/** The messages of a live socket, and a way to wait for one that matches. */
function messages(socket: WebSocket) {
  const seen: LiveMessage[] = [];
  const waiters: { match: (m: LiveMessage) => boolean; resolve: (m: LiveMessage) => void }[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as LiveMessage;
    seen.push(message);
    for (const waiter of [...waiters]) {
      if (!waiter.match(message)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  return (match: (m: LiveMessage) => boolean): Promise<LiveMessage> => {
    const found = seen.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such live message in time')), WAIT_MS);
      waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  };
}

describe('/sim/live', () => {
  test('refuses the upgrade with 401 without the admin key or with a wrong one', async () => {
    for (const socket of [new WebSocket(`${server.url.replace('http', 'ws')}/sim/live`, [LIVE_PROTOCOL]), liveSocket('wrong-key')]) {
      const status = await new Promise<number>((resolve, reject) => {
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('open', () => reject(new Error('the upgrade was accepted')));
      });
      assert.equal(status, 401);
    }
  });

  test('sends a snapshot, then the frames applications see, the state with status times, and the application sockets', async (t) => {
    const socket = liveSocket(ADMIN_KEY);
    t.after(() => socket.close());
    const next = messages(socket);
    const snapshot = (await next((m) => m.type === 'snapshot')) as LiveSnapshot;
    assert.equal(socket.protocol, LIVE_PROTOCOL, 'the server answers with the feed protocol, never the key');
    const kinds = Object.fromEntries(snapshot.state.dns.map((dn) => [dn.dn, dn.kind]));
    assert.deepEqual(kinds, { '100': 'extension', '101': 'extension', '102': 'extension', '103': 'extension', '800': 'routepoint', '801': 'ivr', '802': 'queue', '10000': 'externalline' });
    assert.ok(snapshot.state.dids.some((did) => did.number === '+15550100' && did.destination === '800'));
    assert.deepEqual(snapshot.applications, [{ clientId: '800', monitor: ['100', '101', '102', '103', '801', '802'], connections: 0 }]);

    const placed = (await (await sim('POST', '/calls', { from: '+15557654321', to: '+15550100', callerName: 'Erin' })).json()) as { callId: number; partyId: number };
    const withCall = await next((m) => m.state?.calls.some((call) => call.callId === placed.callId) === true);
    const participants = withCall.state!.calls.find((call) => call.callId === placed.callId)!.participants;
    assert.deepEqual(participants.map((p) => [p.dn, p.status]).sort(), [
      ['10000', 'Connected'],
      ['800', 'Connected'],
    ]);
    assert.ok(participants.every((p) => Math.abs(p.since - Date.parse(withCall.state!.clock.now)) < WAIT_MS));

    await sim('POST', `/parties/${placed.partyId}/dtmf`, { digits: '7' });
    const withDtmf = await next((m) => m.frames?.some((frame) => frame.eventType === 2) === true);
    const frame = withDtmf.frames!.find((f) => f.eventType === 2)!;
    const routePoint = participants.find((p) => p.dn === '800')!;
    assert.equal(frame.entity, `/callcontrol/800/participants/${routePoint.id}`);
    assert.deepEqual(frame.attachedData, { dtmf_input: '7' });
    assert.equal(frame.dn, '800');

    // An application connects its event socket: the console sees the count.
    const token = (await (
      await fetch(`${server.url}/connect/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '800', client_secret: TEST_DEMO_SECRET }) })
    ).json()) as { access_token: string };
    const events = new WebSocket(`${server.url.replace('http', 'ws')}/callcontrol/ws`, { headers: { authorization: `Bearer ${token.access_token}` } });
    t.after(() => events.close());
    await next((m) => m.applications?.[0]?.connections === 1);

    // Frames keep the applications' sequence: the application sees the same number as the console.
    const appFrame = new Promise<{ sequence: number }>((resolve) => events.once('message', (data) => resolve(JSON.parse(data.toString()) as { sequence: number })));
    await sim('POST', `/parties/${placed.partyId}/hangup`);
    const { sequence } = await appFrame;
    const removal = await next((m) => m.frames?.some((f) => f.sequence === sequence) === true);
    const removed = removal.frames!.find((f) => f.sequence === sequence)!;
    assert.equal(removed.eventType, 1);
    assert.equal(removed.cause, 'peer-left', 'the console is told why: the caller hung up, so the route point participant left');
    await next((m) => m.state !== undefined && m.state.calls.length === 0);
  });
});

describe('GET /sim/parties/{id}/listen', () => {
  test('streams what a Connected party hears as raw PCM until it leaves; 409 while it rings; the admin key is needed', async () => {
    const ringing = (await (await sim('POST', '/calls', { from: '+15557654322', to: '103' })).json()) as { callId: number };
    const state = (await (await sim('GET', '/state')).json()) as { calls: { callId: number; participants: { id: number; dn: string; status: string }[] }[] };
    const dave = state.calls.find((call) => call.callId === ringing.callId)!.participants.find((p) => p.dn === '103')!;
    assert.equal(dave.status, 'Ringing');
    const refused = await sim('GET', `/parties/${dave.id}/listen`);
    assert.equal(refused.status, 409);
    assert.equal(((await refused.json()) as { error: string }).error, 'InvalidState');
    assert.equal((await fetch(`${server.url}/sim/parties/${dave.id}/listen`)).status, 401);
    await sim('POST', `/parties/${dave.id}/hangup`);

    const placed = (await (await sim('POST', '/calls', { from: '+15557654323', to: '+15550100' })).json()) as { partyId: number };
    await sim('POST', `/parties/${placed.partyId}/audio`, { tone: 1000, ms: 200 }); // the route point hears it; the caller hears silence
    const response = await sim('GET', `/parties/${placed.partyId}/listen`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    const reader = response.body!.getReader();
    let bytes = 0;
    while (bytes < 640) {
      const { value, done } = await reader.read();
      assert.equal(done, false);
      bytes += value!.byteLength;
    }
    await sim('POST', `/parties/${placed.partyId}/hangup`);
    for (;;) if ((await reader.read()).done) break; // the stream ends when the party leaves
  });
});

describe('/console', () => {
  test('answers a page saying to build it when the console was not built', async () => {
    const redirect = await fetch(`${server.url}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/console/');
    const page = await fetch(`${server.url}/console/`);
    assert.equal(page.status, 503);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /npm run build/);
  });
});
