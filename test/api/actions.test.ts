// Tests of participant actions: every action in every state, pending outcomes on the manual clock, errors, body tolerance.

import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { REASONS } from '../../src/core/types.js';
import { MAX_REQUEST_BODY_BYTES } from '../../src/limits.js';
import { createTestApp, enc, until, type ApiResponse, type RequestOptions, type TestApp } from '../helpers/api.js';

const CALLER = '+15557654321';
const ANSWERS = '+15550199';

interface Result {
  finalstatus: string;
  reason: string;
  result: Record<string, unknown> | null;
  reasontext: string;
}

function body(response: ApiResponse): Result {
  const json = response.json as Result;
  assert.deepEqual(Object.keys(json), ['finalstatus', 'reason', 'result', 'reasontext'], response.text);
  return json;
}

function assertSuccess(response: ApiResponse, status = 200): Record<string, unknown> | null {
  assert.equal(response.status, status, response.text);
  const json = body(response);
  assert.equal(json.finalstatus, 'Success');
  assert.equal(json.reason, 'None');
  assert.ok(json.reasontext.length > 5);
  return json.result;
}

function assertError(response: ApiResponse, status: number, reason: string) {
  assert.equal(response.status, status, response.text);
  const json = body(response);
  assert.equal(json.finalstatus, status === 424 ? 'Failed' : 'Rejected');
  assert.equal(json.reason, reason);
  assert.equal(json.result, null);
  assert.ok(json.reasontext.length > 5);
}

// ---------------------------------------------------------------- participants in each state

interface Subject {
  dn: string;
  id: number;
}

/** Route point 800 calls a number that never answers: its participant is Dialing. */
function dialing(t: TestApp): Subject {
  const op = t.pbx.makeCall({ dn: '800', deviceId: t.ids.routePoint, destination: '+15550002' });
  return { dn: '800', id: op.participant!.id };
}

/** Places an inbound call to route point 800 and returns the route point's participant of that call. */
function routePointSide(t: TestApp, status: string): Subject {
  const caller = t.pbx.placeInboundCall({ from: CALLER, to: '+15550100' });
  const participant = t.pbx.listParticipants('800').find((p) => p.callId === caller.callId);
  assert.equal(participant?.status, status);
  return { dn: '800', id: participant.id };
}

/** An inbound call rings at route point 800 with auto-answer off: its participant is Ringing. */
function ringing(t: TestApp): Subject {
  t.pbx.setAutoAnswer('800', false);
  return routePointSide(t, 'Ringing');
}

/** An inbound call reaches route point 800, which answers at once: its participant is Connected. */
function connected(t: TestApp): Subject {
  t.pbx.setAutoAnswer('800', true);
  return routePointSide(t, 'Connected');
}

const STATES = { Dialing: dialing, Ringing: ringing, Connected: connected } as const;
type State = keyof typeof STATES;

/** The external caller of the (latest) inbound call, on the trunk. */
function callerId(t: TestApp): number {
  const caller = t.pbx.listParticipants('10000').at(-1);
  assert.ok(caller, 'the external caller is on the trunk');
  return caller.id;
}

/**
 * POSTs an action; if the response is still pending once Alice (100) rings, advances the clock 1 s so she answers.
 * No sleeping: the in-process request runs while we yield to the event loop.
 */
async function act(t: TestApp, subject: Subject, action: string, payload?: unknown, options: RequestOptions = {}): Promise<ApiResponse> {
  let done = false;
  const pending = t.post(`/callcontrol/${subject.dn}/participants/${subject.id}/${action}`, payload, options).finally(() => {
    done = true;
  });
  await until(() => done || t.pbx.listParticipants('100').some((p) => p.status === 'Ringing'), 'the request answers or Alice rings');
  if (!done) t.clock.advance(1000);
  return pending;
}

// ---------------------------------------------------------------- the matrix

type Expectation = { status: 200 } | { status: 422; reason: string };
const OK: Expectation = { status: 200 };
const WRONG_STATE: Expectation = { status: 422, reason: 'InvalidState' };

