// The asynchronous endpoint contract: what an endpoint may do through its leg's control (progress, hold, dtmf, late
// verdicts) and the hooks the core calls back (held, removed with its cause).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Endpoint, LegControl } from '../../src/core/endpoint.js';
import type { ParticipantLink, PbxEvent, RemovalCause } from '../../src/core/types.js';
import { deviceIds } from '../helpers/demo.js';
import { startPbx, type TestPbx } from '../helpers/pbx.js';

/** An endpoint that does nothing by itself (unless `answers`) and records the controls and hooks it is given. */
class RecordingEndpoint implements Endpoint {
  readonly legs: LegControl[] = [];
  readonly holds: [number, boolean][] = [];
  readonly removals: [number, RemovalCause][] = [];
  readonly digits: [number, string][] = [];
  constructor(private readonly answers = false) {}
  admit() {
    return null;
  }
  offered(leg: LegControl) {
    this.legs.push(leg);
    if (this.answers) leg.answer();
  }
  held(leg: LegControl, held: boolean) {
    this.holds.push([leg.participantId, held]);
  }
  dtmf(leg: LegControl, digit: string) {
    this.digits.push([leg.participantId, digit]);
  }
  removed(leg: LegControl, cause: RemovalCause) {
    this.removals.push([leg.participantId, cause]);
  }
  /** The control of the one leg offered here. */
  get leg(): LegControl {
    assert.equal(this.legs.length, 1, `expected one leg offered, got ${this.legs.length}`);
    return this.legs[0]!;
  }
}

interface Setup {
  t: TestPbx;
  endpoint(dn: string, deviceId: string, answers?: boolean): RecordingEndpoint;
  /** Events since the last call. */
  since(): PbxEvent[];
}

function setup(): Setup {
  const t = startPbx();
  const endpoints = new Map<string, RecordingEndpoint>();
  t.endpoints.setDeviceOverride((dn, deviceId) => endpoints.get(`${dn} ${deviceId}`));
  let read = t.events.length;
  return {
    t,
    endpoint(dn, deviceId, answers = false) {
      const endpoint = new RecordingEndpoint(answers);
      endpoints.set(`${dn} ${deviceId}`, endpoint);
      return endpoint;
    },
    since() {
      const events = t.events.slice(read);
      read = t.events.length;
      return events;
    },
  };
}

function links(events: PbxEvent[]): [number, ParticipantLink][] {
  return events.flatMap((e) => (e.type === 'participant-link' ? [[e.participantId, e.link] as [number, ParticipantLink]] : []));
}

function types(events: PbxEvent[]): string[] {
  return events.map((e) => e.type);
}

/** Alice (100) calls Dave (103), whose phone is a recording endpoint; `answer` connects them. */
function aliceCallsDave(answer: boolean) {
  const s = setup();
  const ids = deviceIds(s.t.config);
  const alice = s.endpoint('100', ids.alice);
  const dave = s.endpoint('103', ids.dave);
  const caller = s.t.pbx.dialFromDevice('100', ids.alice, '103');
  if (answer) dave.leg.answer();
  s.since();
  return { ...s, alice, dave, caller };
}

const ringMs = (t: TestPbx) => t.config.server.ringTimeoutSeconds * 1000;

