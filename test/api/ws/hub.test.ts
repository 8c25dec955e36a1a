// Unit tests of the event socket's parts: frame encoding, fan-out and sequences, slow consumers, liveness, request parsing.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { encodeFrame, toWireEvent } from '../../../src/api/ws/frames.js';
import { CLOSE_SLOW_CONSUMER, EventHub, type EventSocket } from '../../../src/api/ws/hub.js';
import { Liveness, type PingableSocket } from '../../../src/api/ws/liveness.js';
import { parseSocketMessage } from '../../../src/api/ws/requests.js';
import { only, startPbx } from '../../helpers/pbx.js';

class FakeSocket implements EventSocket {
  frames: string[] = [];
  bufferedAmount = 0;
  closedWith: [number, string] | undefined;
  terminated = false;
  send(data: string) {
    this.frames.push(data);
  }
  close(code: number, reason: string) {
    this.closedWith = [code, reason];
  }
  terminate() {
    this.terminated = true;
  }
  events() {
    return this.frames.map((frame) => JSON.parse(frame) as { sequence: number; event: { event_type: number; entity: string; attached_data: unknown } });
  }
}

describe('frames', () => {
  test('keys in 3CX order, numeric event type, null attached data for Upsert and Remove', () => {
    assert.equal(encodeFrame(7, 0, '/callcontrol/800/participants/3', null), '{"sequence":7,"event":{"event_type":0,"entity":"/callcontrol/800/participants/3","attached_data":null}}');
  });

  test('device entities carry the id percent-encoded; DTMF carries dtmf_input; attached data makes no frame', () => {
    const device = toWireEvent({ type: 'device-added', device: { dn: '101', deviceId: 'sip:101@127.0.0.1:5261;transport=tcp', userAgent: 'x' } });
    assert.deepEqual(device, { dn: '101', eventType: 0, entity: '/callcontrol/101/devices/sip%3A101%40127.0.0.1%3A5261%3Btransport%3Dtcp', attachedData: null });
    assert.deepEqual(toWireEvent({ type: 'dtmf', dn: '800', participantId: 4, digits: '5' }), { dn: '800', eventType: 2, entity: '/callcontrol/800/participants/4', attachedData: { dtmf_input: '5' } });
    assert.deepEqual(toWireEvent({ type: 'playback-finished', dn: '800', participantId: 4 })?.eventType, 3);
    assert.equal(toWireEvent({ type: 'participant-data', dn: '800', participantId: 4, attachedData: {} }), undefined);
  });
});

describe('event hub', () => {
  const app800 = { clientId: '800', secret: 'x'.repeat(8), monitor: ['100'] };
  const appOther = { clientId: '800', secret: 'x'.repeat(8), monitor: [] as string[] };

  test('each connection gets the frames of the DNs it may see, with one strictly increasing sequence', () => {
    const t = startPbx();
    const hub = new EventHub(t.pbx, { maxBufferedBytes: 1 << 20 });
    const monitoring = new FakeSocket();
    const routePointOnly = new FakeSocket();
    hub.add(app800, monitoring, 'token');
    hub.add(appOther, routePointOnly, 'token');
    t.pbx.makeCall({ dn: '100', destination: '800' }); // Alice calls the route point, which answers
    const alice = only(t.pbx, '100');
    const app = only(t.pbx, '800');
    assert.deepEqual(
      monitoring.events().map((f) => [f.sequence, f.event.event_type, f.event.entity]),
      [
        [1, 0, `/callcontrol/100/participants/${alice.id}`],
        [2, 0, `/callcontrol/800/participants/${app.id}`],
        [3, 0, `/callcontrol/800/participants/${app.id}`],
        [4, 0, `/callcontrol/100/participants/${alice.id}`],
      ],
    );
    assert.deepEqual(
      routePointOnly.events().map((f) => [f.sequence, f.event.entity]),
      [
        [2, `/callcontrol/800/participants/${app.id}`],
        [3, `/callcontrol/800/participants/${app.id}`],
      ],
      'the same frame text, same sequence; frames of 100 are not sent to an application that does not monitor it',
    );
  });

  test('a connection that stops reading is closed with 1008 while the others keep receiving', () => {
    const t = startPbx();
    const hub = new EventHub(t.pbx, { maxBufferedBytes: 1000 });
    const slow = new FakeSocket();
    const healthy = new FakeSocket();
    hub.add(app800, slow, 'token');
    hub.add(app800, healthy, 'token');
    slow.bufferedAmount = 5000;
    t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    assert.deepEqual(slow.closedWith, [CLOSE_SLOW_CONSUMER, 'client is not reading its events']);
    assert.equal(slow.terminated, true);
    assert.equal(slow.frames.length, 0);
    assert.equal(healthy.frames.length, 2);
    assert.equal(hub.connectionCount, 1);
  });

  test('close() closes every connection and stops listening', () => {
    const t = startPbx();
    const hub = new EventHub(t.pbx, { maxBufferedBytes: 1 << 20 });
    const socket = new FakeSocket();
    hub.add(app800, socket, 'token');
    hub.close(1001, 'server shutting down');
    assert.deepEqual(socket.closedWith, [1001, 'server shutting down']);
    t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    assert.equal(socket.frames.length, 0);
  });
});

