// Tests of makecall: device and DN forms, direct control, ring-first devices, destinations and every refusal.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CoreError } from '../../src/core/errors.js';
import { deviceIds } from '../helpers/demo.js';
import { assertConsistent, only, startPbx } from '../helpers/pbx.js';

const EXTERNAL = '+15557000001'; // answers after 1 s (demo default)

function code(expected: string) {
  return (error: unknown) => (error as CoreError).code === expected;
}

describe('makecall from a device that goes off-hook by itself', () => {
  test('route point -> external number: Dialing, then Connected when the far end answers after 1 s', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const op = t.pbx.makeCall({ dn: '800', deviceId: ids.routePoint, destination: EXTERNAL });
    const origin = op.participant!;
    assert.equal(origin.status, 'Dialing');
    assert.equal(origin.dn, '800');
    assert.equal(origin.deviceId, ids.routePoint);
    assert.equal(origin.partyDn, '10000');
    assert.equal(origin.partyDnType, 'Wexternalline');
    assert.equal(origin.partyCallerId, EXTERNAL);
    assert.equal(origin.originatedByDn, '');
    assert.equal(origin.originatedByType, 'None');
    assert.deepEqual(op.outcome, { ok: true, participant: origin });
    assert.deepEqual(t.log(), [`+800#${origin.id} Dialing`, `+10000#${origin.id + 1} Ringing`]);

    const far = only(t.pbx, '10000');
    assert.equal(far.callId, origin.callId);
    assert.notEqual(far.legId, origin.legId);
    assert.equal(far.partyDn, '800');
    assert.equal(far.partyDnType, 'Wroutepoint');
    assert.equal(far.partyCallerName, 'Demo App');
    assert.equal(far.partyCallerId, '800');
    assert.equal(far.originatedByDn, '800');
    assert.equal(far.originatedByType, 'Wroutepoint');
    assert.equal(far.referredByDn, '');
    assert.equal(far.onBehalfOfType, 'None');
    assertConsistent(t.pbx);

    t.clock.advance(999);
    assert.deepEqual(t.log(), []);
    t.clock.advance(1);
    assert.deepEqual(t.log(), [`+10000#${far.id} Connected`, `+800#${origin.id} Connected`]);
    assertConsistent(t.pbx);
  });

  test('DN form with one device behaves as the device form', () => {
    const t = startPbx();
    const op = t.pbx.makeCall({ dn: '100', destination: '101' });
    assert.equal(op.participant?.status, 'Dialing');
    assert.equal(op.participant?.deviceId, deviceIds(t.config).alice);
  });

  test('a call to an extension rings each of its devices as its own participant; the first to answer wins', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const origin = t.pbx.makeCall({ dn: '100', deviceId: ids.alice, destination: '101' }).participant!;
    const ringing = t.pbx.listParticipants('101');
    assert.deepEqual(
      ringing.map((p) => [p.status, p.deviceId, p.directControl, p.partyDn, p.partyCallerName, p.partyDnType]),
      [
        ['Ringing', ids.bobDesk, false, '100', 'Alice', 'Wextension'],
        ['Ringing', ids.bobSoft, true, '100', 'Alice', 'Wextension'],
      ],
    );
    t.log();
    t.clock.advance(3000); // the desk phone answers after 3 s
    const [desk, soft] = ringing;
    assert.deepEqual(t.log(), [`-101#${soft!.id} answered-elsewhere`, `+101#${desk!.id} Connected`, `+100#${origin.id} Connected`]);
    assertConsistent(t.pbx);
  });

  test('no answer: the destination rings for the configured 30 s, then both participants leave', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '100', destination: '103' }).participant!;
    const dave = only(t.pbx, '103');
    t.log();
    t.clock.advance(29_999);
    assert.deepEqual(t.log(), []);
    t.clock.advance(1);
    assert.deepEqual(t.log(), [`-103#${dave.id} no-answer`, `-100#${origin.id} no-answer`]);
    assert.equal(t.pbx.activeCallCount(), 0);
    assert.equal(t.clock.pendingTimers(), 0);
  });

  test('the request timeout sets the ring time', () => {
    const t = startPbx();
    t.pbx.makeCall({ dn: '100', destination: '103', timeoutSeconds: 5 });
    t.clock.advance(5000);
    assert.equal(t.pbx.activeCallCount(), 0);
  });

  test('attached data is kept on the originating participant', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '800', destination: EXTERNAL, attachedData: { campaign: 'spring', attempt: 2 } }).participant!;
    assert.deepEqual(t.pbx.participantDetail(origin.id)?.attachedData, { campaign: 'spring', attempt: '2' });
  });
});