const MATRIX: Record<string, { payload?: unknown; expect: Record<State, Expectation>; check?: (t: TestApp, subject: Subject, result: Record<string, unknown> | null) => void }> = {
  drop: {
    expect: { Dialing: OK, Ringing: OK, Connected: OK },
    check: (t, subject, result) => {
      assert.equal(result?.['id'], subject.id, 'the result is the participant as last seen');
      assert.equal(t.pbx.participantDetail(subject.id), undefined, 'it left');
    },
  },
  answer: {
    expect: { Dialing: WRONG_STATE, Ringing: OK, Connected: WRONG_STATE },
    check: (t, subject, result) => {
      assert.equal(result?.['status'], 'Connected');
      assert.equal(t.pbx.getParticipant(subject.dn, subject.id).status, 'Connected');
    },
  },
  divert: {
    payload: { destination: '100', reason: 'ForwardAll' },
    expect: { Dialing: WRONG_STATE, Ringing: OK, Connected: WRONG_STATE },
    check: (t, subject, result) => {
      assert.equal(result?.['id'], subject.id);
      assert.equal(t.pbx.participantDetail(subject.id), undefined, 'the diverted participant left');
      assert.equal(t.pbx.listParticipants('100').length, 1, 'the new destination took the call');
    },
  },
  routeto: {
    payload: { destination: '100', reason: 'None', timeout: 10 },
    expect: { Dialing: WRONG_STATE, Ringing: OK, Connected: OK },
    check: (t, subject, result) => {
      assert.equal(result?.['id'], subject.id, 'the result is the routed participant, as last seen');
      assert.equal(t.pbx.participantDetail(subject.id), undefined, 'it was replaced');
      const [alice] = t.pbx.listParticipants('100');
      assert.equal(alice?.status, 'Connected');
      assert.equal(alice?.partyCallerId, CALLER);
    },
  },
  transferto: {
    payload: { destination: '100', timeout: 10 },
    expect: { Dialing: WRONG_STATE, Ringing: WRONG_STATE, Connected: OK },
    check: (t, subject, result) => {
      assert.equal(result?.['id'], subject.id);
      assert.equal(t.pbx.participantDetail(subject.id), undefined, 'it was replaced');
      assert.equal(t.pbx.listParticipants('100')[0]?.status, 'Connected');
    },
  },
  attach_participant_data: {
    payload: { attacheddata: { ticket: 'T-1', priority: 2 } },
    expect: { Dialing: OK, Ringing: OK, Connected: OK },
    check: (t, subject) => assert.deepEqual(t.pbx.participantDetail(subject.id)?.attachedData, { ticket: 'T-1', priority: '2' }),
  },
  attach_party_data: {
    payload: { attacheddata: { ticket: 'T-2' } },
    expect: { Dialing: { status: 422, reason: 'InvalidState' }, Ringing: OK, Connected: OK },
    check: (t) => assert.deepEqual(t.pbx.participantDetail(callerId(t))?.attachedData, { ticket: 'T-2' }),
  },
};

describe('every action in every state (route point 800)', () => {
  for (const [action, spec] of Object.entries(MATRIX)) {
    for (const state of Object.keys(STATES) as State[]) {
      const expected = spec.expect[state];
      test(`${action} while ${state}: ${expected.status === 200 ? '200' : `422 ${expected.reason}`}`, async (ctx) => {
        const t = await createTestApp(ctx);
        const subject = STATES[state](t);
        const before = t.pbx.getParticipant(subject.dn, subject.id);
        const response = await act(t, subject, action, spec.payload);
        if (expected.status === 200) {
          spec.check?.(t, subject, assertSuccess(response));
        } else {
          assertError(response, expected.status, expected.reason);
          assert.deepEqual(t.pbx.getParticipant(subject.dn, subject.id), before, 'a refused action changes nothing');
        }
      });
    }
  }
});