describe('LegControl.progress', () => {
  test("'ringing' changes nothing; 'early-media' gives the leg and its caller audio, announced by link events only", () => {
    const s = setup();
    const ids = deviceIds(s.t.config);
    s.endpoint('100', ids.alice);
    const desk = s.endpoint('101', ids.bobDesk);
    const soft = s.endpoint('101', ids.bobSoft);
    const caller = s.t.pbx.dialFromDevice('100', ids.alice, '101');
    s.since();

    desk.leg.progress('ringing');
    assert.deepEqual(s.since(), []);

    desk.leg.progress('early-media');
    const events = s.since();
    assert.deepEqual(types(events), ['participant-link', 'participant-link'], 'the wire view does not change');
    assert.deepEqual(links(events), [
      [desk.leg.participantId, { media: true, held: false, peerId: caller.id }],
      [caller.id, { media: true, held: false, peerId: null }],
    ]);
    assert.equal(s.t.pbx.participantLink(caller.id)?.media, true);
    assert.equal(s.t.pbx.participantLink(soft.leg.participantId)?.media, false, 'the other device sends nothing');
    assert.equal(s.t.pbx.getParticipant('101', desk.leg.participantId).status, 'Ringing');

    desk.leg.progress('early-media');
    assert.deepEqual(s.since(), [], 'early media that already began is not announced again');
  });

  test('the caller stops hearing early media when that device stops ringing while another still rings', () => {
    const s = setup();
    const ids = deviceIds(s.t.config);
    s.endpoint('100', ids.alice);
    const desk = s.endpoint('101', ids.bobDesk);
    const soft = s.endpoint('101', ids.bobSoft);
    const caller = s.t.pbx.dialFromDevice('100', ids.alice, '101');
    desk.leg.progress('early-media');
    s.since();

    desk.leg.reject('busy');
    const events = s.since();
    assert.deepEqual(types(events), ['participant-removed', 'participant-link']);
    assert.deepEqual(links(events), [[caller.id, { media: false, held: false, peerId: null }]]);
    assert.equal(s.t.pbx.getParticipant('101', soft.leg.participantId).status, 'Ringing');
    assert.equal(s.t.pbx.getParticipant('100', caller.id).status, 'Dialing');
  });

  test('a route whose destination had early media and then refused gives the caller its silence back', () => {
    const s = setup();
    const ids = deviceIds(s.t.config);
    s.endpoint('100', ids.alice);
    const app = s.endpoint('800', ids.routePoint); // does not answer: the route point rings
    const dave = s.endpoint('103', ids.dave);
    const caller = s.t.pbx.dialFromDevice('100', ids.alice, '800');
    s.t.pbx.routeTo('800', app.leg.participantId, { destination: '103' });
    dave.leg.progress('early-media');
    assert.equal(s.t.pbx.participantLink(caller.id)?.media, true);
    s.since();

    dave.leg.reject('rejected');
    assert.deepEqual(links(s.since()), [[caller.id, { media: false, held: false, peerId: null }]]);
    assert.equal(s.t.pbx.getParticipant('800', app.leg.participantId).status, 'Ringing', 'the failed route leaves the route point ringing');
  });

  test('answering after early media connects without a moment of silence announced', () => {
    const s = setup();
    const ids = deviceIds(s.t.config);
    s.endpoint('100', ids.alice);
    const desk = s.endpoint('101', ids.bobDesk);
    const caller = s.t.pbx.dialFromDevice('100', ids.alice, '101');
    s.endpoint('101', ids.bobSoft);
    desk.leg.progress('early-media');
    s.since();

    desk.leg.answer();
    const events = s.since();
    for (const event of events) {
      if (event.type === 'participant-link' || event.type === 'participant-upserted') {
        const id = event.type === 'participant-link' ? event.participantId : event.participant.id;
        if (id === caller.id || id === desk.leg.participantId) assert.equal(event.link.media, true, `${event.type} of ${id} says no media`);
      }
    }
    assert.deepEqual(s.t.pbx.participantLink(caller.id), { media: true, held: false, peerId: desk.leg.participantId });
  });

  test('only ringing legs have early media: a Connected leg ignores it', () => {
    const { t, dave, since } = aliceCallsDave(true);
    dave.leg.progress('early-media');
    assert.deepEqual(since(), []);
    assert.equal(t.pbx.participantLink(dave.leg.participantId)?.media, true);
  });
});

describe('LegControl.hold and the held hook', () => {
  test("a leg's own side holds its peer: the peer's endpoint is told, a link event announces it, and off again", () => {
    const { t, alice, dave, caller, since } = aliceCallsDave(true);
    dave.leg.hold(true);
    assert.deepEqual(links(since()), [[caller.id, { media: true, held: true, peerId: dave.leg.participantId }]]);
    assert.deepEqual(alice.holds, [[caller.id, true]]);
    assert.equal(t.pbx.participantDetail(caller.id)?.held, true);
    assert.equal(t.pbx.participantDetail(dave.leg.participantId)?.held, false, 'the holding side is not held');

    dave.leg.hold(true);
    assert.deepEqual(since(), [], 'already held');
    dave.leg.hold(false);
    assert.deepEqual(links(since()), [[caller.id, { media: true, held: false, peerId: dave.leg.participantId }]]);
    assert.deepEqual(alice.holds, [[caller.id, true], [caller.id, false]]);
  });

  test('hold is ignored on a leg that is not Connected', () => {
    const { dave, alice, since } = aliceCallsDave(false);
    dave.leg.hold(true);
    assert.deepEqual(since(), []);
    assert.deepEqual(alice.holds, []);
  });

  test('a transfer holds the party (held hook), hold(false) cannot take it off while the transfer is pending, its failure does', () => {
    const s = setup();
    const ids = deviceIds(s.t.config);
    const alice = s.endpoint('100', ids.alice);
    const app = s.endpoint('800', ids.routePoint, true);
    const caller = s.t.pbx.dialFromDevice('100', ids.alice, '800');
    assert.equal(s.t.pbx.getParticipant('100', caller.id).status, 'Connected');
    s.t.pbx.transferTo('800', app.leg.participantId, { destination: '103' }); // 103 never answers
    assert.deepEqual(alice.holds, [[caller.id, true]]);
    s.since();

    app.leg.hold(false);
    assert.deepEqual(s.since(), [], 'the pending transfer keeps the party held');
    assert.equal(s.t.pbx.participantDetail(caller.id)?.held, true);
    assert.deepEqual(alice.holds, [[caller.id, true]]);

    s.t.clock.advance(ringMs(s.t)); // nobody answers at 103: the call returns to the route point
    assert.equal(s.t.pbx.participantDetail(caller.id)?.held, false);
    assert.deepEqual(alice.holds, [[caller.id, true], [caller.id, false]]);
    app.leg.hold(true);
    assert.equal(s.t.pbx.participantDetail(caller.id)?.held, true, 'with the transfer over, hold works again');
  });

  test('a successful transfer takes the party off hold and tells its endpoint', () => {
    const s = setup();
    const ids = deviceIds(s.t.config);
    const alice = s.endpoint('100', ids.alice);
    const app = s.endpoint('800', ids.routePoint, true);
    const dave = s.endpoint('103', ids.dave);
    const caller = s.t.pbx.dialFromDevice('100', ids.alice, '800');
    s.t.pbx.transferTo('800', app.leg.participantId, { destination: '103' });
    dave.leg.answer();
    assert.deepEqual(alice.holds, [[caller.id, true], [caller.id, false]]);
    assert.deepEqual(s.t.pbx.participantLink(caller.id), { media: true, held: false, peerId: dave.leg.participantId });
  });
});

