// CallControlClient against the real server: every REST method, errors and 202, token caching and refresh.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallControlClient, CallControlError, ConnectionError, EventType, decodeJwtClaims, participantIdOf } from '../../src/client/index.js';
import { demoConfig } from '../../src/config/demo.js';
import { deviceIds } from '../helpers/demo.js';
import { closedPort, countingFetch, DEMO_SECRET, startE2e } from './harness.js';

const IDS = deviceIds(demoConfig({ demoSecret: DEMO_SECRET }));

describe('CallControlClient reads', () => {
  test('listDns, getDn, listDevices, getDevice (raw id with ; and :), listParticipants, getParticipant, getEntity', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const dns = await app.listDns();
    assert.deepEqual(dns.map((dn) => [dn.dn, dn.type]), [['800', 'Wroutepoint'], ['100', 'Wextension'], ['101', 'Wextension'], ['102', 'Wextension'], ['103', 'Wextension'], ['801', 'Wivr'], ['802', 'Wqueue']]);
    const bob = await app.getDn('101');
    assert.deepEqual(bob.devices.map((d) => d.device_id), [IDS.bobDesk, IDS.bobSoft]);
    assert.deepEqual(await app.listDevices('101'), bob.devices);
    assert.deepEqual(await app.getDevice('101', IDS.bobSoft), { dn: '101', device_id: IDS.bobSoft, user_agent: bob.devices[1]!.user_agent });
    assert.deepEqual(await app.listParticipants('800'), []);

    const placed = await e.sim.placeCall({ from: '+15557654321', to: '+15550100', callerName: 'Erin' });
    const [participant] = await app.listParticipants('800');
    assert.ok(participant);
    assert.deepEqual(await app.getParticipant('800', participant.id), participant);
    assert.deepEqual(await app.getEntity(`/callcontrol/800/participants/${participant.id}`), participant);
    assert.equal(participant.party_caller_id, '+15557654321');
    assert.equal(participant.party_caller_name, 'Erin');
    assert.equal(participant.callid, placed.callId);
    assert.deepEqual(Object.keys(participant), [
      'id', 'status', 'dn', 'party_caller_name', 'party_dn', 'party_caller_id', 'party_did', 'device_id', 'party_dn_type', 'direct_control',
      'originated_by_dn', 'originated_by_type', 'referred_by_dn', 'referred_by_type', 'on_behalf_of_dn', 'on_behalf_of_type', 'callid', 'legid',
    ]);
  });

  test('errors are CallControlError with status, reason, reasontext and the body', async (t) => {
    const e = await startE2e(t);
    const app = e.app();
    const missing = await app.getDn('999').catch((error: unknown) => error);
    assert.ok(missing instanceof CallControlError);
    assert.equal(missing.status, 404);
    assert.equal(missing.reason, 'DnNotFound');
    assert.match(missing.reasontext, /999/);
    assert.deepEqual(missing.body, { finalstatus: 'Rejected', reason: 'DnNotFound', result: null, reasontext: missing.reasontext });
    assert.equal(missing.request, 'GET /callcontrol/999');
    assert.match(missing.message, /^GET \/callcontrol\/999: 404 DnNotFound: /);
    await assert.rejects(app.getDn('10000'), (error: unknown) => error instanceof CallControlError && error.status === 403 && error.reason === 'Forbidden');
    await assert.rejects(app.getDevice('101', 'sip:nobody@nowhere'), (error: unknown) => error instanceof CallControlError && error.reason === 'DeviceNotFound');
    await assert.rejects(app.getParticipant('800', 12345), (error: unknown) => error instanceof CallControlError && error.reason === 'ParticipantNotFound');
    await assert.rejects(app.getEntity('callcontrol/800'), TypeError);
  });
});

