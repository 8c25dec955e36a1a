// Tests of the /sim control plane over app.inject: auth, every route, and the errors it promises.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SystemClock } from '../../src/core/clock.js';
import { createSimulatedPbx } from '../../src/endpoints/directory.js';
import { demoConfig } from '../../src/config/demo.js';
import { registerSimRoutes } from '../../src/sim/routes.js';
import { deviceIds } from '../helpers/demo.js';
import { startPbx, TEST_DEMO_SECRET, type TestPbx } from '../helpers/pbx.js';

const KEY = 'sim-admin-key-for-tests';
const auth = { authorization: `Bearer ${KEY}` };

async function simApp(t: TestPbx = startPbx()) {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  await app.register(async (scope) => registerSimRoutes(scope, { sim: t, clock: t.clock, config: t.config, adminKey: KEY }), { prefix: '/sim' });
  await app.ready();
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
    const response = await app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
  };
  return { app, t, call };
}

describe('/sim authentication', () => {
  test('every route needs the admin key; a wrong key or an application token is refused with 401', async () => {
    const { app } = await simApp();
    for (const headers of [{}, { authorization: 'Bearer wrong-key' }, { authorization: `Bearer ${TEST_DEMO_SECRET}` }, { authorization: `Basic ${KEY}` }]) {
      const response = await app.inject({ method: 'GET', url: '/sim/state', headers });
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().error, 'Unauthorized');
    }
    const byHeader = await app.inject({ method: 'GET', url: '/sim/state', headers: { 'x-switchboard-admin-key': KEY } });
    assert.equal(byHeader.statusCode, 200);
  });
});

