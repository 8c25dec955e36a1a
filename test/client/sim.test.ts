// SimClient against the real server: every /sim route, and SimError for refusals.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionError, EventType, SimClient, SimError } from '../../src/client/index.js';
import { demoConfig } from '../../src/config/demo.js';
import { deviceIds } from '../helpers/demo.js';
import { closedPort, DEMO_SECRET, startE2e } from './harness.js';

const IDS = deviceIds(demoConfig({ demoSecret: DEMO_SECRET }));

describe('SimClient', () => {
  test('state, placeCall, parties, party, answer, hangup', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const { sim } = e;
    const initial = await sim.state();
    assert.equal(initial.clock.fake, true);
    assert.deepEqual(initial.calls, []);
    assert.equal(initial.dns.find((dn) => dn.dn === '800')?.autoAnswer, true);

    const placed = await sim.placeCall({ from: '+15557654321', to: '101', callerName: 'Erin' });
    assert.equal(placed.party.kind, 'external');
    assert.equal(placed.party.name, 'Erin');
    const bobSoft = (await sim.parties()).find((party) => party.deviceId === IDS.bobSoft);
    assert.equal(bobSoft?.status, 'Ringing');
    assert.equal(bobSoft?.kind, 'phone');
    assert.deepEqual(await sim.party(bobSoft.id), bobSoft);
    const answered = await sim.answer(bobSoft.id);
    assert.equal(answered.party?.status, 'Connected');
    assert.equal((await sim.party(placed.partyId)).status, 'Connected');
    const hungUp = await sim.hangup(placed.partyId);
    assert.equal(hungUp.party, null, 'the caller has left');
    assert.deepEqual((await sim.state()).calls, []);
    const removals = (await sim.removals()).filter((r) => r.callId === placed.callId);
    assert.deepEqual(
      removals.map((r) => [r.dn, r.deviceId === IDS.bobDesk ? 'desk' : r.deviceId === IDS.bobSoft ? 'soft' : 'trunk', r.cause]),
      [['101', 'desk', 'answered-elsewhere'], ['10000', 'trunk', 'hangup'], ['101', 'soft', 'peer-left']],
      'each participant that left, with why',
    );
  });

  test('reject and busy refuse a ringing phone; answering a party that is not ringing is 409', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const { sim } = e;
    await sim.setDevice('101', IDS.bobDesk, { behaviour: { kind: 'manual' } });
    for (const refusal of ['reject', 'busy'] as const) {
      const placed = await sim.placeCall({ from: '+15557654321', to: '100' });
      const alice = (await sim.parties()).find((party) => party.dn === '100')!;
      const result = await sim[refusal](alice.id);
      assert.equal(result.party, null);
      assert.equal((await sim.state()).calls.length, 0, `${refusal}: the call ends (${placed.callId})`);
    }
    const placed = await sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const error = await sim.answer(placed.partyId).catch((caught: unknown) => caught);
    assert.ok(error instanceof SimError);
    assert.equal(error.status, 409);
    assert.equal(error.error, 'InvalidState');
  });

  test('dtmf, setNumber, setDevice, registerDevice, unregisterDevice, setRoutePoint', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const { sim } = e;
    const app = e.app();
    const events = await e.events(app);
    const placed = await sim.placeCall({ from: '+15557654321', to: '+15550100' });
    await sim.dtmf(placed.partyId, '7');
    assert.equal((await events.waitFor({ type: EventType.DTMFstring })).event.attached_data.dtmf_input, '7');

    assert.deepEqual(await sim.setNumber('+15559999', { behaviour: { kind: 'busy' }, callerName: 'Busy Line' }), { number: '+15559999', behaviour: { kind: 'busy' }, callerName: 'Busy Line' });
    const device = await sim.setDevice('101', IDS.bobSoft, { behaviour: { kind: 'answer', afterMs: 250 }, directControl: false });
    assert.deepEqual([device.deviceId, device.directControl, device.behaviour], [IDS.bobSoft, false, { kind: 'answer', afterMs: 250 }]);

    const id = 'sip:100@10.0.0.9:5060';
    const registered = await sim.registerDevice('100', { id, userAgent: 'Desk 3', behaviour: { kind: 'never' } });
    assert.deepEqual(registered, { deviceId: id, userAgent: 'Desk 3', directControl: false, registered: true, behaviour: { kind: 'never' } });
    const removed = await sim.unregisterDevice('100', id);
    assert.equal(removed.registered, false);

    assert.deepEqual(await sim.setRoutePoint('800', { autoAnswer: false }), { autoAnswer: false });
    assert.equal((await sim.state()).dns.find((dn) => dn.dn === '800')?.autoAnswer, false);
  });

  test('clock and advanceClock; reset restores the configuration', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const { sim } = e;
    const before = await sim.clock();
    const after = await sim.advanceClock(60_000);
    assert.equal(Date.parse(after.now) - Date.parse(before.now), 60_000);
    await sim.setRoutePoint('800', { autoAnswer: false });
    await sim.placeCall({ from: '+15557654321', to: '+15550100' });
    assert.deepEqual(await sim.reset(), { ok: true });
    const state = await sim.state();
    assert.deepEqual(state.calls, []);
    assert.equal(state.dns.find((dn) => dn.dn === '800')?.autoAnswer, true);
  });

  test('refusals are SimError: wrong key 401, unknown party 404, real clock 409, bad body 400', async (t) => {
    const e = await startE2e(t);
    const wrongKey = new SimClient({ baseUrl: e.url, adminKey: 'not-the-key' });
    await assert.rejects(wrongKey.state(), (error: unknown) => error instanceof SimError && error.status === 401 && error.error === 'Unauthorized');
    await assert.rejects(e.sim.party(999), (error: unknown) => error instanceof SimError && error.status === 404 && error.error === 'ParticipantNotFound');
    await assert.rejects(e.sim.advanceClock(1000), (error: unknown) => error instanceof SimError && error.status === 409 && /--fake-clock/.test(error.message));
    await assert.rejects(e.sim.dtmf(1, 'x'), (error: unknown) => error instanceof SimError && error.status === 400);
  });

  test('an unreachable server is a ConnectionError', async () => {
    const port = await closedPort();
    const sim = new SimClient({ baseUrl: `http://127.0.0.1:${port}`, adminKey: 'k' });
    await assert.rejects(sim.state(), (error: unknown) => error instanceof ConnectionError && error.message === `cannot reach http://127.0.0.1:${port}: connection refused`);
  });
});
