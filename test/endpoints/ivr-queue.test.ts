// Tests of the built-in IVR and queue: menus, timeouts, ring-all and in-order agents, busy agents, overflow.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoConfig } from '../../src/config/demo.js';
import { deviceIds } from '../helpers/demo.js';
import { assertConsistent, only, startPbx, TEST_DEMO_SECRET } from '../helpers/pbx.js';

const CALLER = '+15557654321';

describe('built-in IVR (801: 1 -> 100, 2 -> 802, 10 s -> 800)', () => {
  test('answers at once; key 1 routes to Alice, who replaces the IVR when she answers', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550101' });
    const ivr = only(t.pbx, '801');
    assert.deepEqual(t.log(), [`+10000#${caller.id} Dialing`, `+801#${ivr.id} Ringing`, `+801#${ivr.id} Connected`, `+10000#${caller.id} Connected`]);
    t.pbx.sendDtmf(caller.id, '1');
    const alice = only(t.pbx, '100');
    assert.deepEqual(t.log(), [`dtmf 801#${ivr.id} 1`, `+100#${alice.id} Ringing`]);
    assert.equal(alice.referredByDn, '801');
    assert.equal(alice.referredByType, 'Wivr');
    assert.equal(alice.partyDid, '+15550101');
    t.clock.advance(1000);
    assert.deepEqual(t.log(), [`+100#${alice.id} Connected`, `+10000#${caller.id} Connected`, `-801#${ivr.id} replaced`]);
    assertConsistent(t.pbx);
  });

  test('no key for 10 s routes to the timeout destination (route point 800)', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550101' });
    t.log();
    t.clock.advance(9_999);
    assert.deepEqual(t.log(), []);
    t.clock.advance(1);
    const app = only(t.pbx, '800');
    assert.equal(app.status, 'Connected');
    assert.equal(app.referredByDn, '801');
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, app.id);
    assert.deepEqual(t.pbx.listParticipants('801'), []);
  });

  test('a key not in the menu restarts the wait', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550101' });
    t.clock.advance(9_000);
    t.pbx.sendDtmf(caller.id, '9');
    t.clock.advance(9_000);
    assert.equal(t.pbx.listParticipants('800').length, 0);
    t.clock.advance(1_000);
    assert.equal(t.pbx.listParticipants('800').length, 1);
  });

  test('a destination that refuses at once plays the menu again', () => {
    const t = startPbx();
    t.behaviours.setDevice('100', deviceIds(t.config).alice, { kind: 'busy' });
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550101' });
    t.pbx.sendDtmf(caller.id, '1');
    assert.equal(t.pbx.listParticipants('100').length, 0);
    assert.equal(only(t.pbx, '801').status, 'Connected');
    t.clock.advance(10_000);
    assert.equal(only(t.pbx, '800').status, 'Connected');
  });

  test('the caller hanging up in the menu clears the IVR', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550101' });
    t.pbx.endpointHangup(caller.id);
    assert.equal(t.pbx.activeCallCount(), 0);
    assert.equal(t.clock.pendingTimers(), 0);
  });
});

describe('built-in queue (802: agents 100, 101, ring-all)', () => {
  test('rings every free agent on behalf of the queue; the first to answer gets the caller', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550102' });
    const queue = only(t.pbx, '802');
    assert.equal(queue.status, 'Connected');
    const ringing = [...t.pbx.listParticipants('100'), ...t.pbx.listParticipants('101')];
    assert.equal(ringing.length, 3, 'Alice and both of Bob’s devices ring');
    for (const p of ringing) {
      assert.equal(p.status, 'Ringing');
      assert.equal(p.onBehalfOfDn, '802');
      assert.equal(p.onBehalfOfType, 'Wqueue');
      assert.equal(p.partyCallerId, CALLER);
    }
    t.clock.advance(1000); // Alice answers first
    assert.equal(only(t.pbx, '100').status, 'Connected');
    assert.deepEqual(t.pbx.listParticipants('101'), []);
    assert.deepEqual(t.pbx.listParticipants('802'), []);
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, only(t.pbx, '100').id);
    assertConsistent(t.pbx);
  });

  test('with no agent answering, agents are rung again each round until the hold timeout hangs up', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    for (const [dn, id] of [['100', ids.alice], ['101', ids.bobDesk], ['101', ids.bobSoft]] as const) t.behaviours.setDevice(dn, id, { kind: 'never' });
    t.pbx.placeInboundCall({ from: CALLER, to: '+15550102' });
    const firstRound = t.pbx.listParticipants('100')[0]!.id;
    t.clock.advance(20_000);
    const secondRound = t.pbx.listParticipants('100')[0]!.id;
    assert.notEqual(secondRound, firstRound, 'a new ring round started');
    assertConsistent(t.pbx);
    t.clock.advance(100_000);
    assert.equal(t.pbx.activeCallCount(), 0, 'hold timeout (120 s) with no overflow hangs up');
    assert.equal(t.clock.pendingTimers(), 0);
  });

  test('agents already on a call are skipped', () => {
    const t = startPbx();
    t.pbx.placeInboundCall({ from: '+15557000002', to: '100' });
    t.clock.advance(1000); // Alice is on a call
    t.pbx.placeInboundCall({ from: CALLER, to: '+15550102' });
    assert.equal(t.pbx.listParticipants('100').length, 1);
    assert.equal(t.pbx.listParticipants('101').length, 2);
  });

  test('in-order strategy rings one agent at a time; overflow routes to its destination on hold timeout', () => {
    const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
    const queue = config.queues[0]!;
    queue.strategy = 'in-order';
    queue.holdTimeoutSeconds = 50;
    queue.overflowDestination = '800';
    const t = startPbx(config);
    const ids = deviceIds(config);
    t.behaviours.setDevice('100', ids.alice, { kind: 'never' });
    t.behaviours.setDevice('101', ids.bobDesk, { kind: 'never' });
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550102' });
    assert.equal(t.pbx.listParticipants('100').length, 1);
    assert.equal(t.pbx.listParticipants('101').length, 0);
    t.clock.advance(20_000);
    assert.equal(t.pbx.listParticipants('100').length, 0);
    assert.equal(t.pbx.listParticipants('101').length, 2);
    t.clock.advance(20_000);
    assert.equal(t.pbx.listParticipants('100').length, 1, 'back to the first agent');
    t.clock.advance(10_000); // 50 s: overflow
    assert.equal(t.pbx.listParticipants('100').length, 0);
    const app = only(t.pbx, '800');
    assert.equal(app.status, 'Connected');
    assert.equal(t.pbx.participantDetail(caller.id)?.peerId, app.id);
    assertConsistent(t.pbx);
  });
});

