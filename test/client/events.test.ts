// CallControlClient.events() against the real server, driven with SimClient: calls, DTMF, devices, timeouts, reconnects.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type {} from '@fastify/websocket';
import { devicePath, EventType, participantIdOf, type EventFrame, type EventStream, type EventStreamStatus, type Participant } from '../../src/client/index.js';
import { startE2e } from './harness.js';

/** Resolves the next time onStatus reports `state`. */
function statusWatch() {
  const waiters: { state: string; resolve(status: EventStreamStatus): void }[] = [];
  return {
    onStatus(status: EventStreamStatus) {
      for (const waiter of waiters.filter((w) => w.state === status.state)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(status);
      }
    },
    next(state: EventStreamStatus['state'], timeoutMs = 10_000): Promise<EventStreamStatus> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${state}' status within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          state,
          resolve: (status) => {
            clearTimeout(timer);
            resolve(status);
          },
        });
      });
    },
  };
}

/** Reads `count` frames (bounded by the stream's waitFor timeout). */
async function take(stream: EventStream, count: number): Promise<EventFrame[]> {
  const frames: EventFrame[] = [];
  while (frames.length < count) frames.push(await stream.waitFor(() => true, { timeoutMs: 5000 }));
  return frames;
}

describe('events(): what the application sees', () => {
  test('an inbound call placed with SimClient reaches the route point: Upserts for its participant', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const events = await e.events(app);
    const placed = await e.sim.placeCall({ from: '+15557654321', to: '+15550100', callerName: 'Erin' });
    const upsert = await events.waitFor({ type: EventType.Upsert, dn: '800' });
    assert.equal(upsert.event.attached_data, null);
    assert.match(upsert.event.entity, /^\/callcontrol\/800\/participants\/\d+$/);
    const participant = await app.getEntity<Participant>(upsert.event.entity);
    assert.equal(participant.status, 'Connected', 'the demo route point answers at once');
    assert.equal(participant.party_caller_id, '+15557654321');
    assert.equal(participant.party_dn_type, 'Wexternalline');
    assert.equal(participant.party_did, '+15550100');
    assert.equal(participant.callid, placed.callId);

    await e.sim.hangup(placed.partyId);
    const removed = await events.waitFor({ type: EventType.Remove, dn: '800' });
    assert.equal(removed.event.entity, upsert.event.entity);
    assert.ok(removed.sequence > upsert.sequence);
  });

  test('keys pressed by the caller arrive as DTMFstring events, one per digit, in order; paced on the fake clock', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const events = await e.events(app);
    const caller = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const routePoint = participantIdOf((await events.waitFor({ type: EventType.Upsert, dn: '800' })).event.entity);
    await e.sim.dtmf(caller.partyId, '12#');
    const digits = [];
    for (let i = 0; i < 3; i++) {
      const frame = await events.waitFor({ type: EventType.DTMFstring });
      assert.equal(frame.event.entity, `/callcontrol/800/participants/${routePoint}`);
      digits.push(frame.event.attached_data.dtmf_input);
    }
    assert.deepEqual(digits, ['1', '2', '#']);

    await e.sim.dtmf(caller.partyId, '98', { intervalMs: 500 });
    assert.equal((await events.waitFor({ type: EventType.DTMFstring })).event.attached_data.dtmf_input, '9');
    await e.sim.advanceClock(500);
    assert.equal((await events.waitFor({ type: EventType.DTMFstring })).event.attached_data.dtmf_input, '8');
  });

  test('a device registered at runtime appears as a device Upsert, and its removal as a Remove', async (t) => {
    const e = await startE2e(t);
    const app = e.app();
    const events = await e.events(app);
    const id = 'sip:101@10.0.0.5:5062;transport=tls';
    await e.sim.registerDevice('101', { id, userAgent: 'Test Phone 2.0', directControl: true });
    const added = await events.waitFor({ type: EventType.Upsert, kind: 'device' });
    assert.equal(added.event.entity, devicePath('101', id));
    assert.deepEqual(await app.getEntity(added.event.entity), { dn: '101', device_id: id, user_agent: 'Test Phone 2.0' });
    assert.ok((await app.listDevices('101')).some((device) => device.device_id === id));
    await e.sim.unregisterDevice('101', id);
    const removed = await events.waitFor({ type: EventType.Remove, kind: 'device' });
    assert.equal(removed.event.entity, devicePath('101', id));
  });

  test('a fake-clock advance ends an unanswered call at the ring timeout (30 s): Remove frames for both legs', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const events = await e.events(app);
    await e.sim.placeCall({ from: '100', to: '103' }); // Alice calls Dave, who never answers
    const alice = (await events.waitFor({ type: EventType.Upsert, dn: '100' })).event.entity;
    const dave = (await events.waitFor({ type: EventType.Upsert, dn: '103' })).event.entity;
    await e.sim.advanceClock(29_999);
    assert.equal((await app.getEntity<Participant>(dave)).status, 'Ringing', 'still ringing 1 ms before the timeout');
    await e.sim.advanceClock(1);
    const removed = [await events.waitFor({ type: EventType.Remove }), await events.waitFor({ type: EventType.Remove })].map((frame) => frame.event.entity);
    assert.deepEqual(removed.sort(), [alice, dave].sort());
    assert.deepEqual(await app.listParticipants('103'), []);
  });

  test('frames carry strictly increasing sequence numbers', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const events = await e.events(e.app());
    const caller = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    await events.waitFor({ type: EventType.Upsert, dn: '800' });
    await e.sim.dtmf(caller.partyId, '123');
    await e.sim.hangup(caller.partyId);
    const frames = await take(events, 4);
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i]!.sequence > frames[i - 1]!.sequence);
  });
});

