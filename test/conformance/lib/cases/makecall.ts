// POST /callcontrol/{dn}/makecall and /devices/{deviceid}/makecall: both forms, the body clients send, every outcome.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { driven, events, participant, participants, resetBeforeEach, upserted, type Case } from '../context.js';
import { participantEntity } from '../events.js';
import { send } from '../http.js';
import { assertError, assertSuccess, EventType, type DnInfo } from '../wire.js';

export function makecallCases(c: Case): void {
  const { topo } = c;
  /** The route point's devices[0], as the vendor's example finds it. */
  const routePointDevice = async () => ((await c.api.get(`/callcontrol/${topo.routePoint}`)).json as DnInfo).devices[0]!.device_id;
  const deviceCall = (dn: string, deviceId: string, body: unknown) => c.api.post(`/callcontrol/${dn}/devices/${encodeURIComponent(deviceId)}/makecall`, body);

  describe('makecall', () => {
    resetBeforeEach(c);

    driven(c, 'device form from the route point, body only {destination}: 200, the originating participant Dialing; Connected once the far end answers; Remove when it hangs up', async (driver, t) => {
      const client = await events(c, t);
      const device = await routePointDevice();
      const body = assertSuccess(await deviceCall(topo.routePoint, device, { destination: topo.externalAnswers }));
      const made = body.result!;
      assert.equal(made.status, 'Dialing');
      assert.equal(made.dn, topo.routePoint);
      assert.equal(made.device_id, device);
      assert.equal(made.party_dn_type, 'Wexternalline');
      assert.equal(made.party_caller_id, topo.externalAnswers);
      const entity = participantEntity(topo.routePoint, made.id);
      assert.equal((await upserted(c, client, topo.routePoint)).status, 'Dialing');
      const seen = client.frames.length;
      await driver.elapse(topo.externalAnswerMs);
      const connected = await upserted(c, client, topo.routePoint, seen);
      assert.deepEqual([connected.id, connected.status], [made.id, 'Connected']);
      await driver.hangup(await driver.peerOf(made.id));
      await client.event(EventType.Remove, entity);
      assertError(await c.api.get(entity), 404, 'ParticipantNotFound');
    });

    driven(c, 'device form with the device id raw in the path, timeout, attacheddata and a free-text reason ("outbound"): 200, the data attached to the originating participant', async (driver) => {
      const device = await routePointDevice();
      const response = await c.api.post(`/callcontrol/${topo.routePoint}/devices/${device}/makecall`, { destination: topo.externalAnswers, timeout: 30, reason: 'outbound', attacheddata: { campaign: 'spring', lead: '42' } });
      const made = assertSuccess(response).result!;
      assert.equal(made.status, 'Dialing');
      assert.deepEqual(await driver.attachedData(made.id), { campaign: 'spring', lead: '42' });
    });

    driven(c, 'DN form with one device (the route point), reason "call": as the device form, 200 with the originating participant', async () => {
      const made = assertSuccess(await c.api.post(`/callcontrol/${topo.routePoint}/makecall`, { destination: topo.externalAnswers, reason: 'call' })).result!;
      assert.deepEqual([made.dn, made.status, made.device_id], [topo.routePoint, 'Dialing', await routePointDevice()]);
      assert.deepEqual((await participants(c, topo.routePoint)).map((p) => p.id), [made.id]);
    });

    driven(c, 'DN form with several devices: 202 at once with result null (no wait for a pick-up); every device rings; the outcome shows in the participants', async (driver, t) => {
      const client = await events(c, t);
      const body = assertSuccess(await c.api.post(`/callcontrol/${topo.twoDeviceExtension}/makecall`, { destination: topo.externalAnswers, timeout: 30 }), 202);
      assert.equal(body.result, null);
      const ringing = await participants(c, topo.twoDeviceExtension);
      assert.deepEqual(ringing.map((p) => p.device_id).sort(), [topo.deskDevice, topo.softDevice].sort());
      assert.ok(ringing.every((p) => p.status === 'Ringing'));
      const desk = ringing.find((p) => p.device_id === topo.deskDevice)!;
      await driver.answer({ id: desk.id });
      await client.event(EventType.Remove, participantEntity(topo.twoDeviceExtension, ringing.find((p) => p.device_id === topo.softDevice)!.id));
      assert.equal((await participant(c, topo.twoDeviceExtension, desk.id)).status, 'Dialing', 'the device picked up dials');
    });

    driven(c, 'a device with direct control goes off-hook at once (Dialing); one without is rung first (Ringing), then dials when picked up', async (driver) => {
      const direct = assertSuccess(await deviceCall(topo.directExtension, topo.directDevice, { destination: topo.externalAnswers })).result!;
      assert.deepEqual([direct.status, direct.direct_control, direct.device_id], ['Dialing', true, topo.directDevice]);
      const desk = assertSuccess(await deviceCall(topo.twoDeviceExtension, topo.deskDevice, { destination: topo.externalAnswers })).result!;
      assert.deepEqual([desk.status, desk.direct_control, desk.device_id], ['Ringing', false, topo.deskDevice]);
      await driver.answer({ id: desk.id });
      assert.equal((await participant(c, topo.twoDeviceExtension, desk.id)).status, 'Dialing');
    });

    driven(c, 'destination outcomes arrive later: busy, unreachable, unregistered and not-answering destinations give 200 with the Dialing participant, then its Remove (the cause recorded by the PBX)', async (driver, t) => {
      const client = await events(c, t);
      const device = await routePointDevice();
      for (const [destination, cause] of [[topo.externalBusy, 'busy'], [topo.externalUnreachable, 'unreachable'], [topo.unregisteredExtension, 'not-registered']] as const) {
        const made = assertSuccess(await deviceCall(topo.routePoint, device, { destination })).result!;
        assert.equal(made.status, 'Dialing', destination);
        await client.event(EventType.Remove, participantEntity(topo.routePoint, made.id));
        assertError(await c.api.get(participantEntity(topo.routePoint, made.id)), 404, 'ParticipantNotFound');
        assert.equal(await driver.removalCause(made.id), cause);
      }
      const unanswered = assertSuccess(await deviceCall(topo.routePoint, device, { destination: topo.externalNeverAnswers, timeout: 5 })).result!;
      assert.equal(unanswered.status, 'Dialing');
      await driver.elapse(5000);
      await client.event(EventType.Remove, participantEntity(topo.routePoint, unanswered.id));
      assert.equal(await driver.removalCause(unanswered.id), 'no-answer');
      assert.deepEqual(await participants(c, topo.routePoint), []);
    });

    test('422 InvalidDestination (missing, empty), 422 InvalidArgument (timeout not an integer), 400 MalformedBody, 404 DeviceNotFound, 424 DeviceNotRegistered', async () => {
      const device = await routePointDevice();
      assertError(await deviceCall(topo.routePoint, device, {}), 422, 'InvalidDestination');
      assertError(await deviceCall(topo.routePoint, device, { destination: '' }), 422, 'InvalidDestination');
      assertError(await deviceCall(topo.routePoint, device, { destination: topo.externalAnswers, timeout: 'soon' }), 422, 'InvalidArgument');
      assertError(await c.api.postRaw(`/callcontrol/${topo.routePoint}/makecall`, '{"destination":', { 'content-type': 'application/json' }), 400, 'MalformedBody');
      assertError(await deviceCall(topo.routePoint, 'sip:nobody@192.0.2.1:5060', { destination: topo.externalAnswers }), 404, 'DeviceNotFound');
      assertError(await c.api.post(`/callcontrol/${topo.unregisteredExtension}/makecall`, { destination: topo.externalAnswers }), 424, 'DeviceNotRegistered');
    });

    test('401 without a token, 403 outside the scope, 404 DnNotFound', async () => {
      assertError(await send(c.endpoint, 'POST', `/callcontrol/${topo.routePoint}/makecall`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destination: topo.externalAnswers }) }), 401, 'Unauthorized');
      assertError(await c.api.post(`/callcontrol/${topo.outOfScopeDn}/makecall`, { destination: topo.externalAnswers }), 403, 'Forbidden');
      assertError(await c.api.post(`/callcontrol/${topo.missingDn}/makecall`, { destination: topo.externalAnswers }), 404, 'DnNotFound');
    });

    driven(c, 'the campaign pattern: dial, see the Remove when the far end hangs up, dial the next number', async (driver, t) => {
      const client = await events(c, t);
      const device = await routePointDevice();
      for (const attempt of [1, 2]) {
        const made = assertSuccess(await deviceCall(topo.routePoint, device, { destination: topo.externalAnswers })).result!;
        await driver.elapse(topo.externalAnswerMs);
        const connected = await upserted(c, client, topo.routePoint, client.frames.length - 1);
        assert.equal(connected.id, made.id, `attempt ${attempt}`);
        await driver.hangup(await driver.peerOf(made.id));
        await client.event(EventType.Remove, participantEntity(topo.routePoint, made.id));
      }
    });
  });
}