describe('makecall from a device without direct control', () => {
  test('the desk phone is rung first; when picked up (3 s) it dials, and the far end answers 1 s later', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const op = t.pbx.makeCall({ dn: '101', deviceId: ids.bobDesk, destination: EXTERNAL });
    const origin = op.participant!;
    assert.equal(origin.status, 'Ringing');
    assert.equal(origin.directControl, false);
    assert.equal(origin.partyCallerId, EXTERNAL, 'the ringing phone shows who it will call');
    assert.deepEqual(t.log(), [`+101#${origin.id} Ringing`]);
    assertConsistent(t.pbx);

    t.clock.advance(3000);
    const far = only(t.pbx, '10000');
    assert.deepEqual(t.log(), [`+101#${origin.id} Dialing`, `+10000#${far.id} Ringing`]);
    t.clock.advance(1000);
    assert.deepEqual(t.log(), [`+10000#${far.id} Connected`, `+101#${origin.id} Connected`]);
    assertConsistent(t.pbx);
  });

  test('if the phone is not picked up the attempt ends after the ring timeout', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    t.behaviours.setDevice('101', ids.bobDesk, { kind: 'never' });
    const origin = t.pbx.makeCall({ dn: '101', deviceId: ids.bobDesk, destination: EXTERNAL }).participant!;
    t.log();
    t.clock.advance(30_000);
    assert.deepEqual(t.log(), [`-101#${origin.id} no-answer`]);
    assert.equal(t.pbx.activeCallCount(), 0);
  });

  test('if the destination turns out busy once the phone is picked up, the call ends', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const origin = t.pbx.makeCall({ dn: '101', deviceId: ids.bobDesk, destination: '+15550001' }).participant!;
    t.log();
    t.clock.advance(3000);
    assert.deepEqual(t.log(), [`-101#${origin.id} busy`]);
    assert.equal(t.pbx.activeCallCount(), 0);
  });

  test('DN form with several devices rings them all and is pending; the one picked up dials', async () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const op = t.pbx.makeCall({ dn: '101', destination: EXTERNAL });
    assert.equal(op.participant, undefined);
    assert.equal(op.outcome, undefined);
    const [desk, soft] = t.pbx.listParticipants('101');
    assert.deepEqual([desk!.deviceId, soft!.deviceId], [ids.bobDesk, ids.bobSoft]);
    assert.deepEqual([desk!.status, soft!.status], ['Ringing', 'Ringing']);
    t.log();
    t.pbx.answer('101', soft!.id); // the softphone has direct control: the application may pick it up
    const far = only(t.pbx, '10000');
    assert.deepEqual(t.log(), [`-101#${desk!.id} answered-elsewhere`, `+101#${soft!.id} Dialing`, `+10000#${far.id} Ringing`]);
    const outcome = await op.settled();
    assert.equal(outcome.ok, true);
    assert.equal(outcome.participant?.id, soft!.id);
    assert.equal(outcome.participant?.status, 'Dialing', 'the outcome shows the participant as it is once picked up');
    assertConsistent(t.pbx);
  });
});

describe('makecall refusals leave no trace', () => {
  const cases: [string, (t: ReturnType<typeof startPbx>) => void, string][] = [
    ['unknown DN', (t) => t.pbx.makeCall({ dn: '999', destination: '100' }), 'DnNotFound'],
    ['unknown device', (t) => t.pbx.makeCall({ dn: '800', deviceId: 'sip:nope@127.0.0.1', destination: '100' }), 'DeviceNotFound'],
    ['DN without a registered device', (t) => t.pbx.makeCall({ dn: '102', destination: '100' }), 'DeviceNotRegistered'],
    ['configured device that is not registered', (t) => t.pbx.makeCall({ dn: '102', deviceId: deviceIds(t.config).carol, destination: '100' }), 'DeviceNotRegistered'],
    ['destination missing', (t) => t.pbx.makeCall({ dn: '800', destination: '' }), 'InvalidDestination'],
    ['destination not a number', (t) => t.pbx.makeCall({ dn: '800', destination: 'sales' }), 'InvalidDestination'],
    ['calling itself', (t) => t.pbx.makeCall({ dn: '800', destination: '800' }), 'InvalidDestination'],
    ['from a trunk', (t) => t.pbx.makeCall({ dn: '10000', destination: '100' }), 'NotSupported'],
    ['attached data not strings', (t) => t.pbx.makeCall({ dn: '800', destination: '100', attachedData: { nested: { a: 1 } } }), 'InvalidArgument'],
    ['attached data not an object', (t) => t.pbx.makeCall({ dn: '800', destination: '100', attachedData: ['a'] }), 'InvalidArgument'],
    ['negative timeout', (t) => t.pbx.makeCall({ dn: '100', destination: '101', timeoutSeconds: -1 }), 'InvalidArgument'],
  ];
  for (const [name, run, expected] of cases) {
    test(`${name} -> ${expected}`, () => {
      const t = startPbx();
      assert.throws(() => run(t), code(expected));
      assert.deepEqual(t.log(), []);
      assert.equal(t.pbx.activeCallCount(), 0);
    });
  }

});

