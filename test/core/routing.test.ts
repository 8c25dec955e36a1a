// Tests of divert, routeto and transferto: success, failure, abandonment, and what each participant sees.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CoreError } from '../../src/core/errors.js';
import { deviceIds } from '../helpers/demo.js';
import { assertConsistent, only, startPbx } from '../helpers/pbx.js';

const CALLER = '+15557654321';
const code = (expected: string) => (error: unknown) => (error as CoreError).code === expected;

/** External caller connected to route point 800 (auto-answer). */
function connectedToApp(t: ReturnType<typeof startPbx>) {
  const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
  const app = only(t.pbx, '800');
  t.log();
  return { caller, app };
}

/** External caller ringing at route point 800 with auto-answer off. */
function ringingAtApp(t: ReturnType<typeof startPbx>) {
  t.pbx.setAutoAnswer('800', false);
  return connectedToApp(t);
}

describe('divert', () => {
  test('replaces a ringing participant: it leaves, the new destination rings with referred_by set', () => {
    const t = startPbx();
    const { caller, app } = ringingAtApp(t);
    const op = t.pbx.divert('800', app.id, { destination: '100', reason: 'NoAnswer' });
    assert.equal(op.outcome?.ok, true);
    const alice = only(t.pbx, '100');
    assert.deepEqual(t.log(), [`+100#${alice.id} Ringing`, `-800#${app.id} diverted`, `+10000#${caller.id} Dialing`]);
    assert.equal(alice.referredByDn, '800');
    assert.equal(alice.referredByType, 'Wroutepoint');
    assert.equal(alice.partyCallerId, CALLER);
    assert.equal(t.pbx.getParticipant('10000', caller.id).partyDn, '100');
    assertConsistent(t.pbx);
    t.clock.advance(1000);
    assert.deepEqual(t.log(), [`+100#${alice.id} Connected`, `+10000#${caller.id} Connected`]);
    assertConsistent(t.pbx);
  });

  test('diverting one ringing device of a DN diverts the call away from every device of that DN', () => {
    const t = startPbx();
    t.pbx.makeCall({ dn: '100', destination: '101' });
    const [desk, soft] = t.pbx.listParticipants('101');
    t.log();
    t.pbx.divert('101', desk!.id, { destination: '103' });
    assert.equal(t.pbx.listParticipants('101').length, 0);
    const dave = only(t.pbx, '103');
    assert.deepEqual(t.log().slice(0, 3), [`+103#${dave.id} Ringing`, `-101#${desk!.id} diverted`, `-101#${soft!.id} diverted`]);
    assertConsistent(t.pbx);
  });

  test('refused for a connected participant, leaving the call as it was', () => {
    const t = startPbx();
    const { app } = connectedToApp(t);
    assert.throws(() => t.pbx.divert('800', app.id, { destination: '100' }), code('InvalidState'));
    assert.equal(t.pbx.getParticipant('800', app.id).status, 'Connected');
    assert.deepEqual(t.log(), []);
  });

  test('a busy destination fails the divert and the participant keeps ringing', () => {
    const t = startPbx();
    const { app } = ringingAtApp(t);
    assert.throws(() => t.pbx.divert('800', app.id, { destination: '+15550001' }), code('DestinationBusy'));
    assert.equal(t.pbx.getParticipant('800', app.id).status, 'Ringing');
    assert.deepEqual(t.log(), []);
  });

  test('reasons are checked against the documented list (case-insensitively)', () => {
    const t = startPbx();
    const { app } = ringingAtApp(t);
    assert.throws(() => t.pbx.divert('800', app.id, { destination: '100', reason: 'Lunch' }), code('InvalidReason'));
    assert.equal(t.pbx.divert('800', app.id, { destination: '100', reason: 'forwardall' }).outcome?.ok, true);
  });

  test('a phone being rung to place a call cannot be diverted', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '101', deviceId: deviceIds(t.config).bobDesk, destination: '100' }).participant!;
    assert.throws(() => t.pbx.divert('101', origin.id, { destination: '103' }), code('InvalidState'));
  });
});