describe('actions on extension participants', () => {
  /** Route point 800 calls Bob (101): his desk phone (no direct control) and softphone (direct control) ring. */
  function bobRinging(t: TestApp) {
    t.pbx.makeCall({ dn: '800', deviceId: t.ids.routePoint, destination: '101' });
    const legs = t.pbx.listParticipants('101');
    const desk = legs.find((p) => p.deviceId === t.ids.bobDesk)!;
    const soft = legs.find((p) => p.deviceId === t.ids.bobSoft)!;
    return { desk: { dn: '101', id: desk.id }, soft: { dn: '101', id: soft.id } };
  }

  test('answer on a ringing device with direct control (softphone): 200 Connected; the desk phone leg leaves', async (ctx) => {
    const t = await createTestApp(ctx);
    const { desk, soft } = bobRinging(t);
    const result = assertSuccess(await act(t, soft, 'answer'));
    assert.equal(result?.['status'], 'Connected');
    assert.equal(result?.['direct_control'], true);
    assert.equal(t.pbx.participantDetail(desk.id), undefined);
  });

  test('answer on a ringing device without direct control (desk phone): 422 NotSupported', async (ctx) => {
    const t = await createTestApp(ctx);
    const { desk } = bobRinging(t);
    assertError(await act(t, desk, 'answer'), 422, 'NotSupported');
  });

  test("divert of one ringing leg diverts the call away from the DN: all of Bob's legs leave", async (ctx) => {
    const t = await createTestApp(ctx);
    const { desk, soft } = bobRinging(t);
    assertSuccess(await act(t, desk, 'divert', { destination: '103' }));
    assert.deepEqual(t.pbx.listParticipants('101'), []);
    assert.equal(t.pbx.listParticipants('103')[0]?.status, 'Ringing');
    assert.equal(t.pbx.participantDetail(soft.id), undefined);
  });

  test('transferto of a connected extension to a number that never answers: 202 with the participant after timeout; the other party is held', async (ctx) => {
    const t = await createTestApp(ctx);
    const op = t.pbx.makeCall({ dn: '800', deviceId: t.ids.routePoint, destination: '100' });
    t.clock.advance(1000);
    const alice = t.pbx.listParticipants('100')[0]!;
    assert.equal(alice.status, 'Connected');
    const pending = t.post(`/callcontrol/100/participants/${alice.id}/transferto`, { destination: '103', timeout: 5 });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    assert.equal(t.pbx.participantDetail(op.participant!.id)?.held, true, 'the route point side is held');
    t.clock.advance(5000);
    const result = assertSuccess(await pending, 202);
    assert.equal(result?.['id'], alice.id);
    assert.equal(result?.['status'], 'Connected');
  });

  test('transferto failing after the wait: 424 NoAnswer and the call returns to the participant', async (ctx) => {
    const t = await createTestApp(ctx);
    const op = t.pbx.makeCall({ dn: '800', deviceId: t.ids.routePoint, destination: '100' });
    t.clock.advance(1000);
    const alice = t.pbx.listParticipants('100')[0]!;
    const pending = t.post(`/callcontrol/100/participants/${alice.id}/transferto`, { destination: '103', timeout: 600 });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    t.clock.advance(t.config.server.ringTimeoutSeconds * 1000);
    assertError(await pending, 424, 'NoAnswer');
    assert.equal(t.pbx.getParticipant('100', alice.id).status, 'Connected');
    assert.equal(t.pbx.participantDetail(op.participant!.id)?.held, false, 'the other party is back');
  });
});