/** A socket like ws.WebSocket: frames go to a TCP socket (`_socket`) that holds writes while corked. */
class CorkableSocket extends FakeSocket {
  /** What reached the network, one entry per write: the frames that left together. */
  writes: string[][] = [];
  private held: string[] = [];
  private depth = 0;
  readonly _socket = {
    cork: () => void this.depth++,
    uncork: () => {
      if (this.depth > 0 && --this.depth === 0 && this.held.length > 0) this.writes.push(this.held.splice(0));
    },
  };
  override send(data: string | Buffer) {
    super.send(String(data));
    if (this.depth > 0) this.held.push(String(data));
    else this.writes.push([String(data)]);
  }
}

describe('event hub batching', () => {
  const app800 = { clientId: '800', secret: 'x'.repeat(8), monitor: ['100'] };

  test('the frames of one event-loop turn leave together at its end, as one write per socket', async () => {
    const t = startPbx();
    const hub = new EventHub(t.pbx, { maxBufferedBytes: 1 << 20 });
    const socket = new CorkableSocket();
    hub.add(app800, socket, 'token');
    t.pbx.makeCall({ dn: '100', destination: '800' }); // four frames for this application
    assert.equal(socket.writes.length, 0, 'held while the turn runs');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(socket.writes.length, 1);
    assert.deepEqual(socket.writes[0]!.map((f) => (JSON.parse(f) as { sequence: number }).sequence), [1, 2, 3, 4]);
  });

  test('flush() writes the held frames at once (the API does it before every response); close() flushes first', () => {
    const t = startPbx();
    const hub = new EventHub(t.pbx, { maxBufferedBytes: 1 << 20 });
    const socket = new CorkableSocket();
    hub.add(app800, socket, 'token');
    t.pbx.makeCall({ dn: '100', destination: '800' });
    hub.flush();
    assert.equal(socket.writes.length, 1);
    assert.equal(socket.writes[0]!.length, 4);
    t.pbx.endAllCalls();
    hub.close(1001, 'bye');
    assert.equal(socket.writes.length, 2, 'the Remove frames left before the close');
    assert.deepEqual(socket.closedWith, [1001, 'bye']);
  });
});

describe('liveness', () => {
  class PingSocket implements PingableSocket {
    pings = 0;
    terminated = false;
    listeners: (() => void)[] = [];
    ping() {
      this.pings++;
    }
    terminate() {
      this.terminated = true;
    }
    on(_event: 'pong' | 'message', listener: () => void) {
      this.listeners.push(listener);
    }
    hear() {
      this.listeners.forEach((l) => l());
    }
  }

  test('a quiet client is pinged after one interval and terminated if still silent after the next', () => {
    const clock = new ManualClock(0);
    const liveness = new Liveness(clock, 30_000);
    const quiet = new PingSocket();
    const chatty = new PingSocket();
    liveness.track(quiet);
    liveness.track(chatty);
    clock.advance(30_000); // both were heard at connect: nothing yet
    assert.deepEqual([quiet.pings, chatty.pings], [0, 0]);
    chatty.hear();
    clock.advance(30_000);
    assert.deepEqual([quiet.pings, chatty.pings], [1, 0]);
    clock.advance(30_000);
    assert.equal(quiet.terminated, true);
    assert.equal(chatty.terminated, false, 'a ping answered in time keeps it');
    chatty.hear();
    liveness.untrack(chatty);
    assert.equal(clock.pendingTimers(), 0, 'no timer without connections');
  });
});

describe('socket request parsing', () => {
  test('requests, ignored frames and malformed requests', () => {
    assert.deepEqual(parseSocketMessage('{"RequestID":"r1","Path":"/callcontrol/800/participants/5/drop","RequestData":{"Reason":"None"}}'), {
      kind: 'request',
      request: { requestId: 'r1', path: '/callcontrol/800/participants/5/drop', data: { Reason: 'None' } },
    });
    for (const ignored of ['ping', '', '[]', '42', '{"subscribe":"all"}', 'null']) assert.deepEqual(parseSocketMessage(ignored), { kind: 'ignore' }, ignored);
    for (const path of ['/sim/reset', '/connect/token', '/callcontrol/800', '/callcontrol/800/participants/5', '/callcontrol/../sim/reset/x/y', '']) {
      assert.equal(parseSocketMessage(JSON.stringify({ RequestID: 1, Path: path })).kind, 'invalid', path);
    }
    assert.equal(parseSocketMessage('{"RequestID":1,"Path":"/callcontrol/800/makecall","RequestData":"x"}').kind, 'invalid');
    assert.equal(parseSocketMessage('{"RequestID":1,"Path":"/callcontrol/800/devices/sip%3A800%40h/makecall"}').kind, 'request');
  });

  test('keys are matched case-insensitively, as REST body fields are; an exact RequestID wins', () => {
    const drop = '/callcontrol/800/participants/5/drop';
    for (const key of ['RequestId', 'requestid', 'REQUESTID', 'requestID']) {
      assert.deepEqual(parseSocketMessage(JSON.stringify({ [key]: 'r9', path: drop, requestdata: { reason: 'None' } })), {
        kind: 'request',
        request: { requestId: 'r9', path: drop, data: { reason: 'None' } },
      }, key);
    }
    assert.deepEqual(parseSocketMessage(JSON.stringify({ RequestId: 'r-case', PATH: '/sim/reset' })), {
      kind: 'invalid',
      requestId: 'r-case',
      path: '/sim/reset',
      message: "Path '/sim/reset' is not a makecall or participant action path under /callcontrol",
    });
    const both = parseSocketMessage(JSON.stringify({ requestid: 'lower', RequestID: 'exact', Path: drop }));
    assert.equal(both.kind === 'request' ? both.request.requestId : undefined, 'exact');
  });
});