describe('routeto', () => {
  test('the participant stays until the new destination answers, then is replaced', async () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    const op = t.pbx.routeTo('800', app.id, { destination: '100', reason: 'BasedOnDID' });
    const alice = only(t.pbx, '100');
    assert.deepEqual(t.log(), [`+100#${alice.id} Ringing`]);
    assert.equal(op.outcome, undefined);
    assert.equal(t.pbx.getParticipant('800', app.id).status, 'Connected');
    assert.equal(alice.referredByDn, '800');
    assert.equal(alice.partyCallerId, CALLER);
    assertConsistent(t.pbx);

    t.clock.advance(1000);
    assert.deepEqual(t.log(), [`+100#${alice.id} Connected`, `+10000#${caller.id} Connected`, `-800#${app.id} replaced`]);
    const outcome = await op.settled();
    assert.equal(outcome.ok, true);
    assert.equal(outcome.participant?.id, app.id);
    assert.equal(t.pbx.getParticipant('10000', caller.id).partyDn, '100');
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, alice.id);
    assertConsistent(t.pbx);
  });

  test('a ringing route point can be routed: the caller connects to the new destination', () => {
    const t = startPbx();
    const { caller, app } = ringingAtApp(t);
    t.pbx.routeTo('800', app.id, { destination: '100' });
    t.clock.advance(1000);
    assert.deepEqual(t.pbx.listParticipants('800'), []);
    assert.equal(t.pbx.getParticipant('10000', caller.id).status, 'Connected');
    assert.equal(only(t.pbx, '100').status, 'Connected');
    assertConsistent(t.pbx);
  });

  test('a destination that does not answer fails the route; the participant keeps the call', async () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    const op = t.pbx.routeTo('800', app.id, { destination: '103' });
    const dave = only(t.pbx, '103');
    t.log();
    t.clock.advance(30_000);
    assert.deepEqual(t.log(), [`-103#${dave.id} no-answer`]);
    const outcome = await op.settled();
    assert.deepEqual([outcome.ok, !outcome.ok && outcome.code], [false, 'NoAnswer']);
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, app.id);
    assertConsistent(t.pbx);
  });

  test('the caller hanging up while the route is pending cancels it and ends the call', async () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    const op = t.pbx.routeTo('800', app.id, { destination: '103' });
    const dave = only(t.pbx, '103');
    t.log();
    t.pbx.endpointHangup(caller.id);
    assert.deepEqual(t.log(), [`-10000#${caller.id} hangup`, `-103#${dave.id} cancelled`, `-800#${app.id} peer-left`]);
    const outcome = await op.settled();
    assert.deepEqual([outcome.ok, !outcome.ok && outcome.code], [false, 'ParticipantLeft']);
    assert.equal(t.pbx.activeCallCount(), 0);
    assert.equal(t.clock.pendingTimers(), 0);
  });

  test('the participant leaving first cancels the route', async () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    const op = t.pbx.routeTo('800', app.id, { destination: '103' });
    const dave = only(t.pbx, '103');
    t.log();
    t.pbx.drop('800', app.id);
    assert.deepEqual(t.log(), [`-800#${app.id} dropped`, `-103#${dave.id} cancelled`, `-10000#${caller.id} peer-left`]);
    assert.equal((await op.settled()).ok, false);
  });

  test('refused while Dialing, and for a busy destination', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '800', destination: '+15557000001' }).participant!;
    assert.throws(() => t.pbx.routeTo('800', origin.id, { destination: '100' }), code('InvalidState'));
    t.clock.advance(1000);
    assert.throws(() => t.pbx.routeTo('800', origin.id, { destination: '+15550001' }), code('DestinationBusy'));
    assert.throws(() => t.pbx.routeTo('800', origin.id, { destination: '100', reason: 'bogus' }), code('InvalidReason'));
    assertConsistent(t.pbx);
  });
});

describe('transferto', () => {
  test('the other party is held while the destination rings; success replaces the transferring participant', async () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    const op = t.pbx.transferTo('800', app.id, { destination: '100' });
    assert.equal(t.pbx.participantDetail(caller.id)?.held, true);
    const alice = only(t.pbx, '100');
    assert.equal(alice.referredByDn, '800');
    assert.deepEqual(t.log(), [`+100#${alice.id} Ringing`]);
    t.clock.advance(1000);
    assert.deepEqual(t.log(), [`+100#${alice.id} Connected`, `+10000#${caller.id} Connected`, `-800#${app.id} replaced`]);
    assert.equal(t.pbx.participantDetail(caller.id)?.held, false);
    assert.equal((await op.settled()).ok, true);
    assertConsistent(t.pbx);
  });

  test('failure returns the call to the transferring participant', async () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    const op = t.pbx.transferTo('800', app.id, { destination: '103' });
    t.clock.advance(30_000);
    const outcome = await op.settled();
    assert.deepEqual([outcome.ok, !outcome.ok && outcome.code], [false, 'NoAnswer']);
    const detail = t.pbx.participantDetail(caller.id)!;
    assert.equal(detail.held, false);
    assert.equal(detail.peerId, app.id);
    assert.equal(t.pbx.getParticipant('800', app.id).status, 'Connected');
    assertConsistent(t.pbx);
  });

  test('if the transferring participant leaves and the destination fails, its device is rung back and the call goes on', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '100' });
    t.clock.advance(1000);
    const alice = only(t.pbx, '100');
    t.pbx.transferTo('100', alice.id, { destination: '103' });
    t.pbx.drop('100', alice.id);
    assert.equal(t.pbx.getParticipant('10000', caller.id).status, 'Connected', 'the held caller stays');
    assertConsistent(t.pbx);
    t.log();
    t.clock.advance(30_000);
    const recall = only(t.pbx, '100');
    assert.equal(recall.status, 'Ringing');
    assert.equal(recall.deviceId, deviceIds(t.config).alice);
    assert.equal(recall.partyCallerId, CALLER);
    t.clock.advance(1000);
    assert.equal(only(t.pbx, '100').status, 'Connected');
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, recall.id);
    assertConsistent(t.pbx);
  });

  test('if the transferring participant leaves and the destination answers, the call goes on with it', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '100' });
    t.clock.advance(1000);
    const alice = only(t.pbx, '100');
    t.pbx.transferTo('100', alice.id, { destination: '101' });
    t.pbx.drop('100', alice.id);
    t.clock.advance(3000); // Bob's desk phone answers
    const bob = only(t.pbx, '101');
    assert.equal(bob.status, 'Connected');
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, bob.id);
    assertConsistent(t.pbx);
  });

  test('refused unless Connected, and while another transfer is pending', () => {
    const t = startPbx();
    const { app } = ringingAtApp(t);
    assert.throws(() => t.pbx.transferTo('800', app.id, { destination: '100' }), code('InvalidState'));
    t.pbx.answer('800', app.id);
    t.pbx.transferTo('800', app.id, { destination: '103' });
    assert.throws(() => t.pbx.transferTo('800', app.id, { destination: '100' }), code('InvalidState'));
    assertConsistent(t.pbx);
  });

  test('an unreachable destination fails at once and nobody is held', () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    assert.throws(() => t.pbx.transferTo('800', app.id, { destination: '+15550003' }), code('DestinationUnreachable'));
    assert.equal(t.pbx.participantDetail(caller.id)?.held, false);
  });
});