describe('pending outcomes: routeto and transferto', () => {
  test('routeto succeeds once the destination answers: 200 after 1 s of clock time, and no timer is left behind', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const pending = t.post(`/callcontrol/800/participants/${subject.id}/routeto`, { destination: '100' });
    await until(() => t.pbx.listParticipants('100').length === 1, 'Alice rings');
    let answered = false;
    void pending.then(() => (answered = true));
    t.clock.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'still waiting before Alice answers');
    t.clock.advance(1);
    const result = assertSuccess(await pending);
    assert.equal(result?.['id'], subject.id);
    assert.equal(t.clock.pendingTimers(), 0, 'the wait timer was cleared when the outcome arrived');
  });

  test('routeto still ringing when timeout passes: 202 with the participant, which stays', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const pending = t.post(`/callcontrol/800/participants/${subject.id}/routeto`, { destination: '103', timeout: 5 });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    t.clock.advance(5000);
    const result = assertSuccess(await pending, 202);
    assert.equal(result?.['id'], subject.id);
    assert.equal(result?.['status'], 'Connected');
    assert.equal(t.pbx.listParticipants('103').length, 1, 'the route is still being tried');
  });

  test('routeto with no timeout: the ring timeout (30 s) comes first: 424 NoAnswer, the participant stays', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const pending = t.post(`/callcontrol/800/participants/${subject.id}/routeto`, { destination: '103' });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    t.clock.advance(30_000);
    assertError(await pending, 424, 'NoAnswer');
    assert.equal(t.pbx.getParticipant('800', subject.id).status, 'Connected');
  });

  test('routeto when the caller hangs up meanwhile: 424 ParticipantLeft', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const pending = t.post(`/callcontrol/800/participants/${subject.id}/routeto`, { destination: '103', timeout: 60 });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    t.pbx.endpointHangup(callerId(t));
    assertError(await pending, 424, 'ParticipantLeft');
  });

  test('routeto and divert to a destination that refuses at once: 424 with the cause; the participant stays', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = ringing(t);
    assertError(await act(t, subject, 'routeto', { destination: '+15550001' }), 424, 'DestinationBusy');
    assertError(await act(t, subject, 'divert', { destination: '+15550003' }), 424, 'DestinationUnreachable');
    assertError(await act(t, subject, 'divert', { destination: '102' }), 424, 'DestinationNotRegistered');
    assert.equal(t.pbx.getParticipant('800', subject.id).status, 'Ringing');
  });

  test('transferto to a busy destination: 424 DestinationBusy; the call goes on', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    assertError(await act(t, subject, 'transferto', { destination: '+15550001' }), 424, 'DestinationBusy');
    assert.equal(t.pbx.getParticipant('800', subject.id).status, 'Connected');
  });

  test('a second transferto while one is pending: 422 InvalidState', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const first = t.post(`/callcontrol/800/participants/${subject.id}/transferto`, { destination: '103', timeout: 5 });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    assertError(await act(t, subject, 'transferto', { destination: ANSWERS }), 422, 'InvalidState');
    t.clock.advance(5000);
    assert.equal((await first).status, 202);
  });

  test('a client that disconnects while waiting: the wait timer is cleared', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const token = await t.token();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const client = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: `/callcontrol/800/participants/${subject.id}/routeto`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    client.on('error', () => {});
    client.end(JSON.stringify({ destination: '103', timeout: 600 }));
    const timersBefore = t.clock.pendingTimers();
    // Real I/O: yield to the event loop (bounded) until the request is waiting, then until the timer is gone.
    await until(() => t.pbx.listParticipants('103').length === 1 && t.clock.pendingTimers() > timersBefore + 1, 'the request waits');
    const waiting = t.clock.pendingTimers();
    client.destroy();
    await until(() => t.clock.pendingTimers() === waiting - 1, 'the wait timer is cleared');
    assert.equal(t.pbx.listParticipants('103').length, 1, 'the route itself goes on');
  });

  test('closing the server answers waiting requests with 202 at once', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const pending = t.post(`/callcontrol/800/participants/${subject.id}/routeto`, { destination: '103', timeout: 3600 });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    const closing = t.app.close();
    assert.equal((await pending).status, 202);
    await closing;
  });
});

