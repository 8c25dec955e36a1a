// Socket requests run only the documented action shapes: no spelling of `..`, backslash or empty segment leaves /callcontrol.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isSocketActionPath } from '../../src/api/ws/action-path.js';
import { MirrorClient, startWsServer, type WsServer } from '../helpers/ws.js';

const TRAVERSALS = [
  '/callcontrol/../participants/../healthz',
  '/callcontrol/%2e%2e/participants/%2E%2E/healthz',
  '/callcontrol/.%2e/participants/%2e./healthz',
  '/callcontrol/800/participants/..%2f..%2fhealthz/drop',
  '/callcontrol/..\\participants\\..\\healthz',
  '/callcontrol/800/participants/%5c..%5c/drop',
  '/callcontrol//participants/1/drop',
  '/callcontrol/./makecall',
  '/callcontrol/800/participants/1/drop?x=/../../healthz',
  '/callcontrol/800/participants/1/%64rop',
  '/callcontrol/800/participants/1/stream',
  '/callcontrol/800/participants/%zz/drop',
];

const ACCEPTED = [
  '/callcontrol/800/makecall',
  '/callcontrol/101/devices/sip%3A101%40127.0.0.1%3A5261%3Btransport%3Dtcp/makecall',
  '/callcontrol/800/participants/7/drop',
  '/callcontrol/800/participants/7/attach_party_data',
];

test('the path check refuses every traversal spelling and accepts the documented shapes', () => {
  for (const path of TRAVERSALS) assert.equal(isSocketActionPath(path), false, path);
  for (const path of ACCEPTED) assert.equal(isSocketActionPath(path), true, path);
});

let ws: WsServer;
before(async () => {
  ws = await startWsServer();
});
after(async () => {
  await ws.close();
});

test('over the socket, traversal paths are answered 400 MalformedRequest and never reach another route', async () => {
  const mirror = await MirrorClient.connect(ws, { mirror: false });
  TRAVERSALS.forEach((path, i) => mirror.socket.send(JSON.stringify({ RequestID: `t-${i}`, Path: path, RequestData: {} })));
  await mirror.waitFrames(TRAVERSALS.length);
  const responses = mirror.frames.filter((f) => f.event.event_type === 4).map((f) => f.event.attached_data as { RequestID: string; StatusCode: number; Response: { error?: string } });
  assert.equal(responses.length, TRAVERSALS.length);
  for (const response of responses) {
    const path = TRAVERSALS[Number(response.RequestID.slice(2))];
    assert.equal(response.StatusCode, 400, `${path} answered ${response.StatusCode}`);
    assert.equal(response.Response.error, 'MalformedRequest', path);
  }
  mirror.close();
});
