// A client that floods the event socket with frames: everything stays bounded and the server stays responsive.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_WS_INFLIGHT_REQUESTS } from '../../src/limits.js';
import { until } from '../helpers/api.js';
import { MirrorClient, startWsServer, type WsServer } from '../helpers/ws.js';

interface SocketResponse {
  RequestID: string;
  StatusCode: number;
  Response: unknown;
}

const RESPONSE = 4;
const GARBAGE = ['ping', '', '[]', 'null', '{"subscribe":["800"]}', '{"type":"keepalive"}', 'not json at all {', '42'];

describe('event socket under a flood of client frames', () => {
  let ws: WsServer;
  before(async () => {
    ws = await startWsServer();
  });
  after(() => ws.close());

  test('non-requests are ignored, each invalid request gets one answer, at most 16 requests pend (the rest 429), REST stays responsive', async () => {
    const client = await MirrorClient.connect(ws, { mirror: false });
    const responses = (): SocketResponse[] => client.frames.filter((f) => f.event.event_type === RESPONSE).map((f) => f.event.attached_data as SocketResponse);
    ws.server.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    const app = ws.server.pbx.listParticipants('800')[0]!;
    assert.equal(app.status, 'Connected');

    const GARBAGE_FRAMES = 5000;
    const INVALID = 500;
    const PENDING = 40; // routeto to 103, which never answers: each waits for its outcome on the (fake) clock
    for (let i = 0; i < GARBAGE_FRAMES; i++) client.socket.send(GARBAGE[i % GARBAGE.length]!);
    for (let i = 0; i < INVALID; i++) client.socket.send(JSON.stringify({ RequestID: `bad-${i}`, Path: `/sim/reset/${i}` }));
    for (let i = 0; i < PENDING; i++) {
      client.socket.send(JSON.stringify({ RequestID: `route-${i}`, Path: `/callcontrol/800/participants/${app.id}/routeto`, RequestData: { destination: '103' } }));
    }

    const refused = PENDING - MAX_WS_INFLIGHT_REQUESTS;
    await until(() => responses().length >= INVALID + refused, 'the invalid and the refused requests are answered');
    const early = responses();
    assert.equal(early.filter((r) => r.RequestID.startsWith('bad-') && r.StatusCode === 400).length, INVALID, 'one 400 per invalid request');
    const routeAnswers = early.filter((r) => r.RequestID.startsWith('route-'));
    assert.equal(routeAnswers.length, refused);
    assert.ok(routeAnswers.every((r) => r.StatusCode === 429), 'requests beyond the pending limit are refused with 429');
    assert.equal(client.closeCode, undefined, 'the flood does not close the socket');

    const rest = await ws.get('/callcontrol/800');
    assert.equal(rest.status, 200, 'REST answers while the socket has requests pending');

    ws.clock.advance(31_000); // the ring timeout ends every attempt: the pending requests get their outcomes
    await until(() => responses().length === INVALID + PENDING, 'the pending requests are answered');
    const settled = responses().filter((r) => r.RequestID.startsWith('route-') && r.StatusCode !== 429);
    assert.equal(settled.length, MAX_WS_INFLIGHT_REQUESTS);
    assert.ok(
      settled.every((r) => r.StatusCode === 424),
      `every pending routeto ends NoAnswer: ${JSON.stringify(settled.map((r) => r.StatusCode))}`,
    );

    client.socket.send(JSON.stringify({ RequestID: 'after', Path: `/callcontrol/800/participants/${app.id}/drop` }));
    await until(() => responses().some((r) => r.RequestID === 'after'), 'the request after the flood is answered');
    assert.equal(responses().find((r) => r.RequestID === 'after')!.StatusCode, 200, 'slots are free again once the pending requests ended');
    assert.equal(responses().length, INVALID + PENDING + 1, 'no frame was answered twice, no ignored frame was answered');
    client.close();
  });
});