describe('/sim state and calls', () => {
  test('state lists DNs with device behaviours, route point auto-answer, the fake clock', async () => {
    const { call, t } = await simApp();
    const { status, body } = await call('GET', '/sim/state');
    assert.equal(status, 200);
    assert.equal(body.clock.fake, true);
    const bob = body.dns.find((dn: { dn: string }) => dn.dn === '101');
    assert.deepEqual(
      bob.devices.map((d: { deviceId: string; directControl: boolean; registered: boolean; behaviour: unknown }) => [d.deviceId, d.directControl, d.registered, d.behaviour]),
      [
        [deviceIds(t.config).bobDesk, false, true, { kind: 'answer', afterMs: 3000 }],
        [deviceIds(t.config).bobSoft, true, true, { kind: 'manual' }],
      ],
    );
    const carol = body.dns.find((dn: { dn: string }) => dn.dn === '102');
    assert.deepEqual(carol.devices.map((d: { registered: boolean }) => d.registered), [false]);
    assert.equal(body.dns.find((dn: { dn: string }) => dn.dn === '800').autoAnswer, true);
    assert.deepEqual(body.calls, []);
  });

  test('an external number calls a DID: the call reaches the route point and the caller is an external party', async () => {
    const { call } = await simApp();
    const placed = await call('POST', '/sim/calls', { from: '+15557654321', to: '+15550100', callerName: 'Erin' });
    assert.equal(placed.status, 201);
    assert.equal(placed.body.party.kind, 'external');
    assert.equal(placed.body.party.number, '+15557654321');
    assert.equal(placed.body.party.status, 'Connected');
    assert.equal(placed.body.party.partyDn, '800');
    const state = await call('GET', '/sim/state');
    assert.equal(state.body.calls.length, 1);
    assert.equal(state.body.calls[0].callId, placed.body.callId);
    assert.equal(state.body.calls[0].did, '+15550100');
    const party = await call('GET', `/sim/parties/${placed.body.partyId}`);
    assert.equal(party.body.name, 'Erin');
  });

  test('an extension’s phone dials out; a named device dials', async () => {
    const { call, t } = await simApp();
    const placed = await call('POST', '/sim/calls', { from: '101', to: '100', device: deviceIds(t.config).bobSoft });
    assert.equal(placed.status, 201);
    assert.equal(placed.body.party.kind, 'phone');
    assert.equal(placed.body.party.status, 'Dialing');
    assert.equal(placed.body.party.deviceId, deviceIds(t.config).bobSoft);
    const parties = await call('GET', '/sim/parties');
    assert.deepEqual(parties.body.map((p: { dn: string; status: string }) => [p.dn, p.status]), [
      ['101', 'Dialing'],
      ['100', 'Ringing'],
    ]);
  });

  test('call refusals: unknown DID 422, busy number 424, unregistered extension 424, bad body 400', async () => {
    const { call } = await simApp();
    assert.equal((await call('POST', '/sim/calls', { from: '+15557654321', to: '+15559999' })).status, 422);
    assert.equal((await call('POST', '/sim/calls', { from: '100', to: '+15550001' })).status, 424);
    assert.equal((await call('POST', '/sim/calls', { from: '102', to: '100' })).status, 424);
    assert.equal((await call('POST', '/sim/calls', { from: '800', to: '100' })).status, 422);
    const bad = await call('POST', '/sim/calls', { to: '100' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'InvalidRequest');
  });
});

describe('/sim parties', () => {
  test('answer a ringing phone; answering again is 409; unknown ids 404; a route point is not a party', async () => {
    const { call, t } = await simApp();
    await call('POST', '/sim/calls', { from: '+15557654321', to: '101' });
    const soft = t.pbx.listParticipants('101').find((p) => p.deviceId === deviceIds(t.config).bobSoft)!;
    const answered = await call('POST', `/sim/parties/${soft.id}/answer`);
    assert.equal(answered.status, 200);
    assert.equal(answered.body.party.status, 'Connected');
    const again = await call('POST', `/sim/parties/${soft.id}/answer`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'InvalidState');
    assert.match(again.body.message, /not Ringing/);
    assert.equal((await call('GET', '/sim/parties/99999')).status, 404);
    assert.equal((await call('GET', '/sim/parties/abc')).status, 404);
    assert.deepEqual(await call('POST', `/sim/parties/${soft.id}/dance`), { status: 404, body: { error: 'UnknownAction', message: "unknown party action 'dance': use answer, reject, busy, hangup or dtmf" } });
    assert.equal((await call('GET', '/sim/nothing')).body.error, 'RouteNotFound');
    const rp = await call('POST', '/sim/calls', { from: '+15557654322', to: '+15550100' });
    const appLeg = t.pbx.listParticipants('800')[0]!;
    assert.equal((await call('GET', `/sim/parties/${appLeg.id}`)).status, 404);
    assert.equal(rp.status, 201);
  });

  test('reject, busy and hangup end the party’s part', async () => {
    const { call, t } = await simApp();
    await call('PUT', `/sim/devices/100/${encodeURIComponent(deviceIds(t.config).alice)}`, { behaviour: { kind: 'manual' } });
    for (const action of ['reject', 'busy']) {
      const placed = await call('POST', '/sim/calls', { from: '+15557654321', to: '100' });
      const alice = t.pbx.listParticipants('100')[0]!;
      const result = await call('POST', `/sim/parties/${alice.id}/${action}`);
      assert.equal(result.status, 200);
      assert.equal(result.body.party, null);
      assert.equal(t.pbx.participantDetail(placed.body.partyId), undefined, 'the caller’s call ended too');
    }
    const placed = await call('POST', '/sim/calls', { from: '+15557654321', to: '+15550100' });
    const hung = await call('POST', `/sim/parties/${placed.body.partyId}/hangup`);
    assert.deepEqual(hung, { status: 200, body: { party: null } });
    assert.equal(t.pbx.activeCallCount(), 0);
  });

  test('DTMF: all at once, or paced by the clock like a person typing', async () => {
    const { call, t } = await simApp();
    const placed = await call('POST', '/sim/calls', { from: '+15557654321', to: '+15550100' });
    t.log();
    assert.equal((await call('POST', `/sim/parties/${placed.body.partyId}/dtmf`, { digits: '12' })).status, 200);
    const app = t.pbx.listParticipants('800')[0]!;
    assert.deepEqual(t.log(), [`dtmf 800#${app.id} 1`, `dtmf 800#${app.id} 2`]);
    await call('POST', `/sim/parties/${placed.body.partyId}/dtmf`, { digits: '#*0', intervalMs: 300 });
    assert.deepEqual(t.log(), [`dtmf 800#${app.id} #`]);
    t.clock.advance(300);
    assert.deepEqual(t.log(), [`dtmf 800#${app.id} *`]);
    t.clock.advance(300);
    assert.deepEqual(t.log(), [`dtmf 800#${app.id} 0`]);
    assert.equal((await call('POST', `/sim/parties/${placed.body.partyId}/dtmf`, { digits: 'xyz' })).status, 400);
  });

  test('DTMF from a party not in conversation is 409', async () => {
    const { call } = await simApp();
    const placed = await call('POST', '/sim/calls', { from: '+15557654321', to: '103' });
    assert.equal((await call('POST', `/sim/parties/${placed.body.partyId}/dtmf`, { digits: '1' })).status, 409);
  });
});

describe('/sim behaviours, devices, route points, clock, reset', () => {
  test('an external number’s behaviour can be changed', async () => {
    const { call } = await simApp();
    const set = await call('PUT', '/sim/numbers/+15557000009', { behaviour: { kind: 'busy' }, callerName: 'Acme' });
    assert.deepEqual(set.body, { number: '+15557000009', behaviour: { kind: 'busy' }, callerName: 'Acme' });
    assert.equal((await call('POST', '/sim/calls', { from: '100', to: '+15557000009' })).status, 424);
    assert.equal((await call('PUT', '/sim/numbers/+15557000009', { behaviour: { kind: 'sometimes' } })).status, 400);
  });

  test('a device’s behaviour and direct control can be changed; raw and encoded ids both work', async () => {
    const { call, t } = await simApp();
    const desk = deviceIds(t.config).bobDesk;
    const changed = await call('PUT', `/sim/devices/101/${encodeURIComponent(desk)}`, { directControl: true, behaviour: { kind: 'never' } });
    assert.equal(changed.status, 200);
    assert.deepEqual([changed.body.directControl, changed.body.behaviour], [true, { kind: 'never' }]);
    const raw = await call('PUT', `/sim/devices/101/${desk}`, { behaviour: { kind: 'answer', afterMs: 10 } });
    assert.equal(raw.status, 200);
    assert.equal((await call('PUT', '/sim/devices/101/nope', {})).status, 404);
    assert.equal((await call('PUT', `/sim/devices/800/${encodeURIComponent(deviceIds(t.config).routePoint)}`, {})).status, 422);
  });

  test('registering and unregistering phones is visible as device events', async () => {
    const { call, t } = await simApp();
    const carol = deviceIds(t.config).carol;
    t.log();
    const added = await call('POST', '/sim/devices/102', { id: carol, behaviour: { kind: 'answer', afterMs: 0 } });
    assert.equal(added.status, 201);
    assert.equal(added.body.registered, true);
    assert.equal((await call('POST', '/sim/devices/102', { id: carol })).status, 409);
    const removed = await call('DELETE', `/sim/devices/102/${encodeURIComponent(carol)}`);
    assert.equal(removed.status, 200);
    assert.equal(removed.body.registered, false);
    assert.deepEqual(t.log(), [`device+ 102 ${carol}`, `device- 102 ${carol}`]);
    assert.equal((await call('DELETE', '/sim/devices/102/nope')).status, 404);
    assert.equal((await call('POST', '/sim/devices/999', { id: 'x' })).status, 404);
  });

  test('route point auto-answer can be switched off', async () => {
    const { call, t } = await simApp();
    assert.deepEqual((await call('PUT', '/sim/routepoints/800', { autoAnswer: false })).body, { autoAnswer: false });
    await call('POST', '/sim/calls', { from: '+15557654321', to: '+15550100' });
    assert.equal(t.pbx.listParticipants('800')[0]!.status, 'Ringing');
    assert.equal((await call('PUT', '/sim/routepoints/100', { autoAnswer: false })).status, 422);
  });

  test('fake time moves ring timeouts on demand; a real clock refuses with 409', async () => {
    const { call, t } = await simApp();
    await call('POST', '/sim/calls', { from: '+15557654321', to: '103' });
    const before = (await call('GET', '/sim/clock')).body.now;
    const advanced = await call('POST', '/sim/clock/advance', { ms: 30_000 });
    assert.equal(advanced.status, 200);
    assert.equal(Date.parse(advanced.body.now) - Date.parse(before), 30_000);
    assert.equal(t.pbx.activeCallCount(), 0, 'Dave never answered: the ring timeout fired');

    const real = createSimulatedPbx(demoConfig({ demoSecret: TEST_DEMO_SECRET }), new SystemClock());
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    await app.register(async (scope) => registerSimRoutes(scope, { sim: real, clock: new SystemClock(), config: demoConfig({ demoSecret: TEST_DEMO_SECRET }), adminKey: KEY }), { prefix: '/sim' });
    const refused = await app.inject({ method: 'POST', url: '/sim/clock/advance', headers: auth, payload: { ms: 1000 } });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().message, /--fake-clock/);
  });

  test('reset ends every call and restores configured devices, behaviours and settings', async () => {
    const { call, t } = await simApp();
    const ids = deviceIds(t.config);
    await call('POST', '/sim/calls', { from: '+15557654321', to: '+15550100' });
    await call('PUT', '/sim/routepoints/800', { autoAnswer: false });
    await call('PUT', '/sim/numbers/+15557000001', { behaviour: { kind: 'busy' } });
    await call('PUT', `/sim/devices/100/${encodeURIComponent(ids.alice)}`, { behaviour: { kind: 'never' }, directControl: false });
    await call('POST', '/sim/devices/102', { id: ids.carol });
    await call('POST', '/sim/devices/103', { id: 'sip:103@127.0.0.1:7777' });
    await call('DELETE', `/sim/devices/101/${encodeURIComponent(ids.bobSoft)}`);
    t.log();
    assert.deepEqual((await call('POST', '/sim/reset')).body, { ok: true });
    const log = t.log();
    assert.ok(log.includes(`device- 102 ${ids.carol}`));
    assert.ok(log.includes('device- 103 sip:103@127.0.0.1:7777'));
    assert.ok(log.includes(`device+ 101 ${ids.bobSoft}`));
    const state = (await call('GET', '/sim/state')).body;
    assert.deepEqual(state.calls, []);
    assert.equal(state.dns.find((dn: { dn: string }) => dn.dn === '800').autoAnswer, true);
    const alice = state.dns.find((dn: { dn: string }) => dn.dn === '100').devices[0];
    assert.deepEqual([alice.directControl, alice.behaviour], [true, { kind: 'answer', afterMs: 1000 }]);
    assert.deepEqual(state.dns.find((dn: { dn: string }) => dn.dn === '103').devices.map((d: { deviceId: string }) => d.deviceId), [ids.dave]);
    assert.equal((await call('POST', '/sim/calls', { from: '100', to: '+15557000001' })).status, 201, 'the number answers again');
  });
});
