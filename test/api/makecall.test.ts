// Tests of makecall, device and DN forms: every status the seed lists, outcomes on the manual clock, body tolerance.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_REQUEST_BODY_BYTES } from '../../src/limits.js';
import { createTestApp, enc, type ApiResponse, type TestApp } from '../helpers/api.js';

const ANSWERS = '+15550199'; // answers after 1 s (demo default)

interface Result {
  finalstatus: string;
  reason: string;
  result: Record<string, unknown> | null;
  reasontext: string;
}

function result(response: ApiResponse): Result {
  const body = response.json as Result;
  assert.deepEqual(Object.keys(body), ['finalstatus', 'reason', 'result', 'reasontext']);
  assert.equal(typeof body.reasontext, 'string');
  assert.ok(body.reasontext.length > 5, 'reasontext says something');
  return body;
}

function assertSuccess(response: ApiResponse, status = 200): Record<string, unknown> {
  assert.equal(response.status, status, response.text);
  const body = result(response);
  assert.equal(body.finalstatus, 'Success');
  assert.equal(body.reason, 'None');
  assert.ok(body.result, 'result is the participant');
  return body.result;
}

function assertError(response: ApiResponse, status: number, reason: string) {
  assert.equal(response.status, status, response.text);
  const body = result(response);
  assert.equal(body.finalstatus, status === 424 ? 'Failed' : 'Rejected');
  assert.equal(body.reason, reason);
  assert.equal(body.result, null);
}

function deviceMakeCall(t: TestApp, dn: string, deviceId: string, body: unknown, options = {}) {
  return t.post(`/callcontrol/${dn}/devices/${enc(deviceId)}/makecall`, body, options);
}

