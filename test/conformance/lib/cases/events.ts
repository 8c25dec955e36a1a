// GET /callcontrol/ws: the upgrade, frames of every type, sequence, tolerance of client chatter, and requests over the socket.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callRoutePoint, driven, events, participant, resetBeforeEach, upserted, type Case } from '../context.js';
import { EventClient, participantEntity } from '../events.js';
import { tampered } from './token.js';
import { assertDevice, assertParticipant, EventType } from '../wire.js';

/** The HTTP status of a refused upgrade. */
function refusedWith(c: Case, token: string | undefined): Promise<number> {
  const socket = EventClient.socket(c.endpoint, token);
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', reject);
  });
}

export function eventCases(c: Case): void {
  const { topo } = c;
  const rp = topo.routePoint;

  describe('event socket', () => {
    resetBeforeEach(c);

    test('the upgrade without a token, or with a tampered one: HTTP 401', async () => {
      assert.equal(await refusedWith(c, undefined), 401);
      assert.equal(await refusedWith(c, tampered(await c.api.token())), 401);
    });

    driven(c, 'no subscription needed: an inbound call gives Upserts (attached_data null) whose entity re-GETs; the caller hangs up: Remove, then 404, and nothing after it', async (driver, t) => {
      const client = await events(c, t);
      const { app, caller } = await callRoutePoint(c, driver);
      const entity = participantEntity(rp, app.id);
      await client.event(EventType.Upsert, entity);
      assertParticipant((await c.api.get(entity)).json, { id: app.id, status: 'Connected' });
      await driver.hangup(caller);
      const removed = await client.event(EventType.Remove, entity);
      assert.equal((await c.api.get(entity)).status, 404);
      // A later frame proves nothing about the entity followed its Remove.
      await driver.callIn(topo.caller, topo.routePointDid);
      await client.next((f) => f.sequence > removed.sequence && f.event.entity !== entity, 'a frame of the next call');
      assert.ok(!client.frames.some((f) => f.sequence > removed.sequence && f.event.entity === entity), 'no frame for the entity after its Remove');
    });

    driven(c, 'DTMFstring: one frame per key, in order, on the participant that received them, attached_data {dtmf_input}', async (driver, t) => {
      const client = await events(c, t);
      const { app, caller } = await callRoutePoint(c, driver);
      await driver.pressKeys(caller, '1#');
      await client.until(() => (client.frames.filter((f) => f.event.event_type === EventType.DTMFstring).length === 2 ? true : undefined), 'two DTMF frames');
      const dtmf = client.frames.filter((f) => f.event.event_type === EventType.DTMFstring);
      assert.deepEqual(
        dtmf.map((f) => [f.event.entity, f.event.attached_data]),
        [
          [participantEntity(rp, app.id), { dtmf_input: '1' }],
          [participantEntity(rp, app.id), { dtmf_input: '#' }],
        ],
      );
    });

    driven(c, 'the IVR flow: DTMF on the IVR participant, the mapped DN rings referred by the IVR, answers, the IVR participant leaves', async (driver, t) => {
      const client = await events(c, t);
      const caller = await driver.callIn(topo.caller, topo.ivrDid);
      const ivr = await upserted(c, client, topo.ivr);
      await driver.pressKeys(caller, topo.ivrKey);
      await client.event(EventType.DTMFstring, participantEntity(topo.ivr, ivr.id));
      const rung = await upserted(c, client, topo.ivrKeyDestination);
      assertParticipant(rung, { status: 'Ringing', referred_by_dn: topo.ivr, referred_by_type: 'Wivr' });
      await driver.elapse(topo.directAnswerMs);
      await client.event(EventType.Remove, participantEntity(topo.ivr, ivr.id));
      assert.equal((await participant(c, topo.ivrKeyDestination, rung.id)).status, 'Connected');
    });

    driven(c, 'the queue flow: agents ring on behalf of the queue; the first to answer takes the call, the other legs leave', async (driver, t) => {
      const client = await events(c, t);
      await driver.callIn(topo.caller, topo.queueDid);
      const queued = await upserted(c, client, topo.queue);
      const agent = await upserted(c, client, topo.directExtension);
      assertParticipant(agent, { status: 'Ringing', on_behalf_of_dn: topo.queue, on_behalf_of_type: 'Wqueue' });
      await driver.elapse(topo.directAnswerMs);
      await client.event(EventType.Remove, participantEntity(topo.queue, queued.id));
      assert.equal((await participant(c, topo.directExtension, agent.id)).status, 'Connected');
      await client.until(() => (client.frames.filter((f) => f.event.event_type === EventType.Remove && f.event.entity.startsWith(`/callcontrol/${topo.twoDeviceExtension}/`)).length === 2 ? true : undefined), "the other agent's two legs leave");
    });

    driven(c, 'device entities: a phone registering gives an Upsert of /callcontrol/{dn}/devices/{percent-encoded id} that re-GETs; unregistering, a Remove', async (driver, t) => {
      const client = await events(c, t);
      const entity = `/callcontrol/${topo.unregisteredExtension}/devices/${encodeURIComponent(topo.unregisteredDevice)}`;
      await driver.registerDevice(topo.unregisteredExtension, topo.unregisteredDevice);
      await client.event(EventType.Upsert, entity);
      const got = await c.api.get(entity);
      assert.equal(got.status, 200);
      assert.equal(assertDevice(got.json, topo.unregisteredExtension).device_id, topo.unregisteredDevice);
      await driver.unregisterDevice(topo.unregisteredExtension, topo.unregisteredDevice);
      await client.event(EventType.Remove, entity);
      assert.equal((await c.api.get(entity)).status, 404);
    });

    driven(c, 'sequence strictly increases across connections: a new socket starts above the last frame of the old one', async (driver, t) => {
      const first = await events(c, t);
      const { caller } = await callRoutePoint(c, driver);
      await first.upsertOf(rp);
      const last = first.frames.at(-1)!.sequence;
      first.close();
      await first.waitClosed();
      const second = await events(c, t);
      await driver.hangup(caller);
      const next = await second.next((f) => f.event.event_type === EventType.Remove, 'the Remove on the new socket');
      assert.ok(next.sequence > last, `${next.sequence} > ${last}`);
    });

    driven(c, 'unsolicited client frames (text, JSON without RequestID/Path, binary) and pings are tolerated: pongs come back, the socket stays open, events keep flowing', async (driver, t) => {
      const client = await events(c, t);
      client.socket.send('hello');
      client.socket.send(JSON.stringify({ subscribe: ['*'] }));
      client.socket.send(Buffer.from([1, 2, 3]));
      for (const n of [1, 2, 3]) client.socket.ping(Buffer.from(`ping-${n}`));
      await client.until(() => (client.pongs.length === 3 ? true : undefined), 'three pongs');
      assert.deepEqual(client.pongs.map(String), ['ping-1', 'ping-2', 'ping-3']);
      const { app } = await callRoutePoint(c, driver);
      await client.event(EventType.Upsert, participantEntity(rp, app.id));
      assert.equal(client.closeCode, undefined);
    });

    driven(c, 'a request over the socket {RequestID, Path, RequestData}: runs the POST, answered by a Response event {RequestID, Path, StatusCode, Response}', async (driver, t) => {
      const client = await events(c, t);
      const { app } = await callRoutePoint(c, driver);
      const path = `${participantEntity(rp, app.id)}/attach_participant_data`;
      client.socket.send(JSON.stringify({ RequestID: 'r-1', Path: path, RequestData: { Reason: 'None', Destination: '', Timeout: 0, AttachedData: { via: 'socket' } } }));
      const answer = await client.next((f) => f.event.event_type === EventType.Response, 'the Response event');
      assert.equal(answer.event.entity, path);
      const data = answer.event.attached_data as { RequestID: string; Path: string; StatusCode: number; Response: { finalstatus: string; result: { id: number } } };
      assert.deepEqual([data.RequestID, data.Path, data.StatusCode, data.Response.finalstatus, data.Response.result.id], ['r-1', path, 200, 'Success', app.id]);
      assert.deepEqual(await driver.attachedData(app.id), { via: 'socket' });

      const drop = `${participantEntity(rp, app.id)}/drop`;
      client.socket.send(JSON.stringify({ RequestID: 7, Path: drop, RequestData: {} }));
      const dropped = await client.next((f) => f.event.event_type === EventType.Response && (f.event.attached_data as { RequestID: unknown }).RequestID === 7, 'the drop Response');
      assert.equal((dropped.event.attached_data as { StatusCode: number }).StatusCode, 200);
      await client.event(EventType.Remove, participantEntity(rp, app.id));

      client.socket.send(JSON.stringify({ RequestID: 'bad', Path: '/callcontrol', RequestData: {} }));
      const refused = await client.next((f) => f.event.event_type === EventType.Response && (f.event.attached_data as { RequestID: unknown }).RequestID === 'bad', 'the refusal');
      assert.equal((refused.event.attached_data as { StatusCode: number }).StatusCode, 400);
    });

    driven(c, 'socket request keys are matched case-insensitively: a client sending RequestId / path / requestData gets its id back, answered under RequestID', async (driver, t) => {
      const client = await events(c, t);
      const { app } = await callRoutePoint(c, driver);
      const path = `${participantEntity(rp, app.id)}/attach_participant_data`;
      client.socket.send(JSON.stringify({ RequestId: 'mixed-1', path, requestData: { attacheddata: { via: 'mixed case' } } }));
      const answer = await client.next((f) => f.event.event_type === EventType.Response, 'the Response event');
      const data = answer.event.attached_data as Record<string, unknown>;
      assert.deepEqual(Object.keys(data), ['RequestID', 'Path', 'StatusCode', 'Response']);
      assert.deepEqual([data['RequestID'], data['Path'], data['StatusCode']], ['mixed-1', path, 200]);
      assert.deepEqual(await driver.attachedData(app.id), { via: 'mixed case' });
    });
  });
}
