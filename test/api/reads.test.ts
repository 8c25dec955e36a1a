// Tests of the read routes: DN info, devices (raw and percent-encoded ids), participants, and the exact wire shapes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestApp, enc, SECOND_APP, withSecondApplication } from '../helpers/api.js';

const PARTICIPANT_KEYS = [
  'id',
  'status',
  'dn',
  'party_caller_name',
  'party_dn',
  'party_caller_id',
  'party_did',
  'device_id',
  'party_dn_type',
  'direct_control',
  'originated_by_dn',
  'originated_by_type',
  'referred_by_dn',
  'referred_by_type',
  'on_behalf_of_dn',
  'on_behalf_of_type',
  'callid',
  'legid',
];

function assertNotFound(response: { status: number; json: unknown }, reason: string) {
  assert.equal(response.status, 404);
  const body = response.json as Record<string, unknown>;
  assert.equal(body['finalstatus'], 'Rejected');
  assert.equal(body['reason'], reason);
  assert.equal(body['result'], null);
}

describe('DN info', () => {
  test('GET /callcontrol: each DN is {dn, type, devices, participants} with wire devices', async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await t.get('/callcontrol');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const dns = response.json as Record<string, unknown>[];
    for (const dn of dns) assert.deepEqual(Object.keys(dn), ['dn', 'type', 'devices', 'participants']);
    assert.deepEqual(dns[0], { dn: '800', type: 'Wroutepoint', devices: [{ dn: '800', device_id: t.ids.routePoint, user_agent: 'Switchboard Route Point' }], participants: [] });
    const types = Object.fromEntries(dns.map((dn) => [dn['dn'], dn['type']]));
    assert.deepEqual(types, { '800': 'Wroutepoint', '100': 'Wextension', '101': 'Wextension', '102': 'Wextension', '103': 'Wextension', '801': 'Wivr', '802': 'Wqueue' });
    const carol = dns.find((dn) => dn['dn'] === '102')!;
    assert.deepEqual(carol['devices'], [], 'an unregistered device is not listed');
  });

  test('GET /callcontrol/{dn}: the DN with its devices and participants, participants with every field in order', async (ctx) => {
    const t = await createTestApp(ctx);
    t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    const response = await t.get('/callcontrol/800');
    assert.equal(response.status, 200);
    const dn = response.json as { dn: string; participants: Record<string, unknown>[] };
    assert.equal(dn.dn, '800');
    assert.equal(dn.participants.length, 1);
    const participant = dn.participants[0]!;
    assert.deepEqual(Object.keys(participant), PARTICIPANT_KEYS);
    assert.equal(participant['status'], 'Connected'); // the route point auto-answers
    assert.equal(participant['party_dn'], '10000');
    assert.equal(participant['party_dn_type'], 'Wexternalline');
    assert.equal(participant['party_caller_id'], '+15557654321');
    assert.equal(participant['party_did'], '+15550100');
    assert.equal(participant['device_id'], t.ids.routePoint);
    assert.equal(participant['direct_control'], true);
    assert.equal(typeof participant['callid'], 'number');
    assert.equal(typeof participant['legid'], 'number');
  });

  test('GET /callcontrol/ (a base URL ending in a slash) is the same list', async (ctx) => {
    const t = await createTestApp(ctx);
    const slash = await t.get('/callcontrol/');
    assert.equal(slash.status, 200);
    assert.deepEqual(slash.json, (await t.get('/callcontrol')).json);
  });

  test('GET /callcontrol is the same bytes between changes, and shows every change at once, per application', async (ctx) => {
    const t = await createTestApp(ctx, { configure: withSecondApplication });
    const list = async (token?: string) => (await t.get('/callcontrol', token ? { token } : {})).text;
    const participantsOf = (text: string, dn: string) => (JSON.parse(text) as { dn: string; participants: unknown[]; devices: unknown[] }[]).find((d) => d.dn === dn)!;
    const before = await list();
    assert.equal(await list(), before);

    const caller = t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    const during = await list();
    assert.equal(participantsOf(during, '800').participants.length, 1, 'a new participant shows at once');
    t.pbx.endpointHangup(caller.id);
    assert.equal(await list(), before, 'and is gone once it left');

    t.pbx.unregisterDevice('101', t.ids.bobSoft);
    assert.equal(participantsOf(await list(), '101').devices.length, 1, 'an unregistered device is gone at once');

    const other = await list(await t.newToken(SECOND_APP.clientId, SECOND_APP.secret));
    assert.deepEqual(
      (JSON.parse(other) as { dn: string }[]).map((d) => d.dn),
      [SECOND_APP.clientId, ...SECOND_APP.monitor],
      'each application gets its own list',
    );
    assert.equal(participantsOf(await list(), '101').devices.length, 1);
  });

  test('GET /callcontrol/{dn} for a DN that does not exist: 404 DnNotFound', async (ctx) => {
    const t = await createTestApp(ctx);
    assertNotFound(await t.get('/callcontrol/555'), 'DnNotFound');
  });
});