describe('makecall, device form', () => {
  test('from the route point device: 200 with the originating participant, Dialing, then Connected after 1 s', async (ctx) => {
    const t = await createTestApp(ctx);
    const participant = assertSuccess(await deviceMakeCall(t, '800', t.ids.routePoint, { destination: ANSWERS, timeout: 30 }));
    assert.equal(participant['dn'], '800');
    assert.equal(participant['status'], 'Dialing');
    assert.equal(participant['device_id'], t.ids.routePoint);
    assert.equal(participant['party_caller_id'], ANSWERS);
    assert.equal(participant['party_dn_type'], 'Wexternalline');
    t.clock.advance(1000);
    assert.equal(t.pbx.getParticipant('800', participant['id'] as number).status, 'Connected');
  });

  test('from a device with direct control (Alice): 200 Dialing', async (ctx) => {
    const t = await createTestApp(ctx);
    const participant = assertSuccess(await deviceMakeCall(t, '100', t.ids.alice, { destination: '103' }));
    assert.equal(participant['status'], 'Dialing');
    assert.equal(participant['direct_control'], true);
  });

  test("from Bob's desk phone (no direct control): 200 Ringing: the phone rings first and dials when picked up", async (ctx) => {
    const t = await createTestApp(ctx);
    const participant = assertSuccess(await deviceMakeCall(t, '101', t.ids.bobDesk, { destination: '100' }));
    assert.equal(participant['status'], 'Ringing');
    assert.equal(participant['direct_control'], false);
    t.clock.advance(3000);
    assert.equal(t.pbx.getParticipant('101', participant['id'] as number).status, 'Dialing');
  });

  test('the device id matches raw too, and with ;transport=tcp', async (ctx) => {
    const t = await createTestApp(ctx);
    assertSuccess(await t.post(`/callcontrol/800/devices/${t.ids.routePoint}/makecall`, { destination: ANSWERS }));
    const soft = assertSuccess(await t.post(`/callcontrol/101/devices/${t.ids.bobSoft}/makecall`, { destination: '100' }));
    assert.equal(soft['device_id'], t.ids.bobSoft);
  });

  test('attacheddata is attached to the originating participant; numbers are kept as text', async (ctx) => {
    const t = await createTestApp(ctx);
    const participant = assertSuccess(await deviceMakeCall(t, '800', t.ids.routePoint, { destination: ANSWERS, attacheddata: { crm: 'A-1', n: 7 } }));
    assert.deepEqual(t.pbx.participantDetail(participant['id'] as number)?.attachedData, { crm: 'A-1', n: '7' });
  });

  test('timeout is the ring timeout of the destination', async (ctx) => {
    const t = await createTestApp(ctx);
    const participant = assertSuccess(await deviceMakeCall(t, '800', t.ids.routePoint, { destination: '+15550002', timeout: 5 }));
    t.clock.advance(4999);
    assert.ok(t.pbx.participantDetail(participant['id'] as number));
    t.clock.advance(1);
    assert.equal(t.pbx.participantDetail(participant['id'] as number), undefined, 'the call ended when the destination did not answer within 5 s');
  });

  test('unknown device: 404 DeviceNotFound; unknown DN: 404 DnNotFound; DN outside the scope: 403', async (ctx) => {
    const t = await createTestApp(ctx);
    assertError(await deviceMakeCall(t, '100', 'sip:100@10.9.9.9', { destination: '101' }), 404, 'DeviceNotFound');
    assertError(await deviceMakeCall(t, '100', t.ids.bobDesk, { destination: '101' }), 404, 'DeviceNotFound');
    assertError(await deviceMakeCall(t, '4242', t.ids.alice, { destination: '101' }), 404, 'DnNotFound');
    assertError(await deviceMakeCall(t, '10000', t.config.trunks[0]!.device.id, { destination: '101' }), 403, 'Forbidden');
  });

  test("from Carol's unregistered device: 424 DeviceNotRegistered", async (ctx) => {
    const t = await createTestApp(ctx);
    assertError(await deviceMakeCall(t, '102', t.ids.carol, { destination: '100' }), 424, 'DeviceNotRegistered');
  });

  test('a destination that refuses (busy, unreachable, not registered): 200 with the Dialing participant, which then leaves; nothing is left behind', async (ctx) => {
    const t = await createTestApp(ctx);
    const removals: string[] = [];
    t.pbx.subscribe((event) => {
      if (event.type === 'participant-removed') removals.push(`${event.participant.id} ${event.cause}`);
    });
    for (const [destination, cause] of [['+15550001', 'busy'], ['+15550003', 'unreachable'], ['102', 'not-registered']] as const) {
      const participant = assertSuccess(await deviceMakeCall(t, '800', t.ids.routePoint, { destination }));
      assert.equal(participant['status'], 'Dialing', destination);
      assert.equal(removals.at(-1), `${participant['id'] as number} ${cause}`);
      assert.equal((await t.get(`/callcontrol/800/participants/${participant['id'] as number}`)).status, 404);
    }
    assert.deepEqual(t.pbx.listCalls(), []);
  });

  test('a missing, empty, unroutable, trunk or own destination: 422 InvalidDestination', async (ctx) => {
    const t = await createTestApp(ctx);
    for (const body of [{}, { destination: '' }, { destination: '   ' }, { destination: 'sales' }, { destination: '10000' }, { destination: '800' }, { destination: 'x'.repeat(200) }]) {
      assertError(await deviceMakeCall(t, '800', t.ids.routePoint, body), 422, 'InvalidDestination');
    }
  });

  test('wrong field types or ranges: 422 InvalidArgument with a sentence naming the field', async (ctx) => {
    const t = await createTestApp(ctx);
    const cases: [unknown, RegExp][] = [
      [{ destination: 100 }, /destination/],
      [{ destination: ['100'] }, /destination/],
      [{ destination: '100', timeout: -1 }, /timeout/],
      [{ destination: '100', timeout: 1.5 }, /timeout/],
      [{ destination: '100', timeout: '30' }, /timeout/],
      [{ destination: '100', timeout: 3601 }, /timeout/],
      [{ destination: '100', attacheddata: ['a'] }, /attacheddata/],
      [{ destination: '100', attacheddata: 'a=b' }, /attacheddata/],
      [{ destination: '100', attacheddata: { a: { nested: true } } }, /attacheddata/],
      [{ destination: '100', attacheddata: { a: 'x'.repeat(5000) } }, /attacheddata/],
      [[{ destination: '100' }], /object/],
      ['100', /object/],
    ];
    for (const [body, text] of cases) {
      const response = await deviceMakeCall(t, '800', t.ids.routePoint, body);
      assertError(response, 422, 'InvalidArgument');
      assert.match((response.json as Result).reasontext, text, JSON.stringify(body));
    }
  });
});

