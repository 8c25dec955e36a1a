// The SDK's waiting helpers against a started server on the fake clock: participants and parties reaching a state,
// or leaving, read from the event socket and the live feed, with their timeouts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimClient, WaitTimeoutError } from '../../src/client/index.js';
import { ADMIN_KEY, startE2e } from './harness.js';

describe('CallControlClient.waitForParticipant / waitForRemoval', () => {
  test('resolves with the participant once it matches, read from its Upsert: a ringing caller answered by the application', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    await e.sim.setRoutePoint('800', { autoAnswer: false });
    const app = e.app();
    const placed = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const ringing = await app.waitForParticipant('800', { callid: placed.callId });
    assert.equal(ringing.status, 'Ringing');
    const connected = app.waitForParticipant('800', { callid: placed.callId, status: 'Connected' });
    await app.answer('800', ringing.id);
    const participant = await connected;
    assert.deepEqual([participant.id, participant.status, participant.party_caller_id], [ringing.id, 'Connected', '+15557654321']);
  });

  test('a participant that already matches is returned at once; a test function works as the match', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const placed = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const found = await e.app().waitForParticipant('800', (p) => p.callid === placed.callId, { timeoutMs: 60_000 });
    assert.equal(found.callid, placed.callId);
  });

  test('rejects with WaitTimeoutError when nothing matches in time', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    await assert.rejects(e.app().waitForParticipant('800', { status: 'Connected' }, { timeoutMs: 300 }), (error: unknown) => error instanceof WaitTimeoutError && /within 300 ms/.test(error.message));
  });

  test('waitForRemoval resolves on the Remove, at once for a participant already gone, and times out while it stays', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const stream = await e.events(app);
    const placed = await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const participant = await app.waitForParticipant('800', { callid: placed.callId }, { stream });
    await assert.rejects(app.waitForRemoval('800', participant.id, { timeoutMs: 300, stream }), WaitTimeoutError);
    const removed = app.waitForRemoval('800', participant.id, { stream });
    await e.sim.hangup(placed.partyId);
    await removed;
    await app.waitForRemoval('800', participant.id, { timeoutMs: 60_000 }); // gone already: no frame needed
    await assert.rejects(app.getParticipant('800', participant.id), /ParticipantNotFound/);
  });
});

describe('SimClient.waitForParty / waitForPartyGone', () => {
  test('resolves with the party once it has the status: Alice answers after 1 s of fake time', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const placed = await e.sim.placeCall({ from: '+15557654321', to: '100' });
    const alice = (await e.sim.parties()).find((party) => party.callId === placed.callId && party.dn === '100')!;
    assert.equal(alice.status, 'Ringing');
    const connected = e.sim.waitForParty(alice.id, { status: 'Connected' });
    await e.sim.advanceClock(1000);
    assert.equal((await connected).status, 'Connected');
    assert.equal((await e.sim.waitForParty(alice.id, { status: 'Connected' })).id, alice.id, 'already Connected: at once');

    const gone = e.sim.waitForPartyGone(alice.id);
    await e.sim.hangup(placed.partyId);
    await gone;
  });

  test('times out with WaitTimeoutError, and a wrong admin key is refused', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const placed = await e.sim.placeCall({ from: '+15557654321', to: '100' });
    await assert.rejects(e.sim.waitForParty(placed.partyId, { status: 'Held' }, { timeoutMs: 300 }), WaitTimeoutError);
    await assert.rejects(e.sim.waitForPartyGone(placed.partyId, { timeoutMs: 300 }), WaitTimeoutError);
    const wrong = new SimClient({ baseUrl: e.url, adminKey: `${ADMIN_KEY}-wrong` });
    await assert.rejects(wrong.waitForParty(placed.partyId, { status: 'Connected' }), /401 \(the admin key was refused\)/);
  });
});