describe('LegControl.dtmf', () => {
  test('keys reach the peer as DTMF events and through its dtmf hook', () => {
    const { alice, dave, caller, since } = aliceCallsDave(true);
    dave.leg.dtmf('1#');
    assert.deepEqual(
      since().filter((e) => e.type === 'dtmf'),
      [
        { type: 'dtmf', dn: '100', participantId: caller.id, digits: '1' },
        { type: 'dtmf', dn: '100', participantId: caller.id, digits: '#' },
      ],
    );
    assert.deepEqual(alice.digits, [[caller.id, '1'], [caller.id, '#']]);
  });

  test('bad digits are lost instead of thrown (Pbx.sendDtmf throws for the same input)', () => {
    const { t, alice, dave, since } = aliceCallsDave(true);
    for (const digits of ['', 'x', '12e', '9'.repeat(1000)]) {
      dave.leg.dtmf(digits);
      assert.throws(() => t.pbx.sendDtmf(dave.leg.participantId, digits), { code: 'InvalidArgument' });
    }
    assert.deepEqual(since(), []);
    assert.deepEqual(alice.digits, []);
  });

  test('keys pressed while not in conversation (ringing, held) are lost instead of thrown', () => {
    const ringing = aliceCallsDave(false);
    ringing.dave.leg.dtmf('5');
    assert.throws(() => ringing.t.pbx.sendDtmf(ringing.dave.leg.participantId, '5'), { code: 'InvalidState' });
    assert.deepEqual(ringing.since(), []);

    const held = aliceCallsDave(true);
    held.dave.leg.hold(true);
    held.since();
    held.dave.leg.dtmf('5');
    assert.deepEqual(held.since(), []);
    assert.deepEqual(held.alice.digits, []);
  });
});

describe('Endpoint.removed and late verdicts', () => {
  test('removed gets the cause: no answer for a ringing leg that timed out', () => {
    const { t, alice, dave, caller } = aliceCallsDave(false);
    t.clock.advance(ringMs(t));
    assert.deepEqual(dave.removals, [[dave.leg.participantId, 'no-answer']]);
    assert.deepEqual(alice.removals, [[caller.id, 'no-answer']]);
  });

  test('removed gets the cause: hangup for the side that hung up, peer-left for the other', () => {
    const { alice, dave, caller } = aliceCallsDave(true);
    dave.leg.hangup();
    assert.deepEqual(dave.removals, [[dave.leg.participantId, 'hangup']]);
    assert.deepEqual(alice.removals, [[caller.id, 'peer-left']]);
  });

  test('removed gets the cause the endpoint rejected with', () => {
    const { dave } = aliceCallsDave(false);
    dave.leg.reject('busy');
    assert.deepEqual(dave.removals, [[dave.leg.participantId, 'busy']]);
  });

  test('every control method is a silent no-op once the leg is gone', () => {
    const { t, dave, since } = aliceCallsDave(true);
    const leg = dave.leg;
    leg.hangup();
    since();
    leg.progress('early-media');
    leg.answer();
    leg.reject('rejected');
    leg.hold(true);
    leg.dtmf('1');
    leg.hangup();
    assert.equal(leg.view(), undefined);
    assert.deepEqual(since(), []);
    assert.equal(t.pbx.activeCallCount(), 0);
  });

  test('a verdict that no longer fits is ignored: answer or reject after the leg was answered', () => {
    const { t, dave, caller, since } = aliceCallsDave(true);
    dave.leg.answer();
    dave.leg.reject('busy');
    assert.deepEqual(since(), []);
    assert.equal(t.pbx.getParticipant('100', caller.id).status, 'Connected');
  });
});