describe('makecall destination outcomes arrive later, as a Remove of the originating participant', () => {
  const cases: [string, string, string][] = [
    ['external number busy', '+15550001', 'busy'],
    ['external number rejecting', '+15550009', 'rejected'],
    ['external number unreachable', '+15550003', 'unreachable'],
    ['extension with no registered device', '102', 'not-registered'],
  ];
  for (const [name, destination, cause] of cases) {
    test(`${name}: the call starts (Dialing, settled ok), then the participant leaves with cause ${cause}`, () => {
      const t = startPbx();
      t.behaviours.setExternal('+15550009', { kind: 'reject' });
      const op = t.pbx.makeCall({ dn: '800', destination });
      const origin = op.participant!;
      assert.equal(origin.status, 'Dialing');
      assert.deepEqual(op.outcome, { ok: true, participant: origin });
      assert.deepEqual(t.log(), [`+800#${origin.id} Dialing`, `-800#${origin.id} ${cause}`]);
      assert.equal(t.pbx.participantDetail(origin.id), undefined);
      assert.equal(t.pbx.activeCallCount(), 0);
      assertConsistent(t.pbx);
    });
  }

  test('a busy extension device: every device refusing ends the caller with cause busy', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    t.behaviours.setDevice('100', ids.alice, { kind: 'busy' });
    const origin = t.pbx.makeCall({ dn: '800', destination: '100' }).participant!;
    assert.deepEqual(t.log(), [`+800#${origin.id} Dialing`, `-800#${origin.id} busy`]);
    assert.equal(t.pbx.activeCallCount(), 0);
  });

  test('a device that rejects while ringing ends the call with its cause', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    t.behaviours.setDevice('100', ids.alice, { kind: 'manual' });
    const origin = t.pbx.makeCall({ dn: '800', destination: '100' }).participant!;
    const alice = only(t.pbx, '100');
    t.log();
    t.pbx.endpointReject(alice.id, 'rejected');
    assert.deepEqual(t.log(), [`-100#${alice.id} rejected`, `-800#${origin.id} rejected`]);
  });
});

describe('drop', () => {
  test('dropping either side of a connected call ends it for both', () => {
    for (const side of ['800', '10000']) {
      const t = startPbx();
      const origin = t.pbx.makeCall({ dn: '800', destination: EXTERNAL }).participant!;
      t.clock.advance(1000);
      const far = only(t.pbx, '10000');
      t.log();
      const dropped = side === '800' ? origin : far;
      const other = side === '800' ? far : origin;
      assert.equal(t.pbx.drop(side, dropped.id).outcome?.ok, true);
      assert.deepEqual(t.log(), [`-${dropped.dn}#${dropped.id} dropped`, `-${other.dn}#${other.id} peer-left`]);
      assert.throws(() => t.pbx.getParticipant(side, dropped.id), code('ParticipantNotFound'));
      assert.equal(t.pbx.activeCallCount(), 0);
      assert.equal(t.clock.pendingTimers(), 0);
    }
  });

  test('dropping the caller while the destination rings cancels the ringing', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '100', destination: '103' }).participant!;
    const dave = only(t.pbx, '103');
    t.log();
    t.pbx.drop('100', origin.id);
    assert.deepEqual(t.log(), [`-100#${origin.id} dropped`, `-103#${dave.id} cancelled`]);
    assert.equal(t.clock.pendingTimers(), 0);
  });

  test('dropping the only ringing destination ends the attempt for the caller', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '100', destination: '103' }).participant!;
    const dave = only(t.pbx, '103');
    t.log();
    t.pbx.drop('103', dave.id);
    assert.deepEqual(t.log(), [`-103#${dave.id} dropped`, `-100#${origin.id} peer-left`]);
  });

  test('the remote party hanging up ends the call', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '800', destination: EXTERNAL }).participant!;
    t.clock.advance(1000);
    const far = only(t.pbx, '10000');
    t.log();
    t.pbx.endpointHangup(far.id);
    assert.deepEqual(t.log(), [`-10000#${far.id} hangup`, `-800#${origin.id} peer-left`]);
  });

  test('a participant id is only found on its own DN', () => {
    const t = startPbx();
    const origin = t.pbx.makeCall({ dn: '800', destination: EXTERNAL }).participant!;
    assert.throws(() => t.pbx.drop('100', origin.id), code('ParticipantNotFound'));
    assert.throws(() => t.pbx.drop('800', origin.id + 1000), code('ParticipantNotFound'));
    assert.throws(() => t.pbx.drop('999', origin.id), code('DnNotFound'));
    assert.equal(t.pbx.getParticipant('800', origin.id).status, 'Dialing');
  });
});