describe('reasons', () => {
  test('every reason of the table is accepted, case-insensitively', async (ctx) => {
    const t = await createTestApp(ctx);
    for (const reason of [...REASONS, 'forwardall', 'NOANSWER', '']) {
      const subject = ringing(t);
      assertSuccess(await act(t, subject, 'divert', { destination: ANSWERS, reason }));
    }
  });

  test('an unknown reason: 422 InvalidReason, for divert, routeto and transferto', async (ctx) => {
    const t = await createTestApp(ctx);
    assertError(await act(t, ringing(t), 'divert', { destination: '100', reason: 'Lunch' }), 422, 'InvalidReason');
    assertError(await act(t, connected(t), 'routeto', { destination: '100', reason: 'Lunch' }), 422, 'InvalidReason');
    assertError(await act(t, connected(t), 'transferto', { destination: '100', reason: 'Lunch' }), 422, 'InvalidReason');
  });

  test('a reason that is not a string: 422 InvalidArgument', async (ctx) => {
    const t = await createTestApp(ctx);
    assertError(await act(t, ringing(t), 'divert', { destination: '100', reason: 3 }), 422, 'InvalidArgument');
  });
});

describe('action errors', () => {
  test('a missing or unroutable destination: 422 InvalidDestination', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = ringing(t);
    for (const action of ['divert', 'routeto']) {
      for (const payload of [undefined, {}, { destination: '' }, { destination: 'nowhere' }, { destination: '800' }]) {
        assertError(await act(t, subject, action, payload), 422, 'InvalidDestination');
      }
    }
  });

  test('wrong field types: 422 InvalidArgument', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    assertError(await act(t, subject, 'routeto', { destination: 100 }), 422, 'InvalidArgument');
    assertError(await act(t, subject, 'routeto', { destination: '100', timeout: -1 }), 422, 'InvalidArgument');
    assertError(await act(t, subject, 'routeto', { destination: '100', timeout: 2.5 }), 422, 'InvalidArgument');
    assertError(await act(t, subject, 'attach_participant_data', { attacheddata: ['x'] }), 422, 'InvalidArgument');
    assertError(await act(t, subject, 'attach_party_data', { attacheddata: { a: null, b: { c: 1 } } }), 422, 'InvalidArgument');
    assertError(await act(t, subject, 'attach_participant_data', { attacheddata: { '': 'empty key' } }), 422, 'InvalidArgument');
    assertError(await act(t, subject, 'routeto', [1, 2]), 422, 'InvalidArgument');
  });

  test('unknown action: 404 UnknownAction, checked before the body is read', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    for (const action of ['hold', 'DROP', 'stream2', 'attach']) assertError(await act(t, subject, action), 404, 'UnknownAction');
    assertError(await t.request('POST', `/callcontrol/800/participants/${subject.id}/hold`, { raw: '{bad', headers: { 'content-type': 'application/json' } }), 404, 'UnknownAction');
  });

  test('a participant that does not exist, left, or belongs to another DN: 404 ParticipantNotFound', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    assertError(await act(t, { dn: '800', id: 9999 }, 'drop'), 404, 'ParticipantNotFound');
    assertError(await act(t, { dn: '100', id: subject.id }, 'drop'), 404, 'ParticipantNotFound');
    assertSuccess(await act(t, subject, 'drop'));
    assertError(await act(t, subject, 'drop'), 404, 'ParticipantNotFound');
  });

  test('participant ids that are not a decimal int32: 404, never 400 or 500', async (ctx) => {
    const t = await createTestApp(ctx);
    for (const id of ['abc', '-1', '1.0', '4294967297', '%00', '1;2']) {
      assertError(await t.post(`/callcontrol/800/participants/${encodeURIComponent(id)}/drop`, {}), 404, 'ParticipantNotFound');
    }
  });

  test('401 without a token, 403 outside the scope, 404 for an unknown DN', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const caller = callerId(t);
    assertError(await act(t, subject, 'drop', undefined, { token: false }), 401, 'Unauthorized');
    assertError(await act(t, { dn: '10000', id: caller }, 'drop'), 403, 'Forbidden');
    assertError(await act(t, { dn: '4242', id: caller }, 'drop'), 404, 'DnNotFound');
    assert.ok(t.pbx.participantDetail(caller), 'nothing happened');
  });
});