describe('devices', () => {
  test("GET /callcontrol/{dn}/devices lists the DN's registered devices", async (ctx) => {
    const t = await createTestApp(ctx);
    const response = await t.get('/callcontrol/101/devices');
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, [
      { dn: '101', device_id: t.ids.bobDesk, user_agent: 'Switchboard DeskPhone 1.0' },
      { dn: '101', device_id: t.ids.bobSoft, user_agent: 'Switchboard SimPhone 1.0' },
    ]);
    assert.deepEqual((await t.get('/callcontrol/102/devices')).json, []);
  });

  test('GET /callcontrol/{dn}/devices for a DN that does not exist: 404', async (ctx) => {
    const t = await createTestApp(ctx);
    assertNotFound(await t.get('/callcontrol/555/devices'), 'DnNotFound');
  });

  test('a device id matches percent-encoded, raw, double-encoded, and with ;transport=tcp', async (ctx) => {
    const t = await createTestApp(ctx);
    const desk = { dn: '101', device_id: t.ids.bobDesk, user_agent: 'Switchboard DeskPhone 1.0' };
    assert.equal(t.ids.bobDesk, 'sip:101@127.0.0.1:5161');
    for (const path of ['sip%3A101%40127.0.0.1%3A5161', 'sip:101@127.0.0.1:5161', 'sip%253A101%2540127.0.0.1%253A5161', 'sip%3A101@127.0.0.1:5161']) {
      const response = await t.get(`/callcontrol/101/devices/${path}`);
      assert.equal(response.status, 200, path);
      assert.deepEqual(response.json, desk);
    }
    assert.equal(t.ids.bobSoft, 'sip:101@127.0.0.1:5261;transport=tcp');
    for (const path of [enc(t.ids.bobSoft), t.ids.bobSoft]) {
      const response = await t.get(`/callcontrol/101/devices/${path}`);
      assert.equal(response.status, 200, path);
      assert.equal((response.json as { device_id: string }).device_id, t.ids.bobSoft);
    }
  });

  test('an unknown device, one of another DN, an unregistered one, or an undecodable id: 404 DeviceNotFound', async (ctx) => {
    const t = await createTestApp(ctx);
    assertNotFound(await t.get('/callcontrol/101/devices/sip%3A999%40nowhere'), 'DeviceNotFound');
    assertNotFound(await t.get(`/callcontrol/101/devices/${enc(t.ids.alice)}`), 'DeviceNotFound');
    assertNotFound(await t.get(`/callcontrol/102/devices/${enc(t.ids.carol)}`), 'DeviceNotFound');
    assertNotFound(await t.get('/callcontrol/101/devices/%25E0%25A4%25A'), 'DeviceNotFound');
  });

  test('a very long device id, or one that is not valid percent-encoding, finds nothing (404), never a 400, 414 or 500', async (ctx) => {
    const t = await createTestApp(ctx);
    assertNotFound(await t.get(`/callcontrol/101/devices/${'x'.repeat(5000)}`), 'RouteNotFound');
    assertNotFound(await t.get('/callcontrol/101/devices/%E0%A4%A'), 'RouteNotFound');
    assertNotFound(await t.get('/callcontrol/101/devices/sip%zz'), 'RouteNotFound');
  });
});

