// POST /callcontrol/{dn}/participants/{id}/{action}: every action of the seed, in the states it accepts and refuses.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callRoutePoint, driven, events, onlyParticipant, participant, participants, pending, resetBeforeEach, upserted, type Case } from '../context.js';
import { participantEntity } from '../events.js';
import { send } from '../http.js';
import { assertError, assertParticipant, assertSuccess, EventType, REASONS } from '../wire.js';

export function actionCases(c: Case): void {
  const { topo } = c;
  const act = (dn: string, id: number, action: string, body?: unknown) => c.api.post(`${participantEntity(dn, id)}/${action}`, body);
  const rp = topo.routePoint;

  describe('participant actions', () => {
    resetBeforeEach(c);

    describe('drop', () => {
      driven(c, 'drop (no body): 200 with the participant as last seen; then GET 404; a second drop finds it gone: 404 ParticipantNotFound', async (driver) => {
        const { app } = await callRoutePoint(c, driver);
        const body = assertSuccess(await act(rp, app.id, 'drop'));
        assertParticipant(body.result, { id: app.id, dn: rp });
        assertError(await c.api.get(participantEntity(rp, app.id)), 404, 'ParticipantNotFound');
        assertError(await act(rp, app.id, 'drop', {}), 404, 'ParticipantNotFound');
      });

      driven(c, 'drop in every state: Ringing and Dialing too', async (driver) => {
        const ringing = (await callRoutePoint(c, driver, false)).app;
        assertSuccess(await act(rp, ringing.id, 'drop', {}));
        const dialing = assertSuccess(await c.api.post(`/callcontrol/${rp}/makecall`, { destination: topo.externalNeverAnswers })).result!;
        assert.equal(dialing.status, 'Dialing');
        assertSuccess(await act(rp, dialing.id, 'drop', {}));
        assert.deepEqual(await participants(c, rp), []);
      });
    });

    describe('answer', () => {
      driven(c, 'a Ringing route-point participant (auto-answer off): {} -> 200 and Connected; answering again: 422 InvalidState', async (driver) => {
        const { app } = await callRoutePoint(c, driver, false);
        const body = assertSuccess(await act(rp, app.id, 'answer', {}));
        assert.equal(body.result!.status, 'Connected');
        assert.equal((await participant(c, rp, app.id)).status, 'Connected');
        assertError(await act(rp, app.id, 'answer'), 422, 'InvalidState');
      });

      driven(c, 'an extension offered on two devices: answer on the one with direct_control -> 200, the other leg leaves; without direct control: 422 NotSupported', async (_driver, t) => {
        const client = await events(c, t);
        assertSuccess(await c.api.post(`/callcontrol/${rp}/makecall`, { destination: topo.twoDeviceExtension }));
        const legs = await participants(c, topo.twoDeviceExtension);
        assert.equal(legs.length, 2, 'each ringing device is a participant of its own');
        const soft = legs.find((p) => p.device_id === topo.softDevice)!;
        const desk = legs.find((p) => p.device_id === topo.deskDevice)!;
        assertParticipant(soft, { status: 'Ringing', direct_control: true });
        assertParticipant(desk, { status: 'Ringing', direct_control: false });
        assert.equal(soft.callid, desk.callid);
        assert.notEqual(soft.legid, desk.legid);
        assertError(await act(topo.twoDeviceExtension, desk.id, 'answer'), 422, 'NotSupported');
        assertSuccess(await act(topo.twoDeviceExtension, soft.id, 'answer'));
        await client.event(EventType.Remove, participantEntity(topo.twoDeviceExtension, desk.id));
        assert.equal((await participant(c, topo.twoDeviceExtension, soft.id)).status, 'Connected');
      });
    });

    describe('divert', () => {
      driven(c, 'a Ringing participant diverted: 200 once the destination rings; the participant leaves; the destination rings referred by the DN', async (driver, t) => {
        const client = await events(c, t);
        const { app } = await callRoutePoint(c, driver, false);
        const body = assertSuccess(await act(rp, app.id, 'divert', { reason: 'NoAnswer', destination: topo.directExtension, timeout: 30 }));
        assertParticipant(body.result);
        await client.event(EventType.Remove, participantEntity(rp, app.id));
        const diverted = await onlyParticipant(c, topo.directExtension);
        assertParticipant(diverted, { status: 'Ringing', referred_by_dn: rp, referred_by_type: 'Wroutepoint', party_caller_id: topo.caller });
      });

      driven(c, 'every reason of the seed is accepted; another reason: 422 InvalidReason; a Connected participant: 422 InvalidState; no destination: 422 InvalidDestination', async (driver) => {
        for (const reason of REASONS) {
          const { app } = await callRoutePoint(c, driver, false);
          assertSuccess(await act(rp, app.id, 'divert', { reason, destination: topo.externalAnswers }));
          await driver.reset();
        }
        const { app } = await callRoutePoint(c, driver, false);
        assertError(await act(rp, app.id, 'divert', { reason: 'Lunch', destination: topo.directExtension }), 422, 'InvalidReason');
        assertError(await act(rp, app.id, 'divert', { reason: 'None' }), 422, 'InvalidDestination');
        assertSuccess(await act(rp, app.id, 'answer'));
        assertError(await act(rp, app.id, 'divert', { reason: 'None', destination: topo.directExtension }), 422, 'InvalidState');
      });

      driven(c, 'to a busy destination: 424 DestinationBusy, result null, the participant stays Ringing', async (driver) => {
        const { app } = await callRoutePoint(c, driver, false);
        assertError(await act(rp, app.id, 'divert', { reason: 'None', destination: topo.externalBusy }), 424, 'DestinationBusy');
        assert.equal((await participant(c, rp, app.id)).status, 'Ringing');
      });
    });

    describe('routeto', () => {
      for (const answered of [true, false]) {
        driven(c, `a ${answered ? 'Connected' : 'Ringing'} participant: it stays while the destination rings; 200 once it answers, then the participant leaves`, async (driver, t) => {
          const client = await events(c, t);
          const { app } = await callRoutePoint(c, driver, answered);
          const response = pending(act(rp, app.id, 'routeto', { reason: 'ForwardAll', destination: topo.directExtension, timeout: 30 }));
          const ringing = await upserted(c, client, topo.directExtension);
          assert.equal(ringing.status, 'Ringing');
          assert.equal((await participant(c, rp, app.id)).status, answered ? 'Connected' : 'Ringing', 'the participant stays while the route is tried');
          await driver.elapse(topo.directAnswerMs);
          assertSuccess(await response);
          await client.event(EventType.Remove, participantEntity(rp, app.id));
          assert.equal((await participant(c, topo.directExtension, ringing.id)).status, 'Connected');
        });
      }

      driven(c, 'the caller hangs up while the destination rings: the route is cancelled, 424 ParticipantLeft', async (driver, t) => {
        const client = await events(c, t);
        const { app, caller } = await callRoutePoint(c, driver);
        const response = pending(act(rp, app.id, 'routeto', { reason: 'None', destination: topo.neverAnswersExtension }));
        const ringing = await upserted(c, client, topo.neverAnswersExtension);
        await driver.hangup(caller);
        assertError(await response, 424, 'ParticipantLeft');
        await client.event(EventType.Remove, participantEntity(topo.neverAnswersExtension, ringing.id));
        await client.event(EventType.Remove, participantEntity(rp, app.id));
      });

      driven(c, 'still ringing when timeout passes: 202 with the participant as it is now; the attempt goes on', async (driver, t) => {
        const client = await events(c, t);
        const { app } = await callRoutePoint(c, driver);
        const response = pending(act(rp, app.id, 'routeto', { reason: 'None', destination: topo.neverAnswersExtension, timeout: 2 }));
        await upserted(c, client, topo.neverAnswersExtension);
        await driver.elapse(2000);
        const body = assertSuccess(await response, 202);
        assertParticipant(body.result, { id: app.id, status: 'Connected' });
        assert.equal((await onlyParticipant(c, topo.neverAnswersExtension)).status, 'Ringing');
      });
    });

    describe('transferto', () => {
      driven(c, 'a Connected participant: the destination rings, answers -> 200, the participant is replaced', async (driver, t) => {
        const client = await events(c, t);
        const { app } = await callRoutePoint(c, driver);
        const response = pending(act(rp, app.id, 'transferto', { reason: 'None', destination: topo.directExtension }));
        const ringing = await upserted(c, client, topo.directExtension);
        assert.equal(ringing.status, 'Ringing');
        await driver.elapse(topo.directAnswerMs);
        assertSuccess(await response);
        await client.event(EventType.Remove, participantEntity(rp, app.id));
        assertParticipant(await participant(c, topo.directExtension, ringing.id), { status: 'Connected', party_caller_id: topo.caller });
      });

      driven(c, 'the destination never answers: 424 NoAnswer after the ring timeout; the call returns to the participant, still Connected', async (driver, t) => {
        const client = await events(c, t);
        const { app } = await callRoutePoint(c, driver);
        const response = pending(act(rp, app.id, 'transferto', { reason: 'None', destination: topo.neverAnswersExtension, timeout: (topo.ringTimeoutMs + 5000) / 1000 }));
        const ringing = await upserted(c, client, topo.neverAnswersExtension);
        await driver.elapse(topo.ringTimeoutMs);
        assertError(await response, 424, 'NoAnswer');
        await client.event(EventType.Remove, participantEntity(topo.neverAnswersExtension, ringing.id));
        assert.equal((await participant(c, rp, app.id)).status, 'Connected');
      });

      driven(c, 'the participant leaves during the attempt and the destination fails: the transferring device is offered the call back, and the call goes on', async (driver, t) => {
        const client = await events(c, t);
        const { app } = await callRoutePoint(c, driver);
        const response = pending(act(rp, app.id, 'transferto', { reason: 'None', destination: topo.neverAnswersExtension, timeout: (topo.ringTimeoutMs + 5000) / 1000 }));
        await upserted(c, client, topo.neverAnswersExtension);
        assertSuccess(await act(rp, app.id, 'drop'));
        const seen = client.frames.length;
        await driver.elapse(topo.ringTimeoutMs);
        // The attempt's own outcome: the destination failed.
        assertError(await response, 424, 'NoAnswer');
        // The route point's device gets the caller back (and, auto-answering, takes it).
        const back = await upserted(c, client, rp, seen);
        assert.notEqual(back.id, app.id);
        assertParticipant(await participant(c, rp, back.id), { status: 'Connected', party_caller_id: topo.caller, device_id: app.device_id });
      });

      driven(c, 'a Ringing participant: 422 InvalidState', async (driver) => {
        const { app } = await callRoutePoint(c, driver, false);
        assertError(await act(rp, app.id, 'transferto', { reason: 'None', destination: topo.directExtension }), 422, 'InvalidState');
      });
    });

    describe('attach_participant_data / attach_party_data', () => {
      driven(c, "attach_participant_data merges into this participant's data, attach_party_data into the other party's; both 200", async (driver) => {
        const { app, caller } = await callRoutePoint(c, driver);
        assertParticipant(assertSuccess(await act(rp, app.id, 'attach_participant_data', { attacheddata: { ticket: 'T-1' } })).result, { id: app.id });
        assertSuccess(await act(rp, app.id, 'attach_participant_data', { attacheddata: { queue: 'sales' } }));
        assertSuccess(await act(rp, app.id, 'attach_party_data', { attacheddata: { crm: 'C-9' } }));
        assert.deepEqual(await driver.attachedData(app.id), { ticket: 'T-1', queue: 'sales' });
        assert.deepEqual(await driver.attachedData(caller.id), { crm: 'C-9' });
      });

      driven(c, 'attach_party_data with no other party yet (Dialing): 422 InvalidState; attacheddata not an object of strings: 422 InvalidArgument', async () => {
        const dialing = assertSuccess(await c.api.post(`/callcontrol/${rp}/makecall`, { destination: topo.externalNeverAnswers })).result!;
        assertError(await act(rp, dialing.id, 'attach_party_data', { attacheddata: { a: 'b' } }), 422, 'InvalidState');
        assertError(await act(rp, dialing.id, 'attach_participant_data', { attacheddata: { a: { nested: true } } }), 422, 'InvalidArgument');
        assertError(await act(rp, dialing.id, 'attach_participant_data', { attacheddata: 'text' }), 422, 'InvalidArgument');
      });
    });

    describe('errors', () => {
      driven(c, 'an unknown action: 404 UnknownAction; malformed JSON on an action that reads the body: 400 MalformedBody; timeout out of range: 422 InvalidArgument', async (driver) => {
        const { app } = await callRoutePoint(c, driver);
        assertError(await act(rp, app.id, 'hold', {}), 404, 'UnknownAction');
        assertError(await c.api.postRaw(`${participantEntity(rp, app.id)}/routeto`, '{"destination":', { 'content-type': 'application/json; charset=utf-8' }), 400, 'MalformedBody');
        assertError(await act(rp, app.id, 'routeto', { destination: topo.directExtension, timeout: -1 }), 422, 'InvalidArgument');
        assertError(await act(rp, app.id, 'routeto', { destination: topo.directExtension, timeout: 'soon' }), 422, 'InvalidArgument');
      });

      test('401 without a token; 403 outside the scope; 404 DnNotFound; 404 ParticipantNotFound for unknown and non-int32 ids', async () => {
        assertError(await send(c.endpoint, 'POST', `${participantEntity(rp, 1)}/drop`), 401, 'Unauthorized');
        assertError(await act(topo.outOfScopeDn, 1, 'drop'), 403, 'Forbidden');
        assertError(await act(topo.missingDn, 1, 'drop'), 404, 'DnNotFound');
        assertError(await act(rp, 999_999, 'drop'), 404, 'ParticipantNotFound');
        for (const id of ['abc', '-1', '2147483648']) assertError(await c.api.post(`/callcontrol/${rp}/participants/${id}/drop`), 404, 'ParticipantNotFound');
      });
    });
  });
}