describe('CallControlClient commands', () => {
  test('makeCallFromDevice and makeCall answer 200 with the originating participant; drop ends it', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const fromDevice = await app.makeCallFromDevice('800', IDS.routePoint, { destination: '+15550199', timeout: 30, attacheddata: { crm: '42' } });
    assert.equal(fromDevice.status, 200);
    assert.equal(fromDevice.finalstatus, 'Success');
    assert.equal(fromDevice.reason, 'None');
    assert.equal(fromDevice.result?.status, 'Dialing');
    assert.equal(fromDevice.result?.dn, '800');
    const dropped = await app.drop('800', fromDevice.result!.id);
    assert.equal(dropped.status, 200);
    await assert.rejects(app.getParticipant('800', fromDevice.result!.id), (error: unknown) => error instanceof CallControlError && error.status === 404);

    const fromDn = await app.makeCall('100', { destination: '101' });
    assert.equal(fromDn.status, 200, 'one device: as the device form');
    assert.equal(fromDn.result?.dn, '100');
    assert.equal(fromDn.result?.device_id, IDS.alice);
  });

  test('a DN-form makecall from a DN with several devices is 202 with result null at once: not an error; the devices ring', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const result = await app.makeCall('101', { destination: '100', timeout: 1 });
    assert.equal(result.status, 202);
    assert.equal(result.finalstatus, 'Success');
    assert.equal(result.result, null);
    assert.deepEqual((await app.listParticipants('101')).map((p) => p.status), ['Ringing', 'Ringing']);
  });

  test('answer a ringing directly controlled device; a refused answer is 422 InvalidState', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const events = await e.events(app);
    await e.sim.placeCall({ from: '+15557654321', to: '101' });
    const ringing = (await app.listParticipants('101')).find((p) => p.device_id === IDS.bobSoft);
    assert.equal(ringing?.status, 'Ringing');
    const answered = await app.answer('101', ringing.id);
    assert.equal(answered.status, 200);
    await events.waitFor((frame) => frame.event.event_type === EventType.Remove && frame.event.entity.startsWith('/callcontrol/101/'));
    assert.equal((await app.getParticipant('101', ringing.id)).status, 'Connected');
    const again = await app.answer('101', ringing.id).catch((error: unknown) => error);
    assert.ok(again instanceof CallControlError);
    assert.deepEqual([again.status, again.reason], [422, 'InvalidState']);
  });

  test('divert a ringing call, then routeTo and transferTo reach Alice; attach data to both sides', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const app = e.app();
    const events = await e.events(app);
    const caller = await e.sim.placeCall({ from: '+15557654321', to: '103' }); // Dave never answers
    const dave = participantIdOf((await events.waitFor({ type: EventType.Upsert, dn: '103' })).event.entity);
    const diverted = await app.divert('103', dave, { destination: '800', reason: 'NoAnswer' });
    assert.equal(diverted.status, 200);
    const routePoint = (await app.listParticipants('800'))[0]!;
    assert.equal(routePoint.status, 'Connected');

    const attached = await app.attachParticipantData('800', routePoint.id, { attacheddata: { ticket: 'T-1' } });
    assert.equal(attached.status, 200);
    await app.attachPartyData('800', routePoint.id, { attacheddata: { vip: 'yes' } });
    assert.equal((await e.sim.party(caller.partyId)).attachedData.vip, 'yes');

    const transfer = app.transferTo('800', routePoint.id, { destination: '100' });
    await events.waitFor({ type: EventType.Upsert, dn: '100' });
    await e.sim.advanceClock(1000); // Alice answers after 1 s
    const transferred = await transfer;
    assert.equal(transferred.status, 200);
    const [alice] = await app.listParticipants('100');
    assert.equal(alice?.status, 'Connected');
    assert.equal(alice?.party_caller_id, '+15557654321');
    assert.deepEqual(await app.listParticipants('800'), []);

    const route = app.routeTo('100', alice.id, { destination: '103', timeout: 1 }); // Dave never answers
    await events.waitFor({ type: EventType.Upsert, dn: '103' });
    await e.sim.advanceClock(1000);
    const pending = await route;
    assert.equal(pending.status, 202, 'still ringing when the 1 s wait ended: pending, not an error');
    assert.equal(pending.result?.id, alice.id);
  });

  test('action() sends any action by name; unknown actions are 404 UnknownAction', async (t) => {
    const e = await startE2e(t);
    const app = e.app();
    await e.sim.placeCall({ from: '+15557654321', to: '+15550100' });
    const [participant] = await app.listParticipants('800');
    await assert.rejects(app.action('800', participant!.id, 'hold' as never), (error: unknown) => error instanceof CallControlError && error.status === 404 && error.reason === 'UnknownAction');
    assert.equal((await app.action('800', participant!.id, 'drop')).status, 200);
  });
});