describe('participants', () => {
  test('GET /callcontrol/{dn}/participants: the participants of the DN only, wire-shaped', async (ctx) => {
    const t = await createTestApp(ctx);
    assert.deepEqual((await t.get('/callcontrol/100/participants')).json, []);
    const op = t.pbx.makeCall({ dn: '800', deviceId: t.ids.routePoint, destination: '100' });
    const origin = op.participant!;
    const alice = (await t.get('/callcontrol/100/participants')).json as Record<string, unknown>[];
    assert.equal(alice.length, 1);
    assert.deepEqual(Object.keys(alice[0]!), PARTICIPANT_KEYS);
    assert.equal(alice[0]!['status'], 'Ringing');
    assert.equal(alice[0]!['callid'], origin.callId);
    const routePoint = (await t.get('/callcontrol/800/participants')).json as Record<string, unknown>[];
    assert.deepEqual(routePoint.map((p) => [p['id'], p['status']]), [[origin.id, 'Dialing']]);
  });

  test('GET /callcontrol/{dn}/participants for a DN that does not exist: 404', async (ctx) => {
    const t = await createTestApp(ctx);
    assertNotFound(await t.get('/callcontrol/555/participants'), 'DnNotFound');
  });

  test('GET /callcontrol/{dn}/participants/{id}: every field mapped from the core view', async (ctx) => {
    const t = await createTestApp(ctx);
    const caller = t.pbx.placeInboundCall({ from: '+15557654321', to: '+15550100' });
    const view = t.pbx.listParticipants('800')[0]!;
    const response = await t.get(`/callcontrol/800/participants/${view.id}`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, {
      id: view.id,
      status: view.status,
      dn: '800',
      party_caller_name: view.partyCallerName,
      party_dn: view.partyDn,
      party_caller_id: view.partyCallerId,
      party_did: view.partyDid,
      device_id: view.deviceId,
      party_dn_type: view.partyDnType,
      direct_control: view.directControl,
      originated_by_dn: view.originatedByDn,
      originated_by_type: view.originatedByType,
      referred_by_dn: view.referredByDn,
      referred_by_type: view.referredByType,
      on_behalf_of_dn: view.onBehalfOfDn,
      on_behalf_of_type: view.onBehalfOfType,
      callid: view.callId,
      legid: view.legId,
    });
    assert.equal(view.callId, caller.callId);
  });

  test('a participant id that exists on another DN: 404 on this path', async (ctx) => {
    const t = await createTestApp(ctx);
    const op = t.pbx.makeCall({ dn: '800', deviceId: t.ids.routePoint, destination: '100' });
    assertNotFound(await t.get(`/callcontrol/100/participants/${op.participant!.id}`), 'ParticipantNotFound');
  });

  test('a participant that left: 404', async (ctx) => {
    const t = await createTestApp(ctx);
    const op = t.pbx.makeCall({ dn: '800', deviceId: t.ids.routePoint, destination: '100' });
    t.pbx.drop('800', op.participant!.id);
    assertNotFound(await t.get(`/callcontrol/800/participants/${op.participant!.id}`), 'ParticipantNotFound');
  });

  test('ids that are not a decimal int32 are 404, never 400 or 500', async (ctx) => {
    const t = await createTestApp(ctx);
    for (const id of ['abc', '-1', '1.5', '1e3', '0x10', '2147483648', '99999999999999999999', '%20', '+1', ' 1', 'null']) {
      const response = await t.get(`/callcontrol/800/participants/${encodeURIComponent(id)}`);
      assertNotFound(response, 'ParticipantNotFound');
    }
    assertNotFound(await t.get('/callcontrol/800/participants/2147483647'), 'ParticipantNotFound');
    assertNotFound(await t.get('/callcontrol/800/participants/%zz'), 'RouteNotFound');
    assertNotFound(await t.get(`/callcontrol/800/participants/${'9'.repeat(3000)}`), 'RouteNotFound');
  });

  test('an unknown route under /callcontrol: 404 RouteNotFound, result-shaped', async (ctx) => {
    const t = await createTestApp(ctx);
    assertNotFound(await t.get('/callcontrol/800/participants/1/drop'), 'RouteNotFound');
    assertNotFound(await t.get('/callcontrol/800/devices/x/y/z'), 'RouteNotFound');
  });
});