describe('makecall body tolerance', () => {
  test('only {destination} works; timeout absent, 0 or null takes the default', async (ctx) => {
    const t = await createTestApp(ctx);
    for (const body of [{ destination: ANSWERS }, { destination: ANSWERS, timeout: 0 }, { destination: ANSWERS, timeout: null, attacheddata: null }]) {
      assertSuccess(await deviceMakeCall(t, '800', t.ids.routePoint, body));
    }
  });

  test('the free-text reason some clients send is ignored, whatever its type; unknown fields too', async (ctx) => {
    const t = await createTestApp(ctx);
    for (const reason of ['outbound', 'call', 42, { x: 1 }]) {
      assertSuccess(await deviceMakeCall(t, '800', t.ids.routePoint, { destination: ANSWERS, reason, additionalProp1: 'x' }));
    }
  });

  test('PascalCase field names (Destination, Timeout, AttachedData) are accepted', async (ctx) => {
    const t = await createTestApp(ctx);
    const participant = assertSuccess(await deviceMakeCall(t, '800', t.ids.routePoint, { Destination: '+15550002', Timeout: 2, AttachedData: { k: 'v' } }));
    assert.deepEqual(t.pbx.participantDetail(participant['id'] as number)?.attachedData, { k: 'v' });
    t.clock.advance(2000);
    assert.equal(t.pbx.participantDetail(participant['id'] as number), undefined, 'Timeout was read');
  });

  test('JSON arrives as application/json with charset, text/plain, or with no content type', async (ctx) => {
    const t = await createTestApp(ctx);
    const url = `/callcontrol/800/devices/${enc(t.ids.routePoint)}/makecall`;
    const raw = JSON.stringify({ destination: ANSWERS });
    const variants: Record<string, string>[] = [{ 'content-type': 'application/json; charset=utf-8' }, { 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}];
    for (const headers of variants) {
      assertSuccess(await t.request('POST', url, { raw, headers }));
    }
    assertSuccess(await t.request('POST', url, { raw: `\uFEFF${raw}`, headers: { 'content-type': 'application/json' } }));
  });

  test('malformed JSON: 400 MalformedBody, result-shaped', async (ctx) => {
    const t = await createTestApp(ctx);
    const url = `/callcontrol/800/devices/${enc(t.ids.routePoint)}/makecall`;
    for (const raw of ['{', '{"destination": "100",}', 'destination=100', '{"__proto__": {"x": 1}}']) {
      assertError(await t.request('POST', url, { raw, headers: { 'content-type': 'application/json' } }), 400, 'MalformedBody');
    }
  });

  test('an empty body is read as no fields: 422 InvalidDestination (destination is required)', async (ctx) => {
    const t = await createTestApp(ctx);
    const url = `/callcontrol/800/devices/${enc(t.ids.routePoint)}/makecall`;
    assertError(await t.request('POST', url, {}), 422, 'InvalidDestination');
    assertError(await t.request('POST', url, { raw: '', headers: { 'content-type': 'application/json' } }), 422, 'InvalidDestination');
    assertError(await t.request('POST', url, { raw: 'null', headers: { 'content-type': 'application/json' } }), 422, 'InvalidDestination');
  });

  test(`a body over ${MAX_REQUEST_BODY_BYTES} bytes: 413 BodyTooLarge`, async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await deviceMakeCall(t, '800', t.ids.routePoint, { destination: ANSWERS, padding: 'x'.repeat(MAX_REQUEST_BODY_BYTES) });
    assertError(response, 413, 'BodyTooLarge');
  });
});

