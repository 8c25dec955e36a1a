// Participant events carry the participant's topology (audio, held, peer), and a link event announces a change no Upsert
// carries, so a listener need not read the topology back from the core.

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
    assert.deepEqual(lastFor(t.events, callee.id)?.link, { media: false, held: false, peerId: caller });
    t.pbx.endpointAnswer(callee.id);
    assert.deepEqual(lastFor(t.events, caller)?.link, { media: true, held: false, peerId: callee.id });
    assert.deepEqual(lastFor(t.events, callee.id)?.link, { media: true, held: false, peerId: caller });
    assert.deepEqual(t.pbx.participantLink(caller), { media: true, held: false, peerId: callee.id });
    t.pbx.drop('102', callee.id);
    const removed = lastFor(t.events, callee.id);
    assert.equal(removed?.type, 'participant-removed');
    assert.deepEqual(removed?.link, { media: true, held: false, peerId: caller });
  });

  test('a transfer holds the other party and a failed one takes it off hold, each announced by a link event', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: '+15550123', to: '+15550100' });
    const [app] = t.pbx.listParticipants('800');
    assert.ok(app);
    const start = t.events.length;
    t.pbx.transferTo('800', app.id, { destination: '103' });
    const links = () => t.events.slice(start).filter((e) => e.type === 'participant-link');
    assert.deepEqual(links(), [{ type: 'participant-link', dn: caller.dn, participantId: caller.id, callId: caller.callId, link: { media: true, held: true, peerId: app.id } }]);
    t.clock.advance(30_000); // nobody answers at 103
    assert.deepEqual(links().at(-1), { type: 'participant-link', dn: caller.dn, participantId: caller.id, callId: caller.callId, link: { media: true, held: false, peerId: app.id } });
    assert.equal(t.pbx.participantDetail(caller.id)?.held, false);
  });

  test('a participant left alone while an attempt still brings it someone is told its peer is gone', () => {
    const t = startPbx();
    const caller = t.pbx.placeInboundCall({ from: '+15550123', to: '+15550100' });
    const [app] = t.pbx.listParticipants('800');
    assert.ok(app);
    t.pbx.transferTo('800', app.id, { destination: '103' });
    const start = t.events.length;
    t.pbx.drop('800', app.id); // the transferrer leaves; the caller waits, held, for 103
    const link = t.events.slice(start).find((e) => e.type === 'participant-link' && e.participantId === caller.id);
    assert.deepEqual(link && link.type === 'participant-link' ? link.link : undefined, { media: true, held: true, peerId: null });
  });
});