describe('devices and DTMF', () => {
  test('registering and unregistering devices is announced; calls reach a newly registered device', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const device = t.pbx.registerDevice('102', { id: ids.carol });
    assert.equal(device.dn, '102');
    assert.deepEqual(t.pbx.listDevices('102').map((d) => d.deviceId), [ids.carol]);
    t.pbx.registerDevice('102', { id: 'sip:102@127.0.0.1:5999', userAgent: 'Test Phone', directControl: true });
    assert.deepEqual(t.log(), [`device+ 102 ${ids.carol}`, 'device+ 102 sip:102@127.0.0.1:5999']);
    t.pbx.makeCall({ dn: '800', destination: '102' });
    assert.equal(t.pbx.listParticipants('102').length, 2);
    t.pbx.unregisterDevice('102', 'sip:102@127.0.0.1:5999');
    assert.equal(t.pbx.listParticipants('102').length, 1);
    assert.deepEqual(t.pbx.listDevices('102').map((d) => d.deviceId), [ids.carol]);
  });

  test('unregistering a device mid-call ends its participant and the call', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '100' });
    t.clock.advance(1000);
    const alice = only(t.pbx, '100');
    t.log();
    t.pbx.unregisterDevice('100', ids.alice);
    assert.deepEqual(t.log(), [`-100#${alice.id} unregistered`, `-10000#${caller.id} peer-left`, `device- 100 ${ids.alice}`]);
  });

  test('device registration refusals', () => {
    const t = startPbx();
    const ids = deviceIds(t.config);
    const code = (expected: string) => (error: { code?: string }) => error.code === expected;
    assert.throws(() => t.pbx.registerDevice('100', { id: ids.alice }), code('InvalidState'));
    assert.throws(() => t.pbx.registerDevice('800', { id: 'x' }), code('NotSupported'));
    assert.throws(() => t.pbx.registerDevice('999', { id: 'x' }), code('DnNotFound'));
    assert.throws(() => t.pbx.unregisterDevice('100', 'nope'), code('DeviceNotFound'));
    assert.throws(() => t.pbx.getDevice('100', 'nope'), code('DeviceNotFound'));
  });

  test('digits pressed by a party reach the participant it talks to, one event per digit, in order', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
    const app = only(t.pbx, '800');
    t.log();
    t.pbx.sendDtmf(caller.id, '12#');
    assert.deepEqual(t.log(), [`dtmf 800#${app.id} 1`, `dtmf 800#${app.id} 2`, `dtmf 800#${app.id} #`]);
  });

  test('DTMF refusals: not digits, not in conversation', () => {
    const t = startPbx();
    const code = (expected: string) => (error: { code?: string }) => error.code === expected;
    const caller = t.pbx.placeInboundCall({ from: CALLER, to: '100' });
    assert.throws(() => t.pbx.sendDtmf(caller.id, '1'), code('InvalidState'));
    t.clock.advance(1000);
    assert.throws(() => t.pbx.sendDtmf(caller.id, 'x'), code('InvalidArgument'));
    assert.throws(() => t.pbx.sendDtmf(caller.id, ''), code('InvalidArgument'));
    assert.throws(() => t.pbx.sendDtmf(9999, '1'), code('ParticipantNotFound'));
  });
});