describe('attached data', () => {
  test('attach_participant_data and attach_party_data write to this and the other connection', () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    t.pbx.attachParticipantData('800', app.id, { ticket: '42' });
    t.pbx.attachParticipantData('800', app.id, { queue: 'vip' });
    t.pbx.attachPartyData('800', app.id, { crm: 'acme-7' });
    assert.deepEqual(t.pbx.participantDetail(app.id)?.attachedData, { ticket: '42', queue: 'vip' });
    assert.deepEqual(t.pbx.participantDetail(caller.id)?.attachedData, { crm: 'acme-7' });
    assert.deepEqual(t.log(), [`data 800#${app.id}`, `data 800#${app.id}`, `data 10000#${caller.id}`]);
  });

  test('refuses data that is not a flat object of strings, and party data when there is no party yet', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '101', deviceId: deviceIds(t.config).bobDesk, destination: '100' }).participant!;
    for (const bad of ['text', [1], { a: { b: 'c' } }, { a: null }, { ['k'.repeat(200)]: 'v' }]) {
      assert.throws(() => t.pbx.attachParticipantData('101', origin.id, bad), code('InvalidArgument'));
    }
    assert.throws(() => t.pbx.attachPartyData('101', origin.id, { a: 'b' }), code('InvalidState'));
  });
});

describe('routes of routes (found by the invariant property test)', () => {
  test('routing a queue agent’s ringing leg elsewhere completes the queue’s route: the queue participant is replaced too', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550102' });
    const [desk] = t.pbx.listParticipants('101');
    t.pbx.routeTo('101', desk!.id, { destination: '800' }); // the agent's leg hands the caller to the route point
    assert.deepEqual(t.pbx.listParticipants('802'), [], 'the queue no longer holds the caller');
    assert.deepEqual(t.pbx.listParticipants('101'), []);
    assert.deepEqual(t.pbx.listParticipants('100'), []);
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, only(t.pbx, '800').id);
    assertConsistent(t.pbx);
  });

  test('a participant that is transferring, or held by a transfer, cannot be routed or transferred again', () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    t.pbx.transferTo('800', app.id, { destination: '103' });
    assert.throws(() => t.pbx.routeTo('800', app.id, { destination: '100' }), code('InvalidState'));
    assert.throws(() => t.pbx.routeTo('10000', caller.id, { destination: '100' }), code('InvalidState'));
    assert.throws(() => t.pbx.transferTo('10000', caller.id, { destination: '100' }), code('InvalidState'));
    assertConsistent(t.pbx);
  });

  test('the ringing destination of a transfer may itself be routed; success completes the transfer', () => {
    const t = startPbx();
    const { caller, app } = connectedToApp(t);
    t.pbx.transferTo('800', app.id, { destination: '103' });
    const dave = only(t.pbx, '103');
    t.pbx.routeTo('103', dave.id, { destination: '100' });
    t.clock.advance(1000);
    assert.deepEqual(t.pbx.listParticipants('800'), []);
    assert.deepEqual(t.pbx.listParticipants('103'), []);
    const detail = t.pbx.participantDetail(caller.id)!;
    assert.equal(detail.held, false);
    assert.equal(detail.peerId, only(t.pbx, '100').id);
    assertConsistent(t.pbx);
  });
});