describe('events(): connections', () => {
  test('the server drops the socket: the stream reconnects and the sequence keeps increasing', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const watch = statusWatch();
    const events = await e.events(app, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 }, onStatus: watch.onStatus });
    const first = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const before = await events.waitFor({ type: EventType.Upsert, dn: '800' });

    const reconnecting = watch.next('reconnecting');
    const reopened = watch.next('open');
    for (const client of e.server.app.websocketServer.clients) client.terminate();
    await reconnecting;
    await reopened;

    await e.sim.hangup(first.partyId);
    const after = await events.waitFor({ type: EventType.Remove, dn: '800' });
    assert.equal(after.event.entity, before.event.entity);
    assert.ok(after.sequence > before.sequence, `${after.sequence} after ${before.sequence}`);
  });

  test('the server restarts on the same port with a new signing key: the stream gets a new token and goes on', async (t) => {
    const first = await startE2e(t, { fakeClock: true });
    const counter: string[] = [];
    const app = first.app({ fetch: async (input, init) => {
      const response = await fetch(input, init);
      counter.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname} ${response.status}`);
      return response;
    } });
    const watch = statusWatch();
    const events = await first.events(app, { reconnect: { initialDelayMs: 10, maxDelayMs: 100 }, onStatus: watch.onStatus });
    const reconnecting = watch.next('reconnecting');
    const reopened = watch.next('open');
    await first.server.close();
    await reconnecting;
    // A new data folder: a new signing key, so the old token is refused (401) on the upgrade.
    const second = await startE2e(t, { fakeClock: true, port: first.server.port });
    await reopened;
    assert.equal(counter.filter((line) => line === 'POST /connect/token 200').length, 2, 'a new token after the refused upgrade');

    await second.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const upsert = await events.waitFor({ type: EventType.Upsert, dn: '800' });
    assert.equal((await app.getEntity<Participant>(upsert.event.entity)).status, 'Connected');
  });

  test('closing the stream (or aborting its signal) ends iteration; ready() then rejects', async (t) => {
    const e = await startE2e(t);
    const controller = new AbortController();
    const events = await e.events(e.app(), { signal: controller.signal });
    const pending = events.next();
    controller.abort();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(events.connected, false);
    await assert.rejects(events.ready(), /closed/);
  });

  test('a small maxQueuedFrames pauses the socket without losing frames', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const reference = await e.events(app);
    const slow = await e.events(app, { maxQueuedFrames: 2 });
    const caller = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    await e.sim.dtmf(caller.partyId, '0123456789*#0123456789');
    // The reference stream reads as frames come; the slow one holds at most 2 before its socket pauses.
    const expected: EventFrame[] = [];
    while (expected.filter((frame) => frame.event.event_type === EventType.DTMFstring).length < 22) expected.push(await reference.waitFor(() => true, { timeoutMs: 5000 }));
    const received = await take(slow, expected.length);
    assert.deepEqual(received, expected);
  });
});