describe('CallControlClient tokens', () => {
  test('one token for many requests, even when the first ones run at once', async (t) => {
    const e = await startE2e(t);
    const counter = countingFetch();
    const app = e.app({ fetch: counter.fetch });
    await Promise.all([app.listDns(), app.getDn('100'), app.listParticipants('800'), app.accessToken()]);
    await app.listDns();
    assert.equal(counter.count('POST /connect/token'), 1);
    const token = await app.accessToken();
    const claims = decodeJwtClaims(token);
    assert.equal(claims.sub, '800');
    assert.ok(claims.exp! > claims.iat!);
  });

  test('a token is refreshed before its exp (30 s ahead) without waiting for a 401', async (t) => {
    const e = await startE2e(t);
    const counter = countingFetch();
    let now = Date.now();
    const app = e.app({ fetch: counter.fetch, now: () => now });
    const first = await app.accessToken();
    const { exp } = decodeJwtClaims(first);
    now = exp! * 1000 - 31_000;
    assert.equal(await app.accessToken(), first, 'not yet');
    now = exp! * 1000 - 29_000;
    await app.listDns();
    assert.equal(counter.count('POST /connect/token'), 2);
    assert.ok(counter.calls.every((call) => call.status !== 401), 'no request was refused');
    assert.notEqual(await app.accessToken(), first);
  });

  test('a token that expired by the server’s clock: the 401 brings a new token and the request is retried once', async (t) => {
    const e = await startE2e(t, { fakeClock: true });
    const counter = countingFetch();
    const app = e.app({ fetch: counter.fetch });
    await app.listDns();
    await e.sim.advanceClock(3_601_000); // the PBX clock passes exp; the client's clock does not
    const dns = await app.listDns();
    assert.equal(dns.length, 7);
    assert.deepEqual(
      counter.calls.map((call) => `${call.request} ${call.status}`),
      ['POST /connect/token 200', 'GET /callcontrol 200', 'GET /callcontrol 401', 'POST /connect/token 200', 'GET /callcontrol 200'],
    );
  });

  test('with one live token per application, a token issued elsewhere revokes ours: refreshed on the 401', async (t) => {
    const e = await startE2e(t, { configure: (config) => (config.server.oneLiveTokenPerApplication = true) });
    const counter = countingFetch();
    const app = e.app({ fetch: counter.fetch });
    await app.listDns();
    await e.app().requestToken(); // another instance of the application logs in
    await app.getDn('800');
    assert.deepEqual(
      counter.calls.map((call) => `${call.request} ${call.status}`),
      ['POST /connect/token 200', 'GET /callcontrol 200', 'GET /callcontrol/800 401', 'POST /connect/token 200', 'GET /callcontrol/800 200'],
    );
  });

  test('a request refused again with the new token is an error, after exactly one retry', async (t) => {
    const e = await startE2e(t);
    const counter = countingFetch();
    // A proxy that refuses every /callcontrol request whatever the token.
    const refusing: typeof fetch = async (input, init) =>
      new URL(String(input)).pathname.startsWith('/callcontrol') ? new Response('{"reason":"Unauthorized","reasontext":"no"}', { status: 401 }) : counter.fetch(input, init);
    const app = e.app({ fetch: refusing });
    await assert.rejects(app.listDns(), (error: unknown) => error instanceof CallControlError && error.status === 401 && error.reasontext === 'no');
    assert.equal(counter.count('POST /connect/token'), 2);
  });

  test('bad credentials: CallControlError 401 invalid_client from POST /connect/token', async (t) => {
    const e = await startE2e(t);
    const app = e.app({ clientSecret: 'wrong-secret' });
    const error = await app.listDns().catch((caught: unknown) => caught);
    assert.ok(error instanceof CallControlError);
    assert.deepEqual([error.status, error.reason, error.request], [401, 'invalid_client', 'POST /connect/token']);
  });

  test('requestToken returns the token response as sent (expires_in 60 whatever the JWT says)', async (t) => {
    const e = await startE2e(t);
    const response = await e.app().requestToken();
    assert.equal(response.token_type, 'Bearer');
    assert.equal(response.expires_in, 60);
    assert.equal(response.refresh_token, null);
    const { exp, iat } = decodeJwtClaims(response.access_token);
    assert.equal(exp! - iat!, 3600);
  });

  test('an unreachable server is a ConnectionError naming the URL and the cause', async () => {
    const port = await closedPort();
    const app = new CallControlClient({ baseUrl: `http://127.0.0.1:${port}/`, clientId: '800', clientSecret: 'x' });
    const error = await app.listDns().catch((caught: unknown) => caught);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.message, `cannot reach http://127.0.0.1:${port}: connection refused`);
    assert.equal(error.code, 'ECONNREFUSED');
  });

  test('an aborted request rejects with the abort reason', async (t) => {
    const e = await startE2e(t);
    const app = e.app();
    await app.accessToken();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(app.listDns({ signal: controller.signal }), /stop/);
  });
});
