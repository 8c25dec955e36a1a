// The attempt machine seen from commands: a refused route leaves no trace, and a settled attempt ignores what comes late.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_TIMEOUT_SECONDS } from '../../src/limits.js';
import { startPbx } from '../helpers/pbx.js';

describe('attempts', () => {
  test('routeto, transferto and divert refuse an out-of-range ring timeout before anything rings', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: '+15550123', to: '+15550100' });
    const [app] = t.pbx.listParticipants('800');
    assert.ok(app);
    t.log();
    const ringTimeoutSeconds = MAX_TIMEOUT_SECONDS + 1;
    assert.throws(() => t.pbx.routeTo('800', app.id, { destination: '103', ringTimeoutSeconds }), { code: 'InvalidArgument' });
    assert.throws(() => t.pbx.transferTo('800', app.id, { destination: '103', ringTimeoutSeconds }), { code: 'InvalidArgument' });
    assert.deepEqual(t.log(), [], 'no participant was created');
    assert.equal(t.pbx.participantDetail(caller.id)?.held, false, 'the transfer did not hold the caller');
    t.pbx.routeTo('800', app.id, { destination: '103' });
    const [ringing] = t.pbx.listParticipants('103');
    assert.ok(ringing);
    t.log();
    assert.throws(() => t.pbx.divert('103', ringing.id, { destination: '100', ringTimeoutSeconds }), { code: 'InvalidArgument' });
    assert.deepEqual(t.log(), [], 'the diverted participant still rings');
  });

  test('the ring timer of an answered attempt does nothing when it would have run out', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: '+15550123', to: '+15550100' });
    const [app] = t.pbx.listParticipants('800');
    assert.ok(app);
    const operation = t.pbx.routeTo('800', app.id, { destination: '103', ringTimeoutSeconds: 5 });
    const [agent] = t.pbx.listParticipants('103');
    assert.ok(agent);
    t.clock.advance(1000);
    t.pbx.endpointAnswer(agent.id);
    assert.equal(operation.outcome?.ok, true);
    t.log();
    t.clock.advance(10_000);
    assert.deepEqual(t.log(), []);
    assert.deepEqual(t.pbx.participantLink(caller.id), { media: true, held: false, peerId: agent.id });
  });
});
