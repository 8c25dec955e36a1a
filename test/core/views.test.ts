// Participant events carry the participant's topology (held, peer), so a listener need not read it back from the core.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PbxEvent } from '../../src/core/types.js';
import { deviceIds } from '../helpers/demo.js';
import { startPbx } from '../helpers/pbx.js';

type ParticipantEvent = Extract<PbxEvent, { type: 'participant-upserted' | 'participant-removed' }>;

function lastFor(events: PbxEvent[], id: number): ParticipantEvent | undefined {
  const mine = events.filter((e): e is ParticipantEvent => (e.type === 'participant-upserted' || e.type === 'participant-removed') && e.participant.id === id);
  return mine.at(-1);
}

describe('topology on participant events', () => {
  test('a connected pair names each other on their events, and removal carries the last link', () => {
    const t = startPbx();
    t.pbx.registerDevice('102', { id: deviceIds(t.config).carol });
    const op = t.pbx.makeCall({ dn: '800', destination: '102' });
    const caller = op.participant?.id;
    assert.ok(caller !== undefined);
    const [callee] = t.pbx.listParticipants('102');
    assert.ok(callee);
    assert.deepEqual(lastFor(t.events, callee.id)?.link, { held: false, peerId: caller });
    t.pbx.endpointAnswer(callee.id);
    assert.deepEqual(lastFor(t.events, caller)?.link, { held: false, peerId: callee.id });
    assert.deepEqual(lastFor(t.events, callee.id)?.link, { held: false, peerId: caller });
    assert.deepEqual(t.pbx.participantLink(caller), { held: false, peerId: callee.id });
    t.pbx.drop('102', callee.id);
    const removed = lastFor(t.events, callee.id);
    assert.equal(removed?.type, 'participant-removed');
    assert.deepEqual(removed?.link, { held: false, peerId: caller });
  });
});
