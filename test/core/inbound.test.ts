// Tests of calls arriving from the trunk: DIDs, party fields of external callers, route point auto-answer on and off.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CoreError } from '../../src/core/errors.js';
import { assertConsistent, only, startPbx } from '../helpers/pbx.js';

const CALLER = '+15557654321';
const code = (expected: string) => (error: unknown) => (error as CoreError).code === expected;

describe('inbound calls through the trunk', () => {
  test('a DID reaches the route point, which auto-answers; party fields name the trunk and the caller', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550100', callerName: 'Erin Example' });
    const app = only(t.pbx, '800');
    assert.deepEqual(t.log(), [`+10000#${caller.id} Dialing`, `+800#${app.id} Ringing`, `+800#${app.id} Connected`, `+10000#${caller.id} Connected`]);
    assert.deepEqual(
      { ...app, id: 0, callId: 0, legId: 0 },
      {
        id: 0,
        status: 'Connected',
        dn: '800',
        partyCallerName: 'Erin Example',
        partyDn: '10000',
        partyCallerId: CALLER,
        partyDid: '+15550100',
        deviceId: t.config.routePoints[0]!.device.id,
        partyDnType: 'Wexternalline',
        directControl: true,
        originatedByDn: '10000',
        originatedByType: 'Wexternalline',
        referredByDn: '',
        referredByType: 'None',
        onBehalfOfDn: '',
        onBehalfOfType: 'None',
        callId: 0,
        legId: 0,
      },
    );
    const trunkLeg = t.pbx.getParticipant('10000', caller.id);
    assert.equal(trunkLeg.partyDn, '800');
    assert.equal(trunkLeg.partyDnType, 'Wroutepoint');
    assert.equal(trunkLeg.deviceId, t.config.trunks[0]!.device.id);
    assert.equal(trunkLeg.callId, app.callId);
    assertConsistent(t.pbx);
  });

  test('with auto-answer off the route point rings until the application acts, with no ring timeout', () => {
    const t = startPbx();
    t.pbx.setAutoAnswer('800', false);
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = only(t.pbx, '800');
    assert.equal(app.status, 'Ringing');
    t.log();
    t.clock.advance(3_600_000);
    assert.deepEqual(t.log(), []);
    t.pbx.answer('800', app.id);
    assert.deepEqual(t.log(), [`+800#${app.id} Connected`, `+10000#${caller.id} Connected`]);
    assertConsistent(t.pbx);
  });

  test('the caller giving up while the route point rings removes it', () => {
    const t = startPbx();
    t.pbx.setAutoAnswer('800', false);
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = only(t.pbx, '800');
    t.log();
    t.pbx.endpointHangup(caller.id);
    assert.deepEqual(t.log(), [`-10000#${caller.id} hangup`, `-800#${app.id} cancelled`]);
    assert.equal(t.pbx.activeCallCount(), 0);
  });

  test('an internal number can be called directly from outside; no DID is recorded', () => {
    const t = startPbx();
    t.pbx.placeInboundCall({ from: CALLER, to: '100' });
    const alice = only(t.pbx, '100');
    assert.equal(alice.status, 'Ringing');
    assert.equal(alice.partyDid, '');
    assert.equal(alice.partyCallerId, CALLER);
    t.clock.advance(1000);
    assert.equal(only(t.pbx, '100').status, 'Connected');
  });

  test('refusals: bad caller number, unknown DID, unregistered destination', () => {
    const t = startPbx();
    assert.throws(() => t.pbx.placeInboundCall({ from: 'anonymous', to: '+15550100' }), code('InvalidArgument'));
    assert.throws(() => t.pbx.placeInboundCall({ from: CALLER, to: '+15559999' }), code('InvalidDestination'));
    assert.throws(() => t.pbx.placeInboundCall({ from: CALLER, to: '10000' }), code('InvalidDestination'));
    assert.throws(() => t.pbx.placeInboundCall({ from: CALLER, to: '102' }), code('DestinationNotRegistered'));
    assert.throws(() => t.pbx.placeInboundCall({ from: CALLER, to: '100', trunk: '100' }), code('InvalidArgument'));
    assert.deepEqual(t.log(), []);
    assert.equal(t.pbx.activeCallCount(), 0);
  });
});

describe('answer', () => {
  test('a ringing device with direct control can be answered; the other devices stop ringing', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '100', destination: '101' }).participant!;
    const [desk, soft] = t.pbx.listParticipants('101');
    t.log();
    const op = t.pbx.answer('101', soft!.id);
    assert.equal(op.participant?.status, 'Connected');
    assert.deepEqual(t.log(), [`-101#${desk!.id} answered-elsewhere`, `+101#${soft!.id} Connected`, `+100#${origin.id} Connected`]);
  });

  test('a device without direct control cannot be answered by the application', () => {
    const t = startPbx();
    t.pbx.makeCall({ dn: '100', destination: '101' });
    const [desk] = t.pbx.listParticipants('101');
    t.log();
    assert.throws(() => t.pbx.answer('101', desk!.id), code('NotSupported'));
    assert.equal(t.pbx.getParticipant('101', desk!.id).status, 'Ringing');
    assert.deepEqual(t.log(), []);
  });

  test('answer is refused unless Ringing', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '800', destination: '+15557000001' }).participant!;
    assert.throws(() => t.pbx.answer('800', origin.id), code('InvalidState')); // Dialing
    t.clock.advance(1000);
    assert.throws(() => t.pbx.answer('800', origin.id), code('InvalidState')); // Connected
  });
});