describe('action body tolerance', () => {
  test('drop accepts no body, an empty body, {}, null, text/plain, charset, no content type, and ignores any fields', async (ctx) => {
    const t = await createTestApp(ctx);
    const variants: RequestOptions[] = [
      {},
      { raw: '', headers: { 'content-type': 'application/json' } },
      { raw: '{}', headers: { 'content-type': 'application/json; charset=utf-8' } },
      { raw: 'null', headers: { 'content-type': 'application/json' } },
      { raw: '{}', headers: { 'content-type': 'text/plain' } },
      { raw: '{}', headers: {} },
      { raw: '   ', headers: {} },
      { body: { reason: 5, destination: [], timeout: -1, attacheddata: 'x', extra: true } },
      { body: [1, 2, 3] },
      { body: 'just a string' },
    ];
    for (const options of variants) {
      const subject = connected(t);
      const response = await t.request('POST', `/callcontrol/800/participants/${subject.id}/drop`, options);
      assertSuccess(response);
      assert.equal(t.pbx.participantDetail(subject.id), undefined, JSON.stringify(options));
    }
  });

  test('answer ignores body fields too', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = ringing(t);
    assertSuccess(await act(t, subject, 'answer', { destination: 7, timeout: 'soon' }));
  });

  test('PascalCase fields (Reason, Destination, Timeout, AttachedData), as socket requests send them', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    assertSuccess(await act(t, subject, 'attach_participant_data', { AttachedData: { a: '1' } }));
    assert.deepEqual(t.pbx.participantDetail(subject.id)?.attachedData, { a: '1' });
    const pending = t.post(`/callcontrol/800/participants/${subject.id}/routeto`, { Destination: '103', Reason: 'ForwardAll', Timeout: 3 });
    await until(() => t.pbx.listParticipants('103').length === 1, 'Dave rings');
    t.clock.advance(3000);
    assertSuccess(await pending, 202);
  });

  test('null fields count as absent; the lower-case name wins over another casing', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    assertSuccess(await act(t, subject, 'attach_participant_data', { attacheddata: { a: '1' }, AttachedData: { b: '2' } }));
    assert.deepEqual(t.pbx.participantDetail(subject.id)?.attachedData, { a: '1' });
    assertSuccess(await act(t, subject, 'attach_participant_data', { attacheddata: null, AttachedData: { b: '2' } }));
    assertSuccess(await act(t, subject, 'attach_participant_data', { attacheddata: null }));
    assert.deepEqual(t.pbx.participantDetail(subject.id)?.attachedData, { a: '1', b: '2' });
  });

  test('malformed JSON: 400 MalformedBody; a body over the limit: 413 BodyTooLarge', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = connected(t);
    const url = `/callcontrol/800/participants/${subject.id}/drop`;
    assertError(await t.request('POST', url, { raw: '{"reason":', headers: { 'content-type': 'application/json' } }), 400, 'MalformedBody');
    assertError(await t.request('POST', url, { raw: 'x'.repeat(MAX_REQUEST_BODY_BYTES + 1), headers: { 'content-type': 'application/json' } }), 413, 'BodyTooLarge');
    assert.ok(t.pbx.participantDetail(subject.id), 'nothing happened');
  });

  test('attach_party_data on a ringing route point participant reaches the caller', async (ctx) => {
    const t = await createTestApp(ctx);
    const subject = ringing(t);
    assertSuccess(await act(t, subject, 'attach_party_data', { attacheddata: { lang: 'de' } }));
    assert.deepEqual(t.pbx.participantDetail(callerId(t))?.attachedData, { lang: 'de' });
  });

  test('device ids in action-adjacent paths: makecall then act on the result by id', async (ctx) => {
    const t = await createTestApp(ctx);
    const made = await t.post(`/callcontrol/800/devices/${enc(t.ids.routePoint)}/makecall`, { destination: ANSWERS });
    const id = (made.json as Result).result?.['id'] as number;
    t.clock.advance(1000);
    assertSuccess(await act(t, { dn: '800', id }, 'drop'));
  });
});