describe('makecall, DN form', () => {
  test('a DN with one device behaves as the device form: 200 with the participant', async (ctx) => {
    const t = await createTestApp(ctx);
    const participant = assertSuccess(await t.post('/callcontrol/100/makecall', { destination: '103' }));
    assert.equal(participant['device_id'], t.ids.alice);
    assert.equal(participant['status'], 'Dialing');
    const routePoint = assertSuccess(await t.post('/callcontrol/800/makecall', { destination: ANSWERS }));
    assert.equal(routePoint['device_id'], t.ids.routePoint);
  });

  test('a DN with several devices: every device rings; 202 with result null at once, without waiting for a pick-up', async (ctx) => {
    const t = await createTestApp(ctx);
    const timersBefore = t.clock.pendingTimers();
    const response = await t.post('/callcontrol/101/makecall', { destination: '100', timeout: 2 });
    assert.equal(response.status, 202);
    const body = result(response);
    assert.equal(body.finalstatus, 'Success');
    assert.equal(body.reason, 'None');
    assert.equal(body.result, null);
    assert.deepEqual(t.pbx.listParticipants('101').map((p) => p.status), ['Ringing', 'Ringing'], 'still ringing: the outcome is discovered from the DN');
    // The ring timer and the desk phone's answer timer (the softphone waits for its user); no wait timer for the request.
    assert.equal(t.clock.pendingTimers() - timersBefore, 2);
  });

  test('a DN with several devices: the device that picks up dials; its participant shows it Dialing', async (ctx) => {
    const t = await createTestApp(ctx);
    assert.equal((await t.post('/callcontrol/101/makecall', { destination: '100', timeout: 10 })).status, 202);
    t.clock.advance(3000); // the desk phone answers after 3 s
    const [picked] = t.pbx.listParticipants('101');
    assert.deepEqual([t.pbx.listParticipants('101').length, picked!.deviceId, picked!.status], [1, t.ids.bobDesk, 'Dialing']);
  });

  test('a DN with several devices where nobody answers within the ring timeout: 202 at once, then every ringing participant leaves (no-answer)', async (ctx) => {
    const t = await createTestApp(ctx);
    t.behaviours.setDevice('101', t.ids.bobDesk, { kind: 'never' });
    t.behaviours.setDevice('101', t.ids.bobSoft, { kind: 'never' });
    const causes: string[] = [];
    t.pbx.subscribe((event) => {
      if (event.type === 'participant-removed') causes.push(event.cause);
    });
    assert.equal((await t.post('/callcontrol/101/makecall', { destination: '100', timeout: 120 })).status, 202);
    t.clock.advance(t.config.server.ringTimeoutSeconds * 1000);
    assert.deepEqual(t.pbx.listParticipants('101'), []);
    assert.deepEqual(causes, ['no-answer', 'no-answer']);
  });


  test('a DN without a registered device: 424 DeviceNotRegistered', async (ctx) => {
    const t = await createTestApp(ctx);
    assertError(await t.post('/callcontrol/102/makecall', { destination: '100' }), 424, 'DeviceNotRegistered');
  });

  test('a busy destination from a one-device DN: 200 Dialing, then a Remove with cause busy', async (ctx) => {
    const t = await createTestApp(ctx);
    const causes: string[] = [];
    t.pbx.subscribe((event) => {
      if (event.type === 'participant-removed') causes.push(event.cause);
    });
    const participant = assertSuccess(await t.post('/callcontrol/800/makecall', { destination: '+15550001' }));
    assert.equal(participant['status'], 'Dialing');
    assert.deepEqual(causes, ['busy']);
  });

  test('401 without a token; 403 outside the scope; 404 unknown DN; 422 bad body', async (ctx) => {
    const t = await createTestApp(ctx);
    assertError(await t.post('/callcontrol/100/makecall', { destination: '101' }, { token: false }), 401, 'Unauthorized');
    assertError(await t.post('/callcontrol/10000/makecall', { destination: '101' }), 403, 'Forbidden');
    assertError(await t.post('/callcontrol/4242/makecall', { destination: '101' }), 404, 'DnNotFound');
    assertError(await t.post('/callcontrol/100/makecall', { destination: '101', timeout: -5 }), 422, 'InvalidArgument');
  });
});
